/**
 * The messaging tables, identical in every service database, and `migrate`, a minimal runner a
 * service can also feed its own migrations (ids are namespaced, e.g. "order/001-orders").
 */
import fs from "node:fs";
import path from "node:path";
import type { Pool } from "pg";

export interface Migration {
  /** Unique across every package that migrates this database; applied in array order. */
  id: string;
  sql: string;
}

export const messagingMigrations: readonly Migration[] = [
  {
    id: "messaging/001-outbox",
    // payload holds the encoded bytes (Confluent wire format): outbox.add encodes inside the
    // business transaction, so an event that does not fit its schema fails there, not in the relay.
    // headers holds the trace context (traceparent, tracestate); event-type and event-id headers
    // are added from their columns at publish time.
    sql: `
      CREATE TABLE outbox (
        id           bigserial PRIMARY KEY,
        topic        text        NOT NULL,
        key          text,
        event_id     uuid        NOT NULL UNIQUE,
        event_type   text        NOT NULL,
        payload      bytea       NOT NULL,
        headers      jsonb       NOT NULL DEFAULT '{}',
        created_at   timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      );
      -- The relay's only query path: the unpublished rows, in id order. Stays small.
      CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;`,
  },
  {
    id: "messaging/002-processed-events",
    // The inbox: the primary key is the deduplication (kafkajs can hand one partition to two
    // consumers for a while after a rebalance, so an in-memory check is not enough).
    sql: `
      CREATE TABLE processed_events (
        consumer     text        NOT NULL,
        event_id     uuid        NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      );`,
  },
];

/** A service's own migrations: the .sql files of `dir` in name order (001-orders.sql ...), ids "<prefix>/<name>". */
export function migrationsIn(dir: string, prefix: string): Migration[] {
  return fs.readdirSync(dir).filter((name) => name.endsWith(".sql")).sort()
    .map((name) => ({ id: `${prefix}/${name.slice(0, -".sql".length)}`, sql: fs.readFileSync(path.join(dir, name), "utf8") }));
}

/** Any constant: the advisory lock that serialises migrations of one database. */
const migrationLock = 7_266_001;

/**
 * Applies the migrations not applied yet, each in its own transaction, and records them in
 * `schema_migrations`. Safe to call from N instances starting at once: they queue on an advisory
 * lock, and the later ones find nothing left to do.
 */
export async function migrate(pool: Pool, migrations: readonly Migration[] = messagingMigrations): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [migrationLock]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ id: string }>("SELECT id FROM schema_migrations");
    const done = new Set(rows.map((row) => row.id));
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query("INSERT INTO schema_migrations (id) VALUES ($1)", [migration.id]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${migration.id} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(migration.id);
    }
  } finally {
    // Unlock explicitly: the pooled session lives on, and with it a session-level lock. A session
    // that cannot be unlocked is destroyed rather than returned to the pool holding the lock.
    const unlocked = await client.query("SELECT pg_advisory_unlock($1)", [migrationLock]).then(() => true, () => false);
    client.release(!unlocked);
  }
  return applied;
}
