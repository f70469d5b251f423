/**
 * How a service's process starts, in one place for `pnpm start`'s supervisor, the saga benchmark
 * and the tests: Node runs TypeScript through tsx, then the service's telemetry (src/telemetry.ts,
 * through `--import`, so it starts before anything loads http or pg), then its main.ts. Paths are
 * relative to the repository root, the processes' working directory. The Dockerfile's CMD and each
 * service's package.json "start" script say the same.
 */
import path from "node:path";

export function serviceNodeArgs(service: string): string[] {
  const src = path.join("services", service, "src");
  return ["--import", "tsx", "--import", `./${path.join(src, "telemetry.ts")}`, path.join(src, "main.ts")];
}
