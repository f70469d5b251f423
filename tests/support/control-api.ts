/**
 * The supervisor's control API (docs: the "Run it like a platform" issue; `pnpm start` serves it)
 * over the processes a test started: the explorer's Break-it panel drives these real processes
 * through the same contract. kill is SIGKILL followed, as the supervisor does, by a restart after
 * a backoff; stop keeps a service down until start. Infrastructure: the test environment's broker
 * (stop, start, kill, restart) and PostgreSQL (restart); the registry is not under test control.
 */
import http from "node:http";
import type { Environment, ServiceProcess } from "@shop/testkit";

type State = "starting" | "ready" | "stopping" | "stopped" | "backoff" | "crashed";
interface Entry { process: ServiceProcess; port: number; state: State; restarts: number; since: string }

export async function serveControlApi(
  services: Record<string, ServiceProcess>, environment: Environment, { killBackoffMs }: { killBackoffMs: number },
): Promise<{ url: string; close(): Promise<void> }> {
  const entries = new Map<string, Entry>(Object.entries(services).map(([name, process]) =>
    [name, { process, port: Number(new URL(process.url).port), state: "ready", restarts: 0, since: new Date().toISOString() }]));
  const broker = { state: "running" };
  const set = (entry: Entry, state: State) => Object.assign(entry, { state, since: new Date().toISOString() });
  const start = async (entry: Entry) => {
    set(entry, "starting");
    await entry.process.start();
    set(entry, "ready");
  };
  const timers = new Set<NodeJS.Timeout>();

  const act = async (entry: Entry, action: string): Promise<void> => {
    if (action === "stop") {
      set(entry, "stopping");
      await entry.process.stop();
      set(entry, "stopped");
    } else if (action === "start") await start(entry);
    else if (action === "restart") {
      await entry.process.stop();
      await start(entry);
    } else if (action === "kill") {
      await entry.process.kill();
      set(entry, "backoff");
      entry.restarts++;
      const timer = setTimeout(() => void start(entry).catch(() => set(entry, "crashed")), killBackoffMs);
      timers.add(timer);
    }
  };
  const infra = async (component: string, action: string): Promise<void> => {
    if (component === "kafka" && (action === "stop" || action === "kill")) await environment.stopBroker({ kill: action === "kill" });
    else if (component === "kafka" && action === "start") await environment.startBroker();
    else if (component === "kafka" && action === "restart") await environment.stopBroker().then(() => environment.startBroker());
    else if (component === "postgres" && action === "restart") await environment.restartDatabase();
    else throw Object.assign(new Error(`${component} ${action} is not available in tests`), { status: 409 });
    broker.state = component === "kafka" && (action === "stop" || action === "kill") ? "stopped" : "running";
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const [kind, name, action] = url.pathname.split("/").filter(Boolean);
    const send = (status: number, body: unknown) => response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (request.method === "GET" && kind === "services" && !name) {
      return send(200, { services: [...entries].map(([service, e]) => ({ name: service, instance: 1, port: e.port, pid: null, state: e.state, restarts: e.restarts, since: e.since })) });
    }
    if (request.method === "GET" && kind === "infra" && !name) {
      return send(200, { components: [{ name: "kafka", pid: null, port: 0, state: broker.state }, { name: "postgres", pid: null, port: 0, state: "running" }] });
    }
    const entry = kind === "services" && name ? entries.get(name) : undefined;
    if (request.method === "POST" && entry && action) return void act(entry, action).catch(() => set(entry, "crashed")), send(202, { name, action });
    if (request.method === "POST" && kind === "infra" && name && action) {
      return void infra(name, action).then(() => send(200, { component: name, action }), (error: Error & { status?: number }) => send(error.status ?? 500, { error: error.message }));
    }
    send(404, { error: `no route ${request.method} ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
