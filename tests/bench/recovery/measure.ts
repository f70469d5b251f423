/**
 * One recovery, measured from outside as an operator sees it: SIGKILL, start again at once, then
 * the two moments that matter: GET /health/ready answers 200 (ready), and the new process has taken
 * its first event from Kafka (consumer_events_total on its /metrics, which a new process starts at 0).
 */
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import { waitFor } from "@shop/infra";
import { scrape, total } from "../saga/prometheus";
import type { BenchDatabases } from "../saga/databases";
import { outcomes, type Outcomes } from "../saga/sagas";
import type { System } from "../saga/system";

export interface Recovery {
  killToReadyMs: number;
  readyToConsumingMs: number;
  /** Where the new process's start-up went, phase by phase, as its "ready in" log line says (run-service.ts). */
  startupMs?: Record<string, number>;
}

export async function killAndMeasure(system: System, name: string): Promise<Recovery> {
  const killedAt = performance.now();
  await system.kill(name);
  const { url, logFile } = system.restart(name);
  console.log(`    ${name} killed at ${new Date(Date.now() - (performance.now() - killedAt)).toISOString()}`);
  await waitFor(`${name} to be ready again`, async () =>
    (await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined))?.ok, { timeoutMs: 120_000, intervalMs: 20 });
  const readyAt = performance.now();
  await waitFor(`${name} to consume again`, async () =>
    ((total(await scrape(url), "consumer_events_total") ?? 0) > 0), { timeoutMs: 120_000, intervalMs: 50 });
  const consumingAt = performance.now();
  return { killToReadyMs: Math.round(readyAt - killedAt), readyToConsumingMs: Math.round(consumingAt - readyAt), startupMs: lastStartup(logFile) };
}

/** The phases of the last "ready in" line in a service's log (its log file collects every run's lines). */
function lastStartup(logFile: string): Record<string, number> | undefined {
  const line = fs.readFileSync(logFile, "utf8").split("\n").findLast((text) => text.includes('"startupMs"'));
  return line ? (JSON.parse(line) as { startupMs: Record<string, number> }).startupMs : undefined;
}

/** A start-up's phases on one line: "imports 1200, config 3, migrations 40, ...". */
export function phasesText(startupMs: Record<string, number> | undefined): string {
  return startupMs ? Object.entries(startupMs).map(([phase, ms]) => `${phase} ${ms}`).join(", ") : "(no start-up line in its log)";
}

/** Median [min–max] of a few measurements. */
export function spread(values: number[]): { median: number; min: number; max: number; text: string } {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
  const min = sorted[0] ?? NaN;
  const max = sorted.at(-1) ?? NaN;
  return { median, min, max, text: `${median} [${min}–${max}]` };
}

/**
 * Waits until every order is final (CONFIRMED or CANCELLED, read from order's database) and returns
 * their outcomes. Not the saga benchmark's "quiet system": after kills, email's at-most-once rule
 * may leave a mail unsent on purpose (services/email/README.md), which that wait would wait for.
 */
export async function untilFinal(databases: BenchDatabases, orderIds: string[]): Promise<Outcomes> {
  return waitFor(`${orderIds.length} orders to be final`, async () => {
    const result = await outcomes(databases, orderIds);
    const final = result.confirmed + Object.values(result.cancelled).reduce((a, b) => a + b, 0);
    return final === orderIds.length && result;
  }, { timeoutMs: 180_000, intervalMs: 1000 });
}
