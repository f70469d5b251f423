/**
 * `--scale <service>=<N>` for `pnpm start`: how many instances of a service to run (1 by default).
 * Each instance gets its own port (service-env.ts's portOf: 3002, 3102, 3202 ... for inventory),
 * the same database and the same Kafka consumer group, so they share the topics' partitions.
 */
import { serviceNames, type ServiceName } from "./service-env";

const maxInstances = 9; // ports 3001-3906: clear of the control API (3009) and each other

export function parseScale(args: string[]): Partial<Record<ServiceName, number>> {
  const scale: Partial<Record<ServiceName, number>> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = arg === "--scale" ? args[++i] : arg.startsWith("--scale=") ? arg.slice("--scale=".length) : undefined;
    if (value === undefined) throw new Error(`Unknown argument "${arg}": pnpm start [--reset] [--scale <service>=<N> ...]`);
    for (const entry of value.split(",")) {
      const match = /^([a-z]+)=(\d+)$/.exec(entry);
      const name = match?.[1] as ServiceName | undefined;
      const count = Number(match?.[2]);
      if (!match || !serviceNames.includes(name!) || count < 1 || count > maxInstances) {
        throw new Error(`--scale ${entry}: expected <service>=<N>, a service of ${serviceNames.join(", ")} and N from 1 to ${maxInstances}`);
      }
      scale[name!] = count;
    }
  }
  return scale;
}
