/**
 * The idempotent inbox: a batch of events is handled in ONE transaction that first records
 * every (consumer, eventId) in processed_events. An event already there was handled before (a
 * redelivery, a relay retry, a second consumer after a rebalance) and is skipped; the handler
 * runs for the others, with the same transaction, so its writes (outbox rows included) commit
 * together with the record, or not at all.
 */
import type { Pool, PoolClient } from "pg";
import type { Event } from "./event";
import type { Headers, IncomingMessage } from "./kafka";
import { silentLogger, type Logger } from "./logger";
import { readTraceContext, type TraceContext } from "./trace";
import { withTransaction } from "./transaction";
import { handlerSeconds } from "./metrics";
import { inConsumerSpan } from "./tracing";

export interface HandlerContext {
  /** The inbox transaction: write with it, and call outbox.add with it. */
  tx: PoolClient;
  /** The trace context the event was published with, to continue the trace. */
  traceContext: TraceContext | undefined;
  headers: Headers;
  topic: string;
  partition: number;
  offset: string;
}

export type Handler<E extends Event = Event> = (event: E, context: HandlerContext) => Promise<void>;

export interface InboxEntry<E extends Event = Event> {
  event: E;
  message: IncomingMessage;
}

/** Thrown when the handler failed on `entries[index]`; the whole transaction was rolled back. */
export class HandlerFailed extends Error {
  constructor(readonly index: number, override readonly cause: unknown) {
    super(`handler failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "HandlerFailed";
  }
}

/**
 * Handles the entries in one transaction, in order. Resolves with how many were new and how
 * many were duplicates; throws HandlerFailed (or the database's error) after a rollback.
 */
export async function handleInTransaction<E extends Event>(
  pool: Pool, consumer: string, entries: readonly InboxEntry<E>[], handler: Handler<E>, logger: Logger = silentLogger,
): Promise<{ handled: number; duplicates: number }> {
  const ids = entries.map((entry) => entry.event.eventId.toLowerCase());
  return withTransaction(pool, async (tx) => {
    // One statement for the batch. The primary key does the deduplication: what it does not
    // return was there already (committed by anyone) or appears twice in this batch.
    const { rows } = await tx.query<{ event_id: string }>(
      `INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[])
         ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, ids],
    );
    const fresh = new Set(rows.map((row) => row.event_id));
    let handled = 0;
    for (const [index, { event, message }] of entries.entries()) {
      // delete(): a second copy of an event in the same batch is a duplicate too.
      if (!fresh.delete(ids[index]!)) {
        logger.info({ eventId: event.eventId, eventType: event.eventType, topic: message.topic, partition: message.partition, offset: message.offset },
          "duplicate event skipped");
        continue;
      }
      const { topic, partition, offset, headers } = message;
      const stopTimer = handlerSeconds.startTimer({ event_type: event.eventType });
      try {
        await inConsumerSpan(message, event, consumer, () =>
          handler(event, { tx, traceContext: readTraceContext(headers), headers, topic, partition, offset }));
      } catch (error) {
        throw new HandlerFailed(index, error);
      } finally {
        stopTimer();
      }
      handled++;
    }
    return { handled, duplicates: entries.length - handled };
  });
}
