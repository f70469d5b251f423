/**
 * `consume()`: the inbox consumer. Kafka hands over a fetched batch of one partition; the consumer
 * takes it through named steps, in slices of up to `transactionSize` messages:
 *   1. decode:         bytes → events, through the schema registry;
 *   2. check producer: with `topicOwners`, an event that does not name its topic's owner as its
 *                      producer is rejected (producer-check.ts);
 *   3. dead-letter:    a message that cannot be decoded, is not a valid event, or names the wrong
 *                      producer goes to `<topic>.dlq` at once (trying again cannot fix its bytes);
 *   4. inbox:          the events are handled in ONE transaction that first records their ids
 *                      (inbox.ts): duplicates are skipped, effects happen once;
 *   5. isolate:        if the handler fails on one event, the transaction rolls back; the events
 *                      before it are committed without it, and it is dealt with alone;
 *   6. retry policy:   a transient failure is retried alone with backoff, up to `maxAttempts`;
 *   7. dead-letter:    a permanent failure, or a transient one that keeps failing, goes to the DLQ,
 *                      and the partition moves on.
 * Kafka's offsets move only past messages whose transaction committed (or that were dead-lettered),
 * and are committed to the broker at most every `commitIntervalMs` (kafka.ts): a crash re-delivers
 * the last moments' messages, and the inbox skips them.
 * While the database or the registry is unavailable no message is at fault: the slice waits and
 * tries again for as long as it takes, and nothing is dead-lettered for it.
 */
import type { Pool } from "pg";
import { readEvent, type Codec } from "./codec";
import { deadLetterMessage, deadLetterTopic, dlqHeaders } from "./dead-letter";
import { classifyError } from "./errors";
import { validateEvent, type Event } from "./event";
import { handleInTransaction, HandlerFailed, type BatchHandler, type Handler, type Handling, type InboxEntry } from "./inbox";
import { checkOwnersKnown, wrongProducer, type TopicOwners } from "./producer-check";
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
  /** One call per new event (inbox.ts); or `handleBatch`: one call per transaction's new events. */
  handler?: Handler<E>;
  handleBatch?: BatchHandler<E>;
  /** Checks a decoded value is an event (default: eventId and eventType); throw ValidationError otherwise. */
  validate?: (value: unknown) => E;
  /**
   * Topic → the producer its events must name (`event.producer`); an event naming another is
   * dead-lettered, kind `wrong-producer` (producer-check.ts). Every topic consumed must have an
   * owner. Without it, producers are not checked.
   */
  topicOwners?: TopicOwners;
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
  /** How often handled offsets are committed to Kafka (default 1000 ms; 0: after every batch). */
  commitIntervalMs?: number;
  /** Kafka gave up for good: the service should report itself unhealthy (default: log it). */
  onFatal?: (error: unknown) => void;
}

export interface Consumer {
  /** Finishes the transaction in flight, commits its offsets, leaves the group. */
  stop(): Promise<void>;
  status(): { handled: number; duplicates: number; deadLettered: number; retries: number };
}

/** A slice after decoding: the events, and the messages to dead-letter with why. */
interface Decoded<E extends Event = Event> {
  entries: InboxEntry<E>[];
  rejected: OutgoingMessage[];
}

/** The rest of the batch is given up: the consumer is stopping, or the partition went to another consumer. */
class BatchAbandoned extends Error {}

/** The handler failed on `entries[index]` (and the transaction rolled back); a batch handler's failure has no index. */
interface HandlerFailure {
  index: number | undefined;
  error: unknown;
}

