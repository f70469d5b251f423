/**
 * The transactional outbox table: `add` writes an event in the caller's transaction (the
 * business change and the event commit together, or neither does); the relay reads, marks and
 * prunes rows with the other functions.
 */
import type { ClientBase, Pool } from "pg";
import type { Codec } from "./codec";
import type { Event } from "./event";
import { writeTraceContext, type TraceContext } from "./trace";
import { activeTraceContext } from "./tracing";

/** The LISTEN/NOTIFY channel of the relay. NOTIFY is scoped to one database, i.e. one service. */
export const outboxChannel = "outbox";

export interface AddOptions {
  topic: string;
  /** The Kafka message key (per-key order); the orderId for saga events. */
  key: string | null;
  /** The trace context to publish as traceparent/tracestate headers; default: the one active now (tracing.ts). */
  traceContext?: TraceContext;
}

export interface Outbox {
  /** Encodes the event and inserts it. `tx` must be inside BEGIN; nothing is published before COMMIT. */
  add(tx: ClientBase, event: Event, options: AddOptions): Promise<void>;
}

export interface OutboxOptions {
  codec: Codec;
  /**
   * Wake the relay with NOTIFY at commit (default true). PostgreSQL delivers one notification
   * per transaction however many rows it adds (identical notifications are folded), but every
   * notifying commit takes a cluster-wide lock; with `notify: false` the relay finds rows by
   * polling (see the package README for measurements).
   */
  notify?: boolean;
}

export function createOutbox({ codec, notify = true }: OutboxOptions): Outbox {
  const insert = `INSERT INTO outbox (topic, key, event_id, event_type, payload, headers)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`;
  // One round trip: the NOTIFY rides on the INSERT.
  const sql = notify ? `WITH added AS (${insert}) SELECT pg_notify('${outboxChannel}', '') FROM added` : insert;
  return {
    async add(tx, event, { topic, key, traceContext }) {
      const payload = await codec.encode(topic, event);
      const headers = writeTraceContext(traceContext ?? activeTraceContext());
      await tx.query(sql, [topic, key, event.eventId, event.eventType, payload, headers]);
    },
  };
}

/** An outbox row as the relay publishes it. */
export interface OutboxRow {
  id: string;
  topic: string;
  key: string | null;
  eventId: string;
  eventType: string;
  payload: Buffer;
  headers: Record<string, string>;
}

/**
 * Unpublished rows, oldest first. `after`: the batch in flight (not marked yet) is left out by
 * its id range; a row that committed late inside that range comes in the following read.
 */
export async function readUnpublished(db: ClientBase | Pool, limit: number, after?: readonly OutboxRow[]): Promise<OutboxRow[]> {
  const [first, last] = [after?.[0]?.id ?? "0", after?.at(-1)?.id ?? "0"];
  const { rows } = await db.query<OutboxRow>(
    `SELECT id, topic, key, event_id AS "eventId", event_type AS "eventType", payload, headers
       FROM outbox WHERE published_at IS NULL AND (id < $2 OR id > $3) ORDER BY id LIMIT $1`,
    [limit, first, last],
  );
  return rows;
}

/**
 * Done with these rows: deleted, or with `keep` stamped published_at (to inspect what was sent;
 * prunePublished deletes them later). Deleting costs a quarter of the UPDATE, which writes a new
 * version of the row and its three index entries (measured in the README).
 */
export async function markPublished(db: ClientBase | Pool, ids: readonly string[], keep = false): Promise<void> {
  const sql = keep ? "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])" : "DELETE FROM outbox WHERE id = ANY($1::bigint[])";
  await db.query(sql, [ids]);
}

/**
 * Deletes rows published more than `olderThanMs` ago, at most `limit` (short transactions).
 * Walks the primary key from the oldest row: published rows are (nearly) a prefix of the ids.
 */
export async function prunePublished(db: ClientBase | Pool, olderThanMs: number, limit = 10_000): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM outbox WHERE id IN (
       SELECT id FROM outbox WHERE published_at < now() - $1 * interval '1 millisecond' ORDER BY id LIMIT $2)`,
    [olderThanMs, limit],
  );
  return rowCount ?? 0;
}

/** How many rows wait, and how old the oldest is (for metrics and tests). */
export async function outboxBacklog(db: ClientBase | Pool): Promise<{ count: number; oldestAgeMs: number | null }> {
  const { rows } = await db.query<{ count: string; age: number | null }>(
    `SELECT count(*) AS count, (extract(epoch FROM now() - min(created_at)) * 1000)::float8 AS age
       FROM outbox WHERE published_at IS NULL`,
  );
  return { count: Number(rows[0]?.count ?? 0), oldestAgeMs: rows[0]?.age ?? null };
}
