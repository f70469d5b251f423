/**
 * The control API's infrastructure actions (infra/src/infra-control.ts) over a test environment's
 * fault hooks, for a run on containers (Docker), where there is no native state file for
 * `pnpm start`'s infraControl to act on. Only what the hooks can do: Kafka stop, kill, start and
 * restart, PostgreSQL restart; anything else is refused (409), as the page then shows.
 */
import type { infraControl } from "@shop/infra";
import type { Environment } from "@shop/testkit";

type InfraControl = ReturnType<typeof infraControl>;
type ComponentView = ReturnType<InfraControl["list"]>[number];

export function environmentInfraControl(environment: Environment): InfraControl {
  const states: Record<"kafka" | "registry" | "postgres", ComponentView["state"]> = { kafka: "running", registry: "running", postgres: "running" };
  const refused = (message: string) => Object.assign(new Error(message), { status: 409 });
  return {
    list: () => (["kafka", "registry", "postgres"] as const).map((name) => ({ name, pid: null, port: 0, state: states[name] })),
    async act(component, action) {
      if (component === "kafka" && (action === "stop" || action === "kill")) {
        await environment.stopBroker({ kill: action === "kill" });
        states.kafka = "stopped";
      } else if (component === "kafka" && (action === "start" || action === "restart")) {
        if (action === "restart") await environment.stopBroker();
        await environment.startBroker();
        states.kafka = "running";
      } else if (component === "postgres" && action === "restart") await environment.restartDatabase();
      else throw refused(`${component} ${action} is not available on containers in tests`);
      return { component, action, state: states[component as "kafka" | "postgres"] } as Awaited<ReturnType<InfraControl["act"]>>;
    },
  };
}
