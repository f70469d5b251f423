/**
 * Every call the explorer makes to `pnpm start`'s supervisor, in one place: its control API
 * (docs/control-api.md) on SUPERVISOR_URL, or the address the running supervisor wrote to
 * .cache/infra/dev/supervisor.json. Without a supervisor (docker compose, services started by
 * hand) the Break-it panel says so and the calls answer 503.
 */
import fs from "node:fs";

export const serviceActions = ["stop", "start", "restart", "kill"] as const;
export const infraActions = ["stop", "start", "kill", "restart"] as const;
export const infraComponents = ["kafka", "registry", "postgres"] as const;
export type ServiceAction = (typeof serviceActions)[number];
export type InfraAction = (typeof infraActions)[number];

export interface ServiceInstance {
  name: string; instance: number; port: number; pid: number | null;
  state: "starting" | "ready" | "stopping" | "stopped" | "backoff" | "crashed"; restarts: number; since: string;
}
export interface InfraComponent { name: string; pid: number | null; port: number; state: string }

export class NoSupervisorError extends Error {}

export interface SupervisorClient {
  /** Where it is, or null when none runs. */
  url(): string | null;
  services(): Promise<ServiceInstance[]>;
  infra(): Promise<InfraComponent[]>;
  service(name: string, action: ServiceAction, instance?: number): Promise<unknown>;
  component(name: string, action: InfraAction): Promise<unknown>;
}

/** `fixedUrl` (SUPERVISOR_URL) wins; otherwise the file is read on each call, so a supervisor started later is found. */
export function supervisorClient(fixedUrl: string | undefined, supervisorFile: string | undefined): SupervisorClient {
  const url = (): string | null => {
    if (fixedUrl) return fixedUrl;
    if (!supervisorFile) return null;
    try {
      return (JSON.parse(fs.readFileSync(supervisorFile, "utf8")) as { url?: string }).url ?? null;
    } catch {
      return null;
    }
  };
  /**
   * `timeoutMs`: the control API answers a service action at once (202), but an infrastructure
   * action once it is done, and starting Kafka again on a busy machine took over a minute.
   */
  const call = async (method: "GET" | "POST", path: string, timeoutMs = 30_000): Promise<unknown> => {
    const base = url();
    if (!base) throw new NoSupervisorError("no supervisor runs: Break it needs the control API of `pnpm start`");
    const response = await fetch(`${base}${path}`, { method, signal: AbortSignal.timeout(timeoutMs) })
      .catch((error: Error) => { throw new NoSupervisorError(`the supervisor at ${base} does not answer: ${error.message}`); });
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    if (!response.ok) throw new Error(body.error ?? `${method} ${path}: ${response.status}`);
    return body;
  };
  return {
    url,
    services: async () => ((await call("GET", "/services")) as { services: ServiceInstance[] }).services,
    infra: async () => ((await call("GET", "/infra")) as { components: InfraComponent[] }).components,
    service: (name, action, instance) => call("POST", `/services/${encodeURIComponent(name)}/${action}${instance ? `?instance=${instance}` : ""}`),
    component: (name, action) => call("POST", `/infra/${encodeURIComponent(name)}/${action}`, 240_000), // under Node's 300 s request timeout
  };
}
