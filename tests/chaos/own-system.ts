/**
 * `pnpm chaos` without a running `pnpm start`: the system the benchmarks run (bench/saga/system.ts:
 * native Kafka, registry, durable PostgreSQL, the six services as processes), driven through the
 * same `Control` interface as the supervisor's API (infra/src/control-client.ts). It plays the
 * supervisor's part too: a killed service is started again after a short backoff.
 */
import { isAlive } from "@shop/infra/src/processes";
import { waitFor } from "@shop/infra";
import type { Control, InfraComponent, ServiceAction, ServiceStatus } from "@shop/infra/src/control-client";
import { nativeStateOf } from "@shop/testkit";
import { startSystem, type Product, type System } from "../bench/saga/system";

/** What a supervisor waits before starting a killed service again (its first backoff step). */
const restartBackoffMs = 500;

export async function startOwnSystem(log: (line: string) => void, extraProducts: Product[]): Promise<{ control: Control; system: System }> {
  const system = await startSystem(log, { extraProducts });
  const states = new Map<string, ServiceStatus["state"]>(system.services.map(({ name }) => [name, "ready"]));
  const restarts = new Map<string, number>();

  const service = async (name: string, action: ServiceAction) => {
    if (!states.has(name)) throw new Error(`no service ${name}`);
    if (action === "stop" || action === "restart") {
      await system.stopService(name);
      states.set(name, "stopped");
    }
    if (action === "kill") {
      await system.kill(name);
      states.set(name, "backoff");
      await new Promise((resolve) => setTimeout(resolve, restartBackoffMs));
      restarts.set(name, (restarts.get(name) ?? 0) + 1);
    }
    if (action === "start" || action === "restart" || action === "kill") {
      system.restart(name);
      states.set(name, "ready"); // the campaign waits for /health/ready itself
    }
  };

  const infra = async (component: InfraComponent, action: ServiceAction) => {
    const { environment } = system;
    if (component === "kafka" && action === "kill") {
      await environment.stopBroker({ kill: true });
    } else if (component === "kafka" && action === "start") {
      await environment.startBroker();
    } else if (component === "postgres" && action === "kill") {
      await killPostgres(system);
    } else if (component === "postgres" && action === "start") {
      await environment.restartDatabase(); // the postmaster is gone: this starts it again on the same data (crash recovery)
    } else {
      throw new Error(`its own system supports kill and start of kafka and postgres, not ${action} of ${component}`);
    }
  };

  const control: Control = {
    description: "its own system (no `pnpm start` running)",
    services: async () => system.services.map(({ name, url, pid }) => ({
      name, instance: 0, port: Number(new URL(url).port), pid, state: states.get(name)!, restarts: restarts.get(name) ?? 0, since: "",
    })),
    service,
    infra,
  };
  return { control, system };
}

/** kill -9 of PostgreSQL: the postmaster and every backend at once (they share its process group), as a crash would. */
async function killPostgres(system: System): Promise<void> {
  const { pid } = nativeStateOf(system.descriptorFile)!.postgres;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    process.kill(pid, "SIGKILL");
  }
  await waitFor("PostgreSQL's processes to exit", () => !isAlive(pid), { timeoutMs: 30_000, intervalMs: 50 });
}
