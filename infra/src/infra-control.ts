/**
 * Kafka, the registry and PostgreSQL as the control API sees them: their state, and stop, start,
 * kill (SIGKILL, a crash) or restart of one. They are not supervised: a component that is stopped
 * or killed stays down until it is started again, so that experiments (docs/break-it.md) and
 * `pnpm chaos` decide how long the outage lasts. One action at a time per component.
 */
import { components, readState, runningComponents, startComponent, stopComponent, type Component } from "./native-environment";

export type InfraAction = "stop" | "start" | "kill" | "restart";
const infraActions: readonly InfraAction[] = ["stop", "start", "kill", "restart"];

export interface ComponentView { name: Component; pid: number | null; port: number; state: "running" | "stopped" }
export interface InfraControl {
  list(): ComponentView[];
  act(component: string, action: string): Promise<{ component: Component; action: InfraAction; state: ComponentView["state"] }>;
}

const failure = (status: number, message: string) => Object.assign(new Error(message), { status });

export function infraControl(dir: string, log: (line: string) => void): InfraControl {
  const busy = new Map<Component, Promise<unknown>>();

  const list = (): ComponentView[] => {
    const state = readState(dir);
    if (!state) return [];
    const running = runningComponents(state);
    return components.map((name) => ({ name, pid: running[name] ? state[name].pid : null, port: state[name].port, state: running[name] ? "running" : "stopped" }));
  };

  const run = async (component: Component, action: InfraAction): Promise<void> => {
    const running = list().find((c) => c.name === component)?.state === "running";
    if (action === "stop" || action === "kill" || action === "restart") {
      if (running) await stopComponent(dir, component, { kill: action === "kill" });
    }
    if (action === "start" || action === "restart") {
      if (action === "restart" || !running) await startComponent(dir, component, (line) => log(`${component}: ${line}`));
    }
  };

  return {
    list,
    async act(component, action) {
      if (!components.includes(component as Component)) throw failure(404, `No infrastructure component "${component}": use one of ${components.join(", ")}`);
      if (!infraActions.includes(action as InfraAction)) throw failure(400, `No action "${action}": use one of ${infraActions.join(", ")}`);
      const name = component as Component;
      log(`${name}: ${action} (asked through the control API)`);
      const previous = busy.get(name) ?? Promise.resolve();
      const done = previous.catch(() => undefined).then(() => run(name, action as InfraAction));
      busy.set(name, done);
      try {
        await done;
      } catch (error) {
        throw failure(500, `${name} ${action} failed: ${(error as Error).message}`);
      }
      log(`${name}: ${action} done`);
      return { component: name, action: action as InfraAction, state: list().find((c) => c.name === name)!.state };
    },
  };
}
