/**
 * pnpm bench:saga — the whole system as users run it, under load, measured (nothing asserted).
 *
 * The system: Kafka, the schema registry and a durable PostgreSQL (fsync on, as `pnpm start`),
 * the six services as processes on their defaults (saga deadline 30 s, LOG_LEVEL info), an SMTP
 * sink, a catalogue with a huge stock so the happy path is measured (saga/system.ts), and, with
 * BENCH_EXPLORER=1, the saga explorer with one page open, the services exporting their spans to it, as under `pnpm start`.
 * The phases, each followed by a wait until every accepted order is final and the system quiet:
 *   1. a sweep of offered rates, open loop: order i is sent at start + i/rate, whatever the answers;
 *   2. a burst: BENCH_BURST orders from BENCH_CLIENTS clients as fast as they get answers;
 *   3. idle: BENCH_IDLE_SECONDS of nothing, to see what the resting system costs.
 * Per phase: accepted / refused (429, 503: never an error) / failed orders, confirmed and
 * cancelled by reason, saga duration percentiles (order's history: final event − OrderPlaced),
 * completed checkouts/s, and per checkout: CPU by process (/proc), PostgreSQL transactions
 * (pg_stat_database) and Kafka requests (kafka_requests_total on every service's /metrics).
 * The explorer's own cost: its CPU per checkout, and what its page met (saga/explorer-watcher.ts).
 * Writes tests/bench/results/saga-<date>-<commit>.json; `pnpm bench:saga:summary` compares runs.
 * The last line is for scripts:
 *   saga-bench: checkouts_per_s=N p99_ms_at_100=N p50_ms_at_10=N idle_cpu_pct=N
 *
 * Knobs (environment variables):
 *   BENCH_RATES         offered rates, orders/s, comma-separated   default 10,25,50,100,200,400
 *   BENCH_SECONDS       seconds per rate                           default 15
 *   BENCH_BURST         orders in the burst (0: no burst)          default 3000
 *   BENCH_CLIENTS       concurrent clients in the burst            default 64
 *   BENCH_IDLE_SECONDS  seconds of idle measured after the load    default 20
 *   BENCH_WARMUP_SECONDS  seconds of 20 orders/s before the first phase, not measured   default 30
 *   BENCH_EXPLORER      1: run the saga explorer as pnpm start runs it (the services export their
 *                       spans to it) with one page watching: its CPU gets a column, and per phase
 *                       what the page met (saga/explorer-watcher.ts). Off by default, so that the
 *                       headline figures measure the six services alone, comparable run to run   default 0
 * A short run to try it: BENCH_RATES=10,50 BENCH_SECONDS=5 BENCH_BURST=300 pnpm bench:saga
 */
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { benchDatabases, type BenchDatabases } from "./saga/databases";
import { explorerHeadline, headline, idleFigures, idleRates, phaseFigures, settleMs, type PhaseRecord } from "./saga/figures";
import { burst, openLoop, type Placement } from "./saga/load";
import { lastLine, printExplorer, printIdle, printPhases } from "./saga/report";
import { flatFigures, runInfo, writeResult } from "./saga/results";
import { personalDataMicrosPerCheckout } from "./saga/personal-data";
import { outcomes, percentile, waitUntilQuiet } from "./saga/sagas";
import { takeSnapshot, type Snapshot } from "./saga/snapshot";
import { watchExplorer, type Watcher } from "./saga/explorer-watcher";
import { startSystem, type System } from "./saga/system";

const log = (line: string) => console.log(line);

