/**
 * pnpm bench:messaging — the outbox path next to plain kafkajs, on the same broker in the same run:
 *   1. throughput: a plain producer vs the relay publishing the same number of outbox rows;
 *   2. latency p50/p99 at a steady rate: plain produce→consume vs outbox commit→inbox handler.
 * Starts its own Kafka and PostgreSQL (@shop/testkit) and stops them at the end. Prints figures;
 * asserts nothing about time. The targets printed beside them are issue 3's.
 *
 * Knobs (environment): BENCH_EVENTS (50000 per throughput round), BENCH_ROUNDS (5),
 * BENCH_RATE (200 events/s), BENCH_SECONDS (10 per latency round), BENCH_LATENCY_ROUNDS (3).
 * `--wake-up` adds the outbox latency with polling only (no NOTIFY), every 50 and 250 ms.
 */
import os from "node:os";
import pg from "pg";
import { startEnvironment } from "@shop/testkit";
import { ensureTopics } from "../src/kafka";
import { migrate } from "../src/migrations";
import { outboxLatency, plainLatency, quantile, type LatencySetup } from "./latency";
import { plainThroughput, relayThroughput } from "./throughput";

const events = Number(process.env.BENCH_EVENTS ?? 50_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const rate = Number(process.env.BENCH_RATE ?? 200);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const latencyRounds = Number(process.env.BENCH_LATENCY_ROUNDS ?? 3);

const began = performance.now();
const log = (line: string) => console.log(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => `${n.toFixed(1)} ms`;
const median = (values: number[]) => quantile(values, 0.5);
const range = (values: number[], format: (n: number) => string) => `${format(Math.min(...values))}–${format(Math.max(...values))}`;
const load = () => os.loadavg().map((n) => n.toFixed(2)).join(" ");

async function main(): Promise<void> {
  const loadBefore = load();
  log(`load average (1, 5, 15 min) before starting: ${loadBefore} (other processes on this machine share its cores)`);
  log("starting Kafka, the schema registry and PostgreSQL (@shop/testkit)...");
  const { environment } = await startEnvironment((line) => log(`  ${line}`));
  const databaseUrl = environment.databaseUrl("bench");
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 8 });
  // pool.end() resolves before its connections have closed: PostgreSQL stopping right after must not crash us.
  pool.on("error", () => {});
  try {
    const admin = new pg.Client({ connectionString: environment.databaseUrl("postgres") });
    await admin.connect();
    await admin.query("CREATE DATABASE bench"); // a fresh database: the environment is this run's own
    const settings = await admin.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit') ORDER BY name");
    await admin.end();
    await migrate(pool);
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const machine = [
      `${cpu}, ${os.availableParallelism()} cores, ${int(os.totalmem() / 2 ** 30)} GB RAM, ${os.type()} ${os.release()}, Node ${process.version}`,
      environment.description,
      `  PostgreSQL settings: ${settings.rows.map((row) => `${row.name}=${row.setting}`).join(", ")}`,
    ].join("\n");
    log("infrastructure ready");
    const kafka = { brokers: environment.brokers, clientId: "bench", credentials: environment.kafkaCredentials("admin") };

    // 1. Throughput. A first, smaller round warms up (JIT, connections) and is not counted. The
    // order alternates between rounds, so neither side always runs on a warmer broker.
    const throughput: { plain: number; relay: number }[] = [];
    for (let round = 0; round <= rounds; round++) {
      const count = round === 0 ? Math.min(events, 10_000) : events;
      const topic = `bench-throughput-${round}-${Date.now()}`;
      await ensureTopics(kafka, [topic], 3);
      const setup = { kafka, pool, databaseUrl, topic, count };
      const result = { plain: 0, relay: 0 };
      for (const side of round % 2 === 0 ? (["relay", "plain"] as const) : (["plain", "relay"] as const)) {
        result[side] = side === "plain" ? await plainThroughput(setup) : await relayThroughput(setup);
      }
      if (round === 0) log(`throughput warm-up done (${int(count)} messages each)`);
      else {
        throughput.push(result);
        log(`throughput round ${round}/${rounds}: plain ${int(result.plain)}/s, relay ${int(result.relay)}/s, ratio ${(result.relay / result.plain).toFixed(2)}`);
      }
    }

    // 2. Latency. Each measurement warms up for 2 s first (see latency.ts).
    const setup: LatencySetup = { kafka, pool, databaseUrl, rate, seconds, warmUpSeconds: 2 };
    const latency = { plain: [] as number[], outbox: [] as number[] };
    const p99s = { plain: [] as number[], outbox: [] as number[] }; // per round: shows how much one round's p99 varies
    for (let round = 1; round <= latencyRounds; round++) {
      for (const side of round % 2 === 0 ? (["outbox", "plain"] as const) : (["plain", "outbox"] as const)) {
        const values = side === "plain" ? await plainLatency(setup) : await outboxLatency(setup);
        latency[side].push(...values);
        p99s[side].push(quantile(values, 0.99));
        log(`latency round ${round}/${latencyRounds}, ${side}: p50 ${ms(quantile(values, 0.5))}, p99 ${ms(quantile(values, 0.99))}, max ${ms(Math.max(...values))}`);
      }
    }
    const wakeUp: string[] = [];
    if (process.argv.includes("--wake-up")) {
      for (const pollIntervalMs of [50, 250]) {
        const values = await outboxLatency(setup, { notify: false, pollIntervalMs });
        wakeUp.push(`  outbox, no NOTIFY, poll every ${pollIntervalMs} ms: p50 ${ms(quantile(values, 0.5))}, p99 ${ms(quantile(values, 0.99))}`);
        log(`latency without NOTIFY, poll every ${pollIntervalMs} ms: done`);
      }
    }
    const loadAfter = load();

    const plainRates = throughput.map((r) => r.plain);
    const relayRates = throughput.map((r) => r.relay);
    const ratios = throughput.map((r) => r.relay / r.plain);
    const [plainP99, outboxP99] = [quantile(latency.plain, 0.99), quantile(latency.outbox, 0.99)];
    console.log([
      "",
      `Machine: ${machine}`,
      `Load average (1, 5, 15 min): ${loadBefore} before starting, ${loadAfter} at the end`,
      "",
      `Throughput: ${int(events)} messages of 120 bytes, 100 keys, 3 partitions, batches of 500; median of ${rounds} rounds [min–max]`,
      `  plain kafkajs producer (idempotent, acks=all)   ${int(median(plainRates)).padStart(8)} msg/s  [${range(plainRates, int)}]`,
      `  outbox relay (pre-written rows)                 ${int(median(relayRates)).padStart(8)} msg/s  [${range(relayRates, int)}]`,
      `  ratio relay/plain                               ${median(ratios).toFixed(2).padStart(8)}        [${range(ratios, (n) => n.toFixed(2))}]  (target ≥ 0.8)`,
      "",
      `Latency: ${rate} events/s for ${seconds} s, ${latencyRounds} rounds, ${int(latency.plain.length)} events per side (p50 / p99 of all)`,
      `  plain produce→consume                           ${ms(quantile(latency.plain, 0.5))} / ${ms(plainP99)}  (p99 per round: ${p99s.plain.map(ms).join(", ")})`,
      `  outbox commit→inbox handler (NOTIFY)            ${ms(quantile(latency.outbox, 0.5))} / ${ms(outboxP99)}  (p99 per round: ${p99s.outbox.map(ms).join(", ")})`,
      `  p99 difference (outbox − plain)                 ${ms(outboxP99 - plainP99)}  (target ≤ 10 ms)`,
      ...wakeUp,
      "",
    ].join("\n"));
  } finally {
    await pool.end();
    log("stopping the infrastructure...");
    await environment.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
