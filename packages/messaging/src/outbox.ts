/**
 * The transactional outbox table: `add` writes an event in the caller's transaction (the
 * business change and the event commit together, or neither does); the relay claims and prunes
 * rows with the other functions.
 */
import type { ClientBase, Pool } from "pg";
import type { Codec } from "./codec";
import type { Event } from "./event";
import { activeTraceContext, writeTraceContext, type TraceContext } from "./tracing";
import { afterCommit } from "./transaction";

/** The LISTEN/NOTIFY channel of the relay. NOTIFY is scoped to one database, i.e. one service. */
export const outboxChannel = "outbox";

export interface AddOptions {
  topic: string;
  /** The Kafka message key (per-key order); the orderId for saga events. */
  key: string | null;
  /** The trace context to publish as traceparent/tracestate headers; default: the one active now (tracing.ts). */
  traceContext?: TraceContext;
}

/** One event for addMany: the event and where it goes. */
export interface OutgoingEvent extends AddOptions {
  event: Event;
}

export interface Outbox {
  /** Encodes the event and inserts it. `tx` must be inside BEGIN; nothing is published before COMMIT. */
  add(tx: ClientBase, event: Event, options: AddOptions): Promise<void>;
  /**
   * Encodes the events and inserts them with ONE statement, in the order given (ids grow in that
   * order, so the relay publishes them in it): what a batch handler uses to write every event
   * its batch causes. Nothing to insert, no statement.
   */
  addMany(tx: ClientBase, events: readonly OutgoingEvent[]): Promise<void>;
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
  /**
   * Wake the relay in this process once the transaction commits (relay.wake), instead of a NOTIFY
   * inside it. A NOTIFY holds a lock shared by every database of the server from the commit until
   * its WAL is on disk, so notifying transactions commit one at a time, service after service;
   * measured, it was the first thing busy services waited for. Only for transactions of
   * withTransaction (afterCommit); any other still notifies.
   */
  wakeRelay?: () => void;
}

export function createOutbox({ codec, notify = true, wakeRelay }: OutboxOptions): Outbox {
  const insert = `INSERT INTO outbox (topic, key, event_id, event_type, payload, headers)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`;
  // WITH ORDINALITY ... ORDER BY: the rows take their ids (bigserial) in the order given.
  const insertMany = `INSERT INTO outbox (topic, key, event_id, event_type, payload, headers)
    SELECT topic, key, event_id, event_type, payload, headers
      FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::bytea[], $6::jsonb[])
           WITH ORDINALITY AS rows (topic, key, event_id, event_type, payload, headers, position)
     ORDER BY position
    RETURNING id`;
  // One round trip: the NOTIFY rides on the INSERT (one notification per statement, not per row).
  const notifying = (sql: string) => (notify ? `WITH added AS (${sql}) SELECT pg_notify('${outboxChannel}', '') FROM added LIMIT 1` : sql);
  const addSql = notifying(insert);
  const addManySql = notifying(insertMany);
  /** The relay is woken after the commit (wakeRelay), or by the statement's NOTIFY. */
  const wokenAfterCommit = (tx: ClientBase) => wakeRelay !== undefined && afterCommit(tx, wakeRelay);
  return {
    async add(tx, event, { topic, key, traceContext }) {
      const payload = await codec.encode(topic, event);
      const headers = writeTraceContext(traceContext ?? activeTraceContext());
      await tx.query(wokenAfterCommit(tx) ? insert : addSql, [topic, key, event.eventId, event.eventType, payload, headers]);
    },
    async addMany(tx, events) {
      if (events.length === 0) return;
      const payloads = await Promise.all(events.map(({ event, topic }) => codec.encode(topic, event)));
      await tx.query(wokenAfterCommit(tx) ? insertMany : addManySql, [
        events.map((e) => e.topic), events.map((e) => e.key), events.map((e) => e.event.eventId), events.map((e) => e.event.eventType),
        payloads, events.map((e) => JSON.stringify(writeTraceContext(e.traceContext ?? activeTraceContext()))),
      ]);
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
 * Takes the oldest waiting rows off the outbox, at most `limit`, in id order, and returns them:
 * one statement. Call it inside a transaction and COMMIT only once Kafka has acknowledged the
 * rows: a failed send (ROLLBACK) or a crash before the COMMIT (the dead session's transaction
 * rolls back) leaves every row where it was, to be published again.
 * `keep`: stamp published_at instead of deleting (to inspect what was sent; prunePublished
 * deletes them later). Deleting costs a quarter of the UPDATE, which writes a new version of the
 * row and its three index entries (measured in the package README).
 */
export async function claimBatch(
  tx: ClientBase, limit: number, { keep = false, afterId = "0" }: { keep?: boolean; afterId?: string } = {},
): Promise<OutboxRow[]> {
  // afterId: another transaction holds the rows up to it (the relay's pipelining); leave them alone.
  const oldest = "SELECT id FROM outbox WHERE published_at IS NULL AND id > $2 ORDER BY id LIMIT $1";
  const take = keep ? `UPDATE outbox SET published_at = now() WHERE id IN (${oldest})` : `DELETE FROM outbox WHERE id IN (${oldest})`;
  const { rows } = await tx.query<OutboxRow>(
    `${take} RETURNING id, topic, key, event_id AS "eventId", event_type AS "eventType", payload, headers`, [limit, afterId]);
  return rows.sort((a, b) => Number(a.id) - Number(b.id)); // RETURNING promises no order
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