function readKnobs() {
  const errors: string[] = [];
  const read = (name: string, fallback: string, minimum: number): number[] => {
    const raw = process.env[name] || fallback;
    const values = raw.split(",").map((value) => Number(value.trim()));
    if (values.some((value) => !Number.isFinite(value) || value < minimum)) errors.push(`${name}=${raw}: expected numbers ≥ ${minimum}`);
    return values;
  };
  const knobs = {
    rates: read("BENCH_RATES", "10,25,50,100,200,400", 0.1),
    seconds: read("BENCH_SECONDS", "15", 1)[0]!,
    burst: Math.round(read("BENCH_BURST", "3000", 0)[0]!),
    clients: Math.round(read("BENCH_CLIENTS", "64", 1)[0]!),
    idleSeconds: read("BENCH_IDLE_SECONDS", "20", 1)[0]!,
    warmUpSeconds: read("BENCH_WARMUP_SECONDS", "30", 1)[0]!,
    explorer: process.env.BENCH_EXPLORER === "1",
  };
  if (errors.length > 0) throw new Error(`Bad benchmark settings:\n  ${errors.join("\n  ")}`);
  return knobs;
}

/** After a phase's last order: wait until every saga is final and the system quiet, then read what happened. */
async function finishPhase(
  system: System, databases: BenchDatabases, before: Snapshot, placement: Placement,
  phase: Pick<PhaseRecord, "name" | "offeredPerS" | "clients" | "orders">, watched: { watcher?: Watcher; since: number },
): Promise<PhaseRecord> {
  const failed = Object.values(placement.failed).reduce((a, b) => a + b, 0);
  log(`    sent in ${(placement.placingMs / 1000).toFixed(1)} s: accepted ${placement.acceptedIds.length}, refused ${placement.refused}, failed ${failed}; waiting for ${placement.acceptedIds.length} sagas to finish...`);
  const quietAt = await waitUntilQuiet(system, databases, log);
  const atQuiet = await takeSnapshot(system, databases);
  const result = await outcomes(databases, placement.acceptedIds);
  const cancelled = Object.entries(result.cancelled).map(([reason, n]) => `${reason} ${n}`);
  log(`    all final: confirmed ${result.confirmed}, cancelled ${cancelled.length === 0 ? 0 : cancelled.join(", ")}; ` +
    `saga p50 ${percentile(result.durationsMs, 50).toFixed(0)} ms, p99 ${percentile(result.durationsMs, 99).toFixed(0)} ms`);
  log(`    where the time went, median ms per step: ${Object.entries(result.stepsMs).map(([step, ms]) => `${step} ${ms}`).join(", ")}`);
  log(`    waiting ${settleMs / 1000} s for PostgreSQL's statistics...`);
  await sleep(settleMs);
  const settled = await takeSnapshot(system, databases);
  const explorer = watched.watcher?.between(watched.since, quietAt);
  return { ...phase, placement, outcomes: result, before, atQuiet, settled, quietAt, ...(explorer ? { explorer } : {}) };
}

