/**
 * One server of the tracing benchmark (started by tracing-cost.ts, one process per variant):
 * the service's own createApp and logger, and a route shaped like POST /orders — a body to
 * parse, a transaction of BENCH_QUERIES statements, and the trace context read the way
 * outbox.add reads it. Talks to the benchmark over IPC: "start" and "stop" bracket a measured
 * run; "stop" answers with the CPU time this process spent in between, exports included.
 */
import { context, propagation } from "@opentelemetry/api";
import { setUp, type Variant } from "./tracing-variants";

// Tracing first, then what it instruments: required (not imported, which would load them first) after setUp.
const tracing = setUp(process.env.BENCH_VARIANT as Variant);
const pino = require("pino") as typeof import("pino");
const pg = require("pg") as typeof import("pg");
const { createApp } = require("@shop/service-kit") as typeof import("@shop/service-kit");
const { createLogger } = require("../src/logger") as typeof import("../src/logger");
const queries = Number(process.env.BENCH_QUERIES ?? 6);

async function main(): Promise<void> {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  // Logs go where a service's go (one JSON line each), to /dev/null: formatting and the write are counted, a reader is not.
  const logger = createLogger("bench", process.env.LOG_LEVEL, pino.destination({ dest: "/dev/null", sync: true }));
  const app = createApp({ logger });
  app.post("/orders", async () => {
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier); // what outbox.add stores with the row
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      for (let i = 2; i < queries; i++) await client.query("SELECT $1::text AS traceparent, $2::int AS i", [carrier.traceparent ?? null, i]);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    return { traceparent: carrier.traceparent ?? null };
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as { port: number };

  let started = process.cpuUsage();
  process.on("message", (message: string) => {
    if (message === "start") {
      started = process.cpuUsage();
      process.send!("started");
    } else if (message === "stop") {
      void tracing.flush().then(() => {
        const { user, system } = process.cpuUsage(started);
        process.send!({ cpuMicros: user + system, rssBytes: process.memoryUsage().rss });
      });
    } else if (message === "exit") {
      void app.close().then(() => pool.end()).then(() => process.exit(0));
    }
  });
  process.send!({ port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
