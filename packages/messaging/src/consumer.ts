/**
 * `consume()`: the inbox consumer. For each fetched batch (one partition), in transactions of up
 * to `transactionSize` events:
 *   1. decode and validate every message; one that cannot be decoded or is not a valid event goes
 *      to `<topic>.dlq` at once (trying again cannot fix its bytes);
 *   2. handle the rest in ONE transaction (inbox.ts); Kafka commits the offsets after it;
 *   3. if the handler fails on one event: commit the events before it, retry that event alone
 *      (transient errors, with backoff) or dead-letter it (permanent errors, retries exhausted),
 *      then go on with the events after it.
 * While the database or the registry is unavailable no message is at fault: the batch waits and
 * tries again for as long as it takes, and nothing is dead-lettered for it.
 */
import type { Pool } from "pg";
import { readEvent, type Codec } from "./codec";
import { deadLetterMessage, deadLetterTopic, dlqHeaders } from "./dead-letter";
import { classifyError } from "./errors";
import { validateEvent, type Event } from "./event";
import { handleInTransaction, HandlerFailed, type Handler, type InboxEntry } from "./inbox";
import { connectPublisher, ensureTopics, subscribe, type Batch, type IncomingMessage, type KafkaConfig, type OutgoingMessage, type Publisher } from "./kafka";
import { errorFields, silentLogger, type Logger } from "./logger";
import { consumedEvents, consumerLag, consumerRetries, deadLettered } from "./metrics";
import { backoffDelay, sleep, type Backoff } from "./retry";

export interface ConsumeOptions<E extends Event = Event> {
  kafka: KafkaConfig;
  pool: Pool;
  codec: Codec;
  /** The consumer group, and the consumer's name in processed_events: the service name. */
  groupId: string;
  topics: string[];
  handler: Handler<E>;
  /** Checks a decoded value is an event (default: eventId and eventType); throw ValidationError otherwise. */
  validate?: (value: unknown) => E;
  logger?: Logger;
  fromBeginning?: boolean;
  /** Most events handled in one transaction (a larger fetched batch takes several). */
  transactionSize?: number;
  /** Attempts for an event whose handler keeps failing with a transient error, before the DLQ. */
  maxAttempts?: number;
  backoff?: Backoff;
  maxWaitTimeInMs?: number;
  /** Partitions handled at once, each with its own transaction (and pool connection). */
  partitionsConsumedConcurrently?: number;
  /** Kafka gave up for good: the service should report itself unhealthy (default: log it). */
  onFatal?: (error: unknown) => void;
}

export interface Consumer {
  /** Finishes the transaction in flight, commits its offsets, leaves the group. */
  stop(): Promise<void>;
  status(): { handled: number; duplicates: number; deadLettered: number; retries: number };
}

