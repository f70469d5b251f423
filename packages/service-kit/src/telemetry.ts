/**
 * Telemetry that starts before the service's code loads. Each service's src/telemetry.ts calls
 * startServiceTelemetry("<name>"), and Node runs that file first:
 *
 *   node --import tsx --import ./src/telemetry.ts src/main.ts
 *
 * With an exporter set, OpenTelemetry patches `http` and `pg` as they load, so it must start
 * before anything imports them; a flag on the command line says so where an import at the top of
 * main.ts said it only by its place (an import sorter would have moved it, and tracing would
 * have stopped without a word). runService refuses to start when telemetry has not, and stops it last.
 */
import { startTelemetry, type Telemetry } from "@shop/observability/telemetry"; // this file only: nothing that loads http or pg

let started: Telemetry | undefined;

export function startServiceTelemetry(service: string): void {
  started ??= startTelemetry(service);
}

/** Whether the service's src/telemetry.ts ran (through `node --import`). */
export const telemetryStarted = (): boolean => started !== undefined;

/** Exports what is left (when exporting) and stops: the last step of a shutdown. */
export async function stopTelemetry(): Promise<void> {
  await started?.shutdown();
  started = undefined;
}