async function main(): Promise<void> {
  const knobs = readKnobs();
  const run = runInfo();
  log(`saga-bench: ${run.machine.cpuModel} × ${run.machine.cores}, Node ${run.node}, commit ${run.commit.slice(0, 7)}${run.dirty ? " (with uncommitted changes)" : ""}, load average ${run.machine.loadAverageAtStart.join(" ")}`);
  log(`Rates ${knobs.rates.join(", ")} orders/s for ${knobs.seconds} s each, then ${knobs.burst} orders from ${knobs.clients} clients, then ${knobs.idleSeconds} s idle.\n`);

  const system = await startSystem(log, { explorer: knobs.explorer });
  const watcher: Watcher | undefined = system.explorerUrl ? watchExplorer(system.explorerUrl) : undefined;
  const databases = benchDatabases(system.environment);
  const records: PhaseRecord[] = [];
  let idle: { start: Snapshot; end: Snapshot };
  let postgres: Record<string, string>;
  let succeeded = false;
  try {
    postgres = await databases.settings();
    log(`PostgreSQL ${postgres.server_version}: fsync ${postgres.fsync}, synchronous_commit ${postgres.synchronous_commit}`);
    // The JVMs (Kafka, the registry) and V8 compile their hot paths in the first minute of load:
    // measured cold, the first phase measures the compilers (160 ms of CPU per checkout at 10/s,
    // saga p50 86-250 ms from run to run). A user's `pnpm start` that has run a while is warm.
    log(`\nWarm-up: ${knobs.warmUpSeconds * 20} orders at 20/s (not measured)...`);
    const warmUp = await openLoop(system.orderUrl, 20, knobs.warmUpSeconds, log);
    if (warmUp.acceptedIds.length === 0) throw new Error(`No warm-up order was accepted: ${JSON.stringify(warmUp.failed)}`);
    await waitUntilQuiet(system, databases, log);
    await sleep(settleMs);
    let before = await takeSnapshot(system, databases);

    for (const rate of knobs.rates) {
      const orders = Math.round(rate * knobs.seconds);
      log(`\nPhase ${rate}/s: ${orders} orders over ${knobs.seconds} s, open loop...`);
      const since = Date.now();
      const placement = await openLoop(system.orderUrl, rate, knobs.seconds, log);
      records.push(await finishPhase(system, databases, before, placement, { name: `${rate}/s`, offeredPerS: rate, orders }, { watcher, since }));
      before = records.at(-1)!.settled;
    }
    if (knobs.burst > 0) {
      log(`\nPhase burst: ${knobs.burst} orders from ${knobs.clients} clients...`);
      const since = Date.now();
      const placement = await burst(system.orderUrl, knobs.burst, knobs.clients, log);
      records.push(await finishPhase(system, databases, before, placement, { name: "burst", clients: knobs.clients, orders: knobs.burst }, { watcher, since }));
      before = records.at(-1)!.settled;
    }
    log(`\nIdle: ${knobs.idleSeconds} s of nothing...`);
    await sleep(knobs.idleSeconds * 1000);
    idle = { start: before, end: await takeSnapshot(system, databases) };
    succeeded = true;
  } finally {
    watcher?.stop();
    if (watcher) log(`\nThe explorer's page got ${watcher.counts().pushes} pushes of sagas, ${(watcher.counts().bytes / 1e6).toFixed(1)} MB in all.`);
    await databases.end();
    log("\nStopping the system...");
    await system.stop({ keepLogs: !succeeded });
  }

  const services = system.services.map((service) => service.name);
  const rates = idleRates(idle.start, idle.end);
  const phases = records.map((record) => phaseFigures(record, rates));
  const idleResult = idleFigures(idle.start, idle.end, services);
  const top = headline(phases, idleResult);
  const explorer = explorerHeadline(phases);
  log(`\nResults (CPU, transactions and Kafka requests per accepted order; ${os.cpus().length} cores shared by everything):`);
  printPhases(phases, [...Object.keys(system.processes), "load generator"], log);
  log("");
  printIdle(idleResult, services, log);
  log("");
  printExplorer(explorer, log);
  // Personal data (decision 014): the AES-256-GCM work of one checkout, against the CPU a checkout costs at capacity.
  const personalDataMicros = await personalDataMicrosPerCheckout();
  const atCapacity = phases.at(-1)?.cpuMsPerCheckout.total;
  log(`
Personal data: sealing and opening a checkout's 5 fields and unwrapping its 2 data keys: ${personalDataMicros.toFixed(1)} µs of CPU per checkout` +
    (atCapacity ? ` (${((personalDataMicros / 1000 / atCapacity) * 100).toFixed(2)} % of the ${atCapacity.toFixed(2)} ms of CPU a checkout costs in the last phase)` : ""));
  const file = writeResult(run, {
    settings: {
      ...knobs, settleMs, sagaTimeoutMs: "service default (30000)", logLevel: "service default (info)", postgres,
      infrastructure: system.environment.description,
    },
    headline: { ...top, personalDataMicrosPerCheckout: personalDataMicros, explorer },
    figures: flatFigures(top, phases, idleResult, explorer),
    phases,
    idle: idleResult,
  });
  log(`\nWrote ${file}`);
  log(lastLine(top));
}

main().catch((error: unknown) => {
  console.error(`\nsaga-bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