export async function consume<E extends Event = Event>(options: ConsumeOptions<E>): Promise<Consumer> {
  const { pool, codec, groupId, topics, logger = silentLogger, maxAttempts = 5, transactionSize = 500 } = options;
  const handling = handlingOf(options);
  if (options.topicOwners) checkOwnersKnown(options.topicOwners, topics);
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

  /** Kafka's callback: takes the batch through the steps; returns how many messages, from the first, are done. */
  async function onBatch(batch: Batch): Promise<number> {
    let done = 0;
    try {
      for (let start = 0; start < batch.messages.length; start += transactionSize) {
        if (start > 0) await stillOurs(batch);
        const messages = batch.messages.slice(start, start + transactionSize);
        const decoded = await decode(messages, batch); // 1
        const { entries, rejected } = checkProducers(decoded); // 2
        await deadLetter(rejected, batch); // 3
        await handle(entries, batch); // 4 to 7
        done += messages.length;
      }
    } catch (error) {
      if (!(error instanceof BatchAbandoned)) throw error;
    }
    reportLag(batch, done);
    return done;
  }

  /** Step 1: every message decoded into an event, or rejected with the reason. Waits while the registry is unreachable. */
  async function decode(messages: IncomingMessage[], batch: Batch): Promise<Decoded<E>> {
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
        await waitBeforeRetry(attempt++, batch, error, "cannot decode yet (the schema registry unreachable, or a data key not read yet); retrying");
      }
    }
    return { entries, rejected };
  }

  /** Step 2: with `topicOwners`, the events that do not name their topic's owner join the rejected messages. */
  function checkProducers({ entries, rejected }: Decoded<E>): Decoded<E> {
    const { topicOwners } = options;
    if (!topicOwners) return { entries, rejected };
    const owned: InboxEntry<E>[] = [];
    const impostors: OutgoingMessage[] = [];
    for (const entry of entries) {
      const wrong = wrongProducer(topicOwners, entry.message.topic, entry.event);
      if (wrong) impostors.push(deadLetterMessage(entry.message, "wrong-producer", wrong, groupId));
      else owned.push(entry);
    }
    return { entries: owned, rejected: [...rejected, ...impostors] };
  }

  /** Steps 3 and 7: sends to the DLQ, trying until Kafka takes them: a dead letter is never dropped. */
  async function deadLetter(messages: OutgoingMessage[], batch: Batch): Promise<void> {
    if (messages.length === 0) return;
    for (let attempt = 0; ; attempt++) {
      try {
        publisher ??= connectPublisher(kafka);
        await (await publisher).send(messages);
        break;
      } catch (error) {
        void publisher?.then((p) => p.disconnect()).catch(() => {});
        publisher = undefined;
        await waitBeforeRetry(attempt, batch, error, "cannot publish to the dead letter topic; retrying");
      }
    }
    stats.deadLettered += messages.length;
    for (const { topic, headers } of messages) {
      deadLettered.inc({ kind: headers[dlqHeaders.kind] ?? "unknown" });
      logger.error({ topic, ...headers }, "message dead-lettered");
    }
  }

  /**
   * Steps 4 and 5: the events in as few transactions as possible. `take` is how many of the
   * pending events go into the next transaction: all of them, until the handler fails on one.
   * Then the events before it are committed without it, and the failing event, now first, is
   * handed to the retry policy alone (take = 0) with the error it failed with. A batch handler
   * cannot say which event failed: then the rest of the slice goes one event per transaction
   * (`oneByOne`), which finds the failing event and commits every other.
   */
  async function handle(entries: InboxEntry<E>[], batch: Batch): Promise<void> {
    let pending = entries;
    let oneByOne = false;
    let take = pending.length;
    let failedWith: { error: unknown } | undefined; // why pending[take] failed, once it has
    while (pending.length > 0) {
      if (take === 0) {
        await retryAlone(pending[0]!, failedWith!.error, batch);
        failedWith = undefined;
        pending = pending.slice(1);
        take = oneByOne ? 1 : pending.length;
        continue;
      }
      const failure = await transact(pending.slice(0, take), batch);
      if (failure && failure.index === undefined && take > 1) {
        oneByOne = true; // rolled back, and any of them may be at fault: one at a time from here
        take = 1;
        continue;
      }
      if (failure) {
        take = failure.index ?? 0; // rolled back: next, the events before the failing one (a lone event is the failing one)
        failedWith = failure;
        continue;
      }
      pending = pending.slice(take);
      take = failedWith ? 0 : oneByOne ? 1 : pending.length;
    }
  }

  /**
   * Step 6, the retry policy for one event whose handler failed: a permanent error goes to the
   * DLQ at once; a transient one is retried alone, with backoff, until it commits or has failed
   * `maxAttempts` times, then goes to the DLQ.
   */
  async function retryAlone(entry: InboxEntry<E>, firstError: unknown, batch: Batch): Promise<void> {
    let error = firstError;
    for (let failures = 1; ; failures++) {
      if (classifyError(error) === "permanent") return deadLetter([deadLetterMessage(entry.message, "handler", error, groupId)], batch);
      if (failures >= maxAttempts) return deadLetter([deadLetterMessage(entry.message, "retries-exhausted", error, groupId)], batch);
      const { eventType, eventId } = entry.event;
      await waitBeforeRetry(failures - 1, batch, error, `handler failed on ${eventType} ${eventId}; retrying`);
      const failure = await transact([entry], batch);
      if (!failure) return;
      error = failure.error;
    }
  }

  /**
   * One inbox transaction (inbox.ts): resolves when it committed, or with the handler's failure.
   * While no event is at fault (the database is down), waits and tries again, however long it takes.
   */
  async function transact(entries: InboxEntry<E>[], batch: Batch): Promise<HandlerFailure | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        const { handled, duplicates } = await handleInTransaction(pool, groupId, entries, handling, logger);
        stats.handled += handled;
        stats.duplicates += duplicates;
        consumedEvents.inc({ outcome: "handled" }, handled);
        consumedEvents.inc({ outcome: "duplicate" }, duplicates);
        return undefined;
      } catch (error) {
        const cause = error instanceof HandlerFailed ? error.cause : error;
        if (error instanceof HandlerFailed && classifyError(cause) !== "unavailable") return { index: error.index, error: cause };
        await waitBeforeRetry(attempt, batch, cause, "inbox transaction failed, no event at fault; retrying");
      }
    }
  }

  /** Backs off before the next attempt; throws BatchAbandoned if the batch must be given up meanwhile. */
  async function waitBeforeRetry(attempt: number, batch: Batch, reason: unknown, message: string): Promise<void> {
    logger.warn({ ...errorFields(reason), topic: batch.topic, partition: batch.partition, attempt: attempt + 1 }, message);
    stats.retries++;
    consumerRetries.inc();
    await sleep(backoffDelay(attempt, backoff), stopping.signal);
    await stillOurs(batch);
  }

  /** Throws BatchAbandoned once stop() was called or the partition was taken away (a rebalance shows up in the heartbeat). */
  async function stillOurs(batch: Batch): Promise<void> {
    const ours = !stopping.signal.aborted && batch.isActive() && (await batch.heartbeat().then(() => true, () => false));
    if (!ours) throw new BatchAbandoned();
  }

  function reportLag(batch: Batch, done: number): void {
    const next = done > 0 ? Number(batch.messages[done - 1]!.offset) + 1 : Number(batch.messages[0]?.offset ?? batch.highWatermark);
    consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(batch.highWatermark) - next));
  }

  const subscription = await subscribe({
    ...kafka, groupId, topics, onBatch, fromBeginning: options.fromBeginning ?? true,
    maxWaitTimeInMs: options.maxWaitTimeInMs, partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    commitIntervalMs: options.commitIntervalMs,
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

/** The one way of handling the options name: `handler` or `handleBatch`. */
function handlingOf<E extends Event>({ handler, handleBatch }: Pick<ConsumeOptions<E>, "handler" | "handleBatch">): Handling<E> {
  if (handler && !handleBatch) return { handler };
  if (handleBatch && !handler) return { handleBatch };
  throw new Error("consume(): pass either `handler` (one event at a time) or `handleBatch` (a batch at a time), not both or neither");
}