export async function consume<E extends Event = Event>(options: ConsumeOptions<E>): Promise<Consumer> {
  const { pool, codec, groupId, topics, handler, logger = silentLogger, maxAttempts = 5, transactionSize = 500 } = options;
  const kafka = { logger, ...options.kafka }; // kafkajs logs through the consumer's logger unless told otherwise
  const validate = options.validate ?? (validateEvent as (value: unknown) => E);
  const backoff = options.backoff ?? { initialMs: 100, maxMs: 5000 };
  const stats = { handled: 0, duplicates: 0, deadLettered: 0, retries: 0 };
  const stopping = new AbortController();
  let publisher: Promise<Publisher> | undefined; // the DLQ producer, connected on first use

  await ensureTopics(kafka, topics.map(deadLetterTopic)); // where failures go must exist before the first one
  // pg-pool re-emits the error of an idle connection (a database restart) on the pool, and an
  // unheard "error" event ends the process. The consumer rides such outages out, so it listens.
  const onPoolError = (error: Error) => logger.warn(errorFields(error), "idle database connection lost");
  pool.on("error", onPoolError);

  /** False when the batch must be given up: stop() was called or the partition went elsewhere. */
  async function alive(batch: Batch): Promise<boolean> {
    if (stopping.signal.aborted || !batch.isActive()) return false;
    return batch.heartbeat().then(() => true, () => false); // a rebalance shows up here
  }

  async function pause(attempt: number, batch: Batch, reason: unknown, message: string): Promise<boolean> {
    logger.warn({ ...errorFields(reason), topic: batch.topic, partition: batch.partition, attempt: attempt + 1 }, message);
    stats.retries++;
    consumerRetries.inc();
    await sleep(backoffDelay(attempt, backoff), stopping.signal);
    return alive(batch);
  }

  async function transact(entries: InboxEntry<E>[]): Promise<void> {
    const { handled, duplicates } = await handleInTransaction(pool, groupId, entries, handler, logger);
    stats.handled += handled;
    stats.duplicates += duplicates;
    consumedEvents.inc({ outcome: "handled" }, handled);
    consumedEvents.inc({ outcome: "duplicate" }, duplicates);
  }

  /** Sends to the DLQ, trying until Kafka takes them: a dead letter is never dropped. */
  async function deadLetter(messages: OutgoingMessage[], batch: Batch): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        publisher ??= connectPublisher(kafka);
        await (await publisher).send(messages);
        stats.deadLettered += messages.length;
        for (const { headers } of messages) deadLettered.inc({ kind: headers[dlqHeaders.kind] ?? "unknown" });
        for (const { topic, headers } of messages) logger.error({ topic, ...headers }, "message dead-lettered");
        return true;
      } catch (error) {
        void publisher?.then((p) => p.disconnect()).catch(() => {});
        publisher = undefined;
        if (!(await pause(attempt, batch, error, "cannot publish to the dead letter topic; retrying"))) return false;
      }
    }
  }

  async function handleAll(entries: InboxEntry<E>[], batch: Batch): Promise<boolean> {
    for (let attempt = 0; entries.length > 0; attempt++) {
      try {
        await transact(entries);
        return true;
      } catch (error) {
        const cause = error instanceof HandlerFailed ? error.cause : error;
        if (error instanceof HandlerFailed && classifyError(cause) !== "unavailable") {
          const { index } = error; // isolate the failing event; the ones before it are fine
          return (await handleAll(entries.slice(0, index), batch)) && (await handleOne(entries[index]!, cause, batch))
            && (await handleAll(entries.slice(index + 1), batch));
        }
        if (!(await pause(attempt, batch, cause, "inbox transaction failed, no event at fault; retrying"))) return false;
      }
    }
    return true;
  }

  async function handleOne(entry: InboxEntry<E>, firstError: unknown, batch: Batch): Promise<boolean> {
    const { eventId, eventType } = entry.event;
    let error = firstError;
    for (let attempt = 0, failures = 1; ; attempt++) {
      const kind = classifyError(error);
      if (kind === "permanent") return deadLetter([deadLetterMessage(entry.message, "handler", error, groupId)], batch);
      if (kind === "transient" && failures >= maxAttempts) {
        return deadLetter([deadLetterMessage(entry.message, "retries-exhausted", error, groupId)], batch);
      }
      if (!(await pause(attempt, batch, error, `handler failed on ${eventType} ${eventId}; retrying`))) return false;
      try {
        await transact([entry]);
        return true;
      } catch (next) {
        error = next instanceof HandlerFailed ? next.cause : next;
        if (classifyError(error) === "transient") failures++;
      }
    }
  }

  /** Decodes the messages, dead-letters those that cannot be events, handles the rest; false if given up. */
  async function handleMessages(messages: IncomingMessage[], batch: Batch): Promise<boolean> {
    const entries: InboxEntry<E>[] = [];
    const rejected: OutgoingMessage[] = [];
    for (let i = 0, attempt = 0; i < messages.length; ) {
      const message = messages[i]!;
      try {
        const result = await readEvent(codec, validate, message.value);
        if ("event" in result) entries.push({ event: result.event, message });
        else rejected.push(deadLetterMessage(message, result.kind, result.error, groupId));
        i++;
      } catch (error) {
        if (!(await pause(attempt++, batch, error, "cannot reach the schema registry; retrying"))) return false;
      }
    }
    // Rejected messages go first: their order relative to the others cannot matter, they are never handled.
    if (rejected.length > 0 && !(await deadLetter(rejected, batch))) return false;
    return handleAll(entries, batch);
  }

  async function onBatch(batch: Batch): Promise<number> {
    let done = 0;
    for (let start = 0; start < batch.messages.length; start += transactionSize) {
      const messages = batch.messages.slice(start, start + transactionSize);
      if (!(await handleMessages(messages, batch))) break;
      done += messages.length;
      if (done < batch.messages.length && !(await alive(batch))) break;
    }
    const next = done > 0 ? Number(batch.messages[done - 1]!.offset) + 1 : Number(batch.messages[0]?.offset ?? batch.highWatermark);
    consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(batch.highWatermark) - next));
    return done; // Kafka commits the offsets of these, now that their transactions have committed
  }

  const subscription = await subscribe({
    ...kafka, groupId, topics, onBatch, fromBeginning: options.fromBeginning ?? true,
    maxWaitTimeInMs: options.maxWaitTimeInMs, partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    onFatal: options.onFatal ?? ((error) => logger.error(errorFields(error), "the Kafka consumer stopped for good")),
  });
  return {
    async stop() {
      stopping.abort(); // ends any backoff: an unfinished batch is not committed and comes again
      await subscription.stop();
      await publisher?.then((p) => p.disconnect()).catch(() => {});
      pool.off("error", onPoolError);
    },
    status: () => ({ ...stats }),
  };
}
