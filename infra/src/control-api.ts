/**
 * The control API of `pnpm start`: a small HTTP server on 127.0.0.1 that `pnpm svc`, the explorer
 * page and `pnpm chaos` use to see and change what runs (docs/control-api.md has the contract).
 *
 *   GET  /services                          every service instance and its state
 *   POST /services/:name/:action[?instance=N]  stop | start | restart | kill  → 202
 *   GET  /infra                             Kafka, the registry, PostgreSQL: pid, port, running or stopped
 *   POST /infra/:component/:action          stop | start | kill | restart    → 200 once done
 *   GET  /events                            the supervisor's events, as Server-Sent Events
 *
 * Its address goes to .cache/infra/dev/supervisor.json while it runs.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { InfraControl } from "./infra-control";
import { isAlive } from "./processes";
import { serviceActions, type ServiceAction, type Supervisor } from "./supervisor";

export const defaultSupervisorPort = 3009;
export const supervisorFileOf = (dir: string) => path.join(dir, "supervisor.json");

export interface SupervisorRecord { url: string; pid: number }

/** The running supervisor of `dir`, or undefined when there is none (no file, or its process is gone). */
export function readRunningSupervisor(dir: string): SupervisorRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(supervisorFileOf(dir), "utf8")) as SupervisorRecord;
    return isAlive(record.pid) ? record : undefined;
  } catch {
    return undefined;
  }
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export async function startControlApi(
  { supervisor, infra, port, dir }: { supervisor: Supervisor; infra: InfraControl; port: number; dir: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const route = async (method: string, url: URL, response: http.ServerResponse): Promise<[number, unknown] | undefined> => {
    const parts = url.pathname.split("/").filter(Boolean);
    if (method === "GET" && url.pathname === "/services") return [200, { services: supervisor.list() }];
    if (method === "GET" && url.pathname === "/infra") return [200, { components: infra.list() }];
    if (method === "GET" && url.pathname === "/events") return void streamEvents(supervisor, response);
    if (method === "POST" && parts[0] === "services" && parts.length === 3) {
      const [, name, action] = parts as [string, string, string];
      if (!supervisor.names().includes(name)) throw new HttpError(404, `No service "${name}": the services are ${supervisor.names().join(", ")}`);
      if (!serviceActions.includes(action as ServiceAction)) throw new HttpError(400, `No action "${action}": use one of ${serviceActions.join(", ")}`);
      const instance = url.searchParams.get("instance");
      if (instance !== null && !/^[1-9]\d*$/.test(instance)) throw new HttpError(400, `instance must be a number from 1 (got "${instance}")`);
      try {
        const instances = supervisor.act(name, action as ServiceAction, instance === null ? undefined : Number(instance));
        return [202, { name, action, instances }];
      } catch (error) {
        throw new HttpError(404, (error as Error).message); // an instance number it does not have
      }
    }
    if (method === "POST" && parts[0] === "infra" && parts.length === 3) {
      const [, component, action] = parts as [string, string, string];
      return [200, await infra.act(component, action)]; // throws HttpError-like errors with a status
    }
    throw new HttpError(404, `No route ${method} ${url.pathname}: see docs/control-api.md`);
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    route(request.method ?? "GET", url, response).then(
      (result) => result && send(response, ...result),
      (error: Error & { status?: number }) => send(response, error.status ?? 500, { error: error.message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(error.code === "EADDRINUSE"
      ? new Error(`The supervisor's control API: port ${port} is already in use (another pnpm start?). Stop that process, or set SUPERVISOR_PORT to a free port.`)
      : error));
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${port}`;
  fs.writeFileSync(supervisorFileOf(dir), `${JSON.stringify({ url, pid: process.pid } satisfies SupervisorRecord)}\n`);
  return {
    url,
    close: () => new Promise((resolve) => {
      fs.rmSync(supervisorFileOf(dir), { force: true });
      server.closeAllConnections(); // event streams stay open otherwise
      server.close(() => resolve());
    }),
  };
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
}

/** Server-Sent Events: one `data:` line of JSON per supervisor event, until the client goes. */
function streamEvents(supervisor: Supervisor, response: http.ServerResponse): void {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  response.write(": the supervisor's events (docs/control-api.md)\n\n");
  const forward = (event: unknown) => response.write(`data: ${JSON.stringify(event)}\n\n`);
  supervisor.on("event", forward);
  response.on("close", () => supervisor.off("event", forward));
}

export { HttpError };
