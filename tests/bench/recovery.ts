/**
 * pnpm bench:recovery — how fast a service comes back after kill -9 (nothing asserted).
 *
 * The system bench:saga runs (saga/system.ts: native Kafka, registry, durable PostgreSQL, the six
 * services as `pnpm start` runs them), under a steady trickle of orders so that every service
 * always has events to consume. Two parts:
 *   1. rounds: each service in turn is killed with SIGKILL and started again at once (what a
 *      supervisor does); measured from the kill to GET /health/ready answering 200 ("ready"), and
 *      from ready to the first event the new process takes from Kafka (consumer_events_total > 0
 *      on its /metrics: "consuming"). Printed per service: median [min–max] over the rounds; per
 *      restart, where its start-up went, phase by phase (the "ready in" line of its log).
 *   2. rolling restart: RECOVERY_ROLLING_RATE orders/s while every service in turn is killed and
 *      restarted, RECOVERY_ROLLING_GAP_S seconds apart; then every order final, counted by outcome
 *      (the target: < 1 % cancelled by timeout with the default 30 s deadline).
 * Writes tests/bench/results/recovery-<date>-<commit>.json. Last line, for scripts:
 *   recovery-bench: kill_to_ready_ms=N ready_to_consuming_ms=N rolling_timeout_pct=N
 *
 * Knobs: RECOVERY_ROUNDS (default 3), RECOVERY_TRICKLE_RATE orders/s during the rounds (default 10),
 * RECOVERY_ROLLING_RATE (default 20, 0 = skip part 2), RECOVERY_ROLLING_GAP_S (default 15),
 * RECOVERY_KEEP_LOGS=1: the services log at debug (kafkajs's group joins) and their logs are kept.
 */
import { benchDatabases } from "./saga/databases";
import { openLoop } from "./saga/load";
import { runInfo, writeResult } from "./saga/results";
import { startSystem } from "./saga/system";
import { killAndMeasure, phasesText, spread, untilFinal, type Recovery } from "./recovery/measure";

const log = (line: string) => console.log(line);
const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${process.env[name]}: expected a number ≥ 0`);
  return value;
};

async function main(): Promise<void> {
  const rounds = knob("RECOVERY_ROUNDS", 3);
  const trickleRate = knob("RECOVERY_TRICKLE_RATE", 10);
  const rollingRate = knob("RECOVERY_ROLLING_RATE", 20);
  const rollingGapS = knob("RECOVERY_ROLLING_GAP_S", 15);
  const run = runInfo();
  log(`recovery-bench: commit ${run.commit.slice(0, 7)}${run.dirty ? " (with uncommitted changes)" : ""}, ${rounds} rounds, load average ${run.machine.loadAverageAtStart.join(" ")}`);
  const keepLogs = process.env.RECOVERY_KEEP_LOGS === "1";
  const system = await startSystem(log, { serviceEnv: keepLogs ? { LOG_LEVEL: "debug" } : {} });
  const databases = benchDatabases(system.environment);
  const names = system.services.map((service) => service.name);
  const measured: Record<string, Recovery[]> = Object.fromEntries(names.map((name) => [name, []]));
  let rolling: Record<string, unknown> | undefined;
  let succeeded = false;
  try {
    log(`\nRounds: kill -9 and restart each service in turn, under ${trickleRate} orders/s...`);
    for (let round = 1; round <= rounds; round++) {
      for (const name of names) {
        // A trickle of orders for as long as the measurement may take, so that there is always something to consume.
        const trickle = openLoop(system.orderUrl, trickleRate, 25, () => {});
        await new Promise((resolve) => setTimeout(resolve, 3000)); // events in flight before the kill
        const recovery = await killAndMeasure(system, name);
        measured[name]!.push(recovery);
        log(`  round ${round} ${name.padEnd(10)} kill→ready ${recovery.killToReadyMs} ms, ready→consuming ${recovery.readyToConsumingMs} ms`);
        log(`    its start-up, ms: ${phasesText(recovery.startupMs)}`);
        await untilFinal(databases, (await trickle).acceptedIds);
      }
    }

    if (rollingRate > 0) {
      // The load outlasts the last kill: a kill's measurement waits for the restarted service to consume.
      const seconds = rollingGapS * (names.length + 1) + 60;
      log(`\nRolling restart: ${rollingRate} orders/s for ${seconds} s; each service killed and restarted, ${rollingGapS} s apart...`);
      const load = openLoop(system.orderUrl, rollingRate, seconds, log);
      const startedAt = Date.now();
      for (const [index, name] of names.entries()) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + (index + 1) * rollingGapS * 1000 - Date.now())));
        const recovery = await killAndMeasure(system, name);
        log(`  ${name.padEnd(10)} kill→ready ${recovery.killToReadyMs} ms, ready→consuming ${recovery.readyToConsumingMs} ms`);
      }
      const placement = await load;
      const result = await untilFinal(databases, placement.acceptedIds);
      const timeouts = result.cancelled.timeout ?? 0;
      rolling = {
        rate: rollingRate, gapS: rollingGapS, accepted: placement.acceptedIds.length, refused: placement.refused, failed: placement.failed,
        confirmed: result.confirmed, cancelled: result.cancelled, timeoutPct: (100 * timeouts) / Math.max(1, placement.acceptedIds.length),
      };
      log(`  accepted ${placement.acceptedIds.length}, refused ${placement.refused}, confirmed ${result.confirmed}, cancelled ${JSON.stringify(result.cancelled)}`);
    }
    succeeded = true;
  } finally {
    await databases.end();
    await system.stop({ keepLogs: keepLogs || !succeeded });
  }

  log("\nservice     kill→ready ms            ready→consuming ms");
  const perService = Object.fromEntries(names.map((name) => {
    const ready = spread(measured[name]!.map((r) => r.killToReadyMs));
    const consuming = spread(measured[name]!.map((r) => r.readyToConsumingMs));
    log(`${name.padEnd(11)} ${ready.text.padEnd(24)} ${consuming.text}`);
    return [name, { killToReadyMs: ready, readyToConsumingMs: consuming, rounds: measured[name] }];
  }));
  const all = Object.values(measured).flat();
  const headline = {
    killToReadyMs: spread(all.map((r) => r.killToReadyMs)).median,
    readyToConsumingMs: spread(all.map((r) => r.readyToConsumingMs)).median,
    rollingTimeoutPct: (rolling?.timeoutPct as number | undefined) ?? NaN,
  };
  if (rolling) log(`\nRolling restart under ${rollingRate}/s: ${(rolling.timeoutPct as number).toFixed(2)} % of accepted orders cancelled by timeout`);
  log(`\nWrote ${writeResult(run, { settings: { rounds, trickleRate, rollingRate, rollingGapS }, headline, perService, rolling }, "recovery")}`);
  log(`recovery-bench: kill_to_ready_ms=${headline.killToReadyMs} ready_to_consuming_ms=${headline.readyToConsumingMs} rolling_timeout_pct=${headline.rollingTimeoutPct.toFixed(2)}`);
}

main().catch((error: unknown) => {
  console.error(`\nrecovery-bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
