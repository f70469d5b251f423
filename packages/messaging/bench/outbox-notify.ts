/**
 * What NOTIFY costs the business transaction: N clients run "BEGIN; UPDATE a business row;
 * outbox.add; COMMIT" for a few seconds, with and without the NOTIFY. Prints commits per second.
 * Usage: DATABASE_URL=postgres://... tsx packages/messaging/bench/outbox-notify.ts
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { createOutbox, migrate, type Codec } from "../src/index";

const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/order";
const seconds = Number(process.env.SECONDS ?? 5);
const codec: Codec = { encode: async (_topic, event) => Buffer.from(JSON.stringify(event)), decode: async (value) => JSON.parse(String(value)) };

async function run(clients: number, notify: boolean): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: clients });
  const outbox = createOutbox({ codec, notify });
  let commits = 0;
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async (_, worker) => {
    const client = await pool.connect();
    while (Date.now() < deadline) {
      await client.query("BEGIN");
      await client.query("UPDATE bench_orders SET version = version + 1 WHERE id = $1", [worker]);
      const event = { eventId: randomUUID(), eventType: "OrderPlaced", orderId: String(worker), occurredAt: new Date().toISOString() };
      await outbox.add(client, event, { topic: "orders", key: String(worker) });
      await client.query("COMMIT");
      commits++;
    }
    client.release();
  }));
  await pool.end();
  return commits / seconds;
}

async function main() {
  const pool = new pg.Pool({ connectionString: url });
  await migrate(pool);
  await pool.query("CREATE TABLE IF NOT EXISTS bench_orders (id int PRIMARY KEY, version int NOT NULL)");
  await pool.query("INSERT INTO bench_orders SELECT g, 0 FROM generate_series(0, 63) g ON CONFLICT DO NOTHING");
  for (const clients of [1, 4, 16]) {
    for (const notify of [false, true]) {
      await pool.query("TRUNCATE outbox");
      const rate = await run(clients, notify);
      console.log(`clients=${clients} notify=${notify}: ${Math.round(rate)} tx/s`);
    }
  }
  await pool.end();
}

void main();
