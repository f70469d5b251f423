/**
 * The idempotent inbox: a batch of events is handled in ONE transaction that first records
 * every (consumer, eventId) in processed_events. An event already there was handled before (a
 * redelivery, a relay retry, a second consumer after a rebalance) and is skipped; the handler
 * runs for the others, with the same transaction, so its writes (outbox rows included) commit
 * together with the record, or not at all.
 *
 * Two kinds of handler:
 *   - `handler(event, context)`: one call per new event, in order. Simple; each of its
 *     statements is one database round trip per event.
 *   - `handleBatch(events, tx)`: one call with every new event of the batch, in order, so that
 *     it can read what it needs with one statement, decide per event in memory, and write with
 *     one statement per table ("load, decide, save"). Under load a batch holds tens of events
 *     and the round trips per event fall with its size. If it throws, nobody knows which event
 *     was at fault: the consumer takes the batch apart and handles its events one at a time.
 */
import type { Pool, PoolClient } from "pg";
import type { Event } from "./event";
import type { Headers, IncomingMessage } from "./kafka";
import { silentLogger, type Logger } from "./logger";
import { withTransaction } from "./transaction";
import { handlerSeconds } from "./metrics";
import { inConsumerSpan, inConsumerSpans, readTraceContext, type TraceContext } from "./tracing";

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

/** One new event of a batch, with where it came from and the trace context to continue. */
export interface ReceivedEvent<E extends Event = Event> {
  event: E;
  /**
   * The context of the event's consumer span: pass it as outbox.add's `traceContext` for the
   * events this one causes, so that they continue its trace (a batch has no single active span).
   */
  traceContext: TraceContext | undefined;
  headers: Headers;
  topic: string;
  partition: number;
  offset: string;
}

/** Handles a batch's new events, in order, in the inbox transaction `tx`. */
export type BatchHandler<E extends Event = Event> = (events: ReceivedEvent<E>[], tx: PoolClient) => Promise<void>;

/** How a consumer handles events: one at a time, or a batch at a time. */
export type Handling<E extends Event = Event> = { handler: Handler<E> } | { handleBatch: BatchHandler<E> };

export interface InboxEntry<E extends Event = Event> {
  event: E;
  message: IncomingMessage;
}

/**
 * Thrown when the handler failed on `entries[index]`; the whole transaction was rolled back.
 * `index` is undefined when a batch handler failed: any of the batch's events may be at fault.
 */
export class HandlerFailed extends Error {
  constructor(readonly index: number | undefined, override readonly cause: unknown) {
    super(`handler failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "HandlerFailed";
  }
}

/**
 * Handles the entries in one transaction, in order. Resolves with how many were new and how
 * many were duplicates; throws HandlerFailed (or the database's error) after a rollback.
 */
export async function handleInTransaction<E extends Event>(
  pool: Pool, consumer: string, entries: readonly InboxEntry<E>[], handlerOrHandling: Handler<E> | Handling<E>, logger: Logger = silentLogger,
): Promise<{ handled: number; duplicates: number }> {
  const handling: Handling<E> = typeof handlerOrHandling === "function" ? { handler: handlerOrHandling } : handlerOrHandling;
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
    const newEntries: { index: number; entry: InboxEntry<E> }[] = [];
    for (const [index, entry] of entries.entries()) {
      // delete(): a second copy of an event in the same batch is a duplicate too.
      if (fresh.delete(ids[index]!)) newEntries.push({ index, entry });
      else logDuplicate(logger, entry);
    }
    if ("handleBatch" in handling) await runBatchHandler(handling.handleBatch, consumer, newEntries.map(({ entry }) => entry), tx);
    else for (const { index, entry } of newEntries) await runHandler(handling.handler, consumer, entry, index, tx);
    const handled = newEntries.length;
    return { handled, duplicates: entries.length - handled };
  });
}

function logDuplicate(logger: Logger, { event, message }: InboxEntry): void {
  logger.info({ eventId: event.eventId, eventType: event.eventType, topic: message.topic, partition: message.partition, offset: message.offset },
    "duplicate event skipped");
}

/** One event through a per-event handler, inside its consumer span; a failure names the event's index. */
async function runHandler<E extends Event>(handler: Handler<E>, consumer: string, { event, message }: InboxEntry<E>, index: number, tx: PoolClient): Promise<void> {
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
}

/** The batch's new events through a batch handler, each inside its own consumer span; a failure names no event. */
async function runBatchHandler<E extends Event>(handleBatch: BatchHandler<E>, consumer: string, entries: InboxEntry<E>[], tx: PoolClient): Promise<void> {
  if (entries.length === 0) return;
  const stopTimer = handlerSeconds.startTimer({ event_type: "(batch)" });
  try {
    await inConsumerSpans(entries, consumer, (traceContexts) =>
      handleBatch(entries.map(({ event, message: { topic, partition, offset, headers } }, i) =>
        ({ event, traceContext: traceContexts[i], headers, topic, partition, offset })), tx));
  } catch (error) {
    throw new HandlerFailed(undefined, error);
  } finally {
    stopTimer();
  }
}
