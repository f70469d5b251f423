/**
 * Every counter the figures come from, read at one moment; a phase's figures are the
 * difference between the snapshot before it and the ones after it.
 *   cpuMs          per process of the system (tree): /proc/<pid>/stat utime+stime, see cpu.ts
 *   transactions   pg_stat_database xact_commit + xact_rollback, six service databases
 *   kafkaRequests  kafka_requests_total from every service's GET /metrics, by API (Produce, Fetch...)
 *   mails          received by the SMTP sink
 */
import type { BenchDatabases } from "./databases";
import { processTable, treeCpuMs } from "./cpu";
import { scrape, totalBy } from "./prometheus";
import type { System } from "./system";

export interface Snapshot {
  at: number;
  cpuMs: Record<string, number>;
  transactions: number;
  benchQueries: number;
  kafkaRequests: Record<string, number>;
  mails: number;
}

export async function takeSnapshot(system: System, databases: BenchDatabases): Promise<Snapshot> {
  system.assertRunning();
  const metrics = await Promise.all(system.services.map((service) => scrape(service.url)));
  const kafkaRequests: Record<string, number> = {};
  for (const samples of metrics) {
    for (const [api, count] of Object.entries(totalBy(samples, "kafka_requests_total", "api"))) kafkaRequests[api] = (kafkaRequests[api] ?? 0) + count;
  }
  const transactions = await databases.transactions();
  const table = processTable();
  const cpuMs = Object.fromEntries(Object.entries(system.processes).map(([name, pid]) => [name, treeCpuMs(table, pid)]));
  return { at: Date.now(), cpuMs, transactions, benchQueries: databases.benchQueries(), kafkaRequests, mails: system.mails() };
}

/** after − before, counter by counter. */
export function difference(after: Snapshot, before: Snapshot): Snapshot {
  const minus = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.keys(a).map((key) => [key, a[key]! - (b[key] ?? 0)]));
  return {
    at: after.at - before.at,
    cpuMs: minus(after.cpuMs, before.cpuMs),
    transactions: after.transactions - before.transactions,
    benchQueries: after.benchQueries - before.benchQueries,
    kafkaRequests: minus(after.kafkaRequests, before.kafkaRequests),
    mails: after.mails - before.mails,
  };
}
