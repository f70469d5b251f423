/**
 * The calls to `pnpm start`'s control API (the supervisor), in one place: what `pnpm chaos` and
 * other tools use to stop, start and kill services and infrastructure of a running system.
 * `Control` is the interface; `supervisorControl` speaks HTTP to the supervisor, and a tool that
 * runs its own processes implements the same interface over them (tests/chaos/own-system.ts).
 *
 *   GET  /services                                   → { services: ServiceStatus[] }
 *   POST /services/:name/stop|start|restart|kill     (?instance=N) → 202
 *   GET  /infra                                      → { components: InfraStatus[] }
 *   POST /infra/:component/stop|start|kill|restart   → 200 once done (a start takes seconds)
 */
import fs from "node:fs";
import path from "node:path";
import { devDir } from "./dev-environment";

export type ServiceAction = "stop" | "start" | "restart" | "kill";
export type InfraComponent = "kafka" | "registry" | "postgres";

export interface ServiceStatus {
  name: string;
  instance: number;
  port: number;
  pid: number | null;
  state: "starting" | "ready" | "stopping" | "stopped" | "backoff" | "crashed";
  restarts: number;
  since: string;
}

export interface InfraStatus { name: InfraComponent; pid: number | null; port: number; state: string }

export interface Control {
  /** What this control drives, for messages ("the running system at http://...", "its own system"). */
  description: string;
  services(): Promise<ServiceStatus[]>;
  /** Asks for the action; kill is SIGKILL, after which the supervisor restarts the service (with backoff). */
  service(name: string, action: ServiceAction, instance?: number): Promise<void>;
  /** Resolves once the action is done; kill is SIGKILL, and the component stays down until start. */
  infra(component: InfraComponent, action: ServiceAction): Promise<void>;
}

/** Where the supervisor says it listens: `{ url, pid }` in .cache/infra/dev/supervisor.json. */
export const supervisorFile = path.join(devDir, "supervisor.json");

/** The running supervisor's control, or undefined when none answers. */
export async function findSupervisor(file = supervisorFile): Promise<Control | undefined> {
  if (!fs.existsSync(file)) return undefined;
  const { url } = JSON.parse(fs.readFileSync(file, "utf8")) as { url: string; pid: number };
  const answers = await fetch(`${url}/services`, { signal: AbortSignal.timeout(2000) }).then((response) => response.ok, () => false);
  return answers ? supervisorControl(url) : undefined;
}

export function supervisorControl(url: string): Control {
  // A service action is accepted (202) at once; an infrastructure action answers (200) once done.
  const post = async (route: string, timeoutMs: number) => {
    const response = await fetch(`${url}${route}`, { method: "POST", signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`POST ${route}: ${response.status} ${await response.text()}`);
  };
  return {
    description: `the running system (supervisor at ${url})`,
    async services() {
      const response = await fetch(`${url}/services`, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`GET /services: ${response.status}`);
      return ((await response.json()) as { services: ServiceStatus[] }).services;
    },
    service: (name, action, instance) => post(`/services/${name}/${action}${instance === undefined ? "" : `?instance=${instance}`}`, 10_000),
    infra: (component, action) => post(`/infra/${component}/${action}`, 180_000),
  };
}
