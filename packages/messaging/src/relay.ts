/**
 * The outbox relay: publishes outbox rows to Kafka in id order, a batch at a time, and marks
 * them published. One relay per service publishes, the leader (leader.ts); the others wait.
 * While Kafka acknowledges batch n, the database marks batch n-1 and reads batch n+1, so the
 * relay keeps up with a plain producer. Batches are sent one after the other, never two at once,
 * so per-partition order holds.
 */
import type pg from "pg";
import { connectPublisher, type KafkaConfig, type OutgoingMessage, type Publisher } from "./kafka";
import { runAsLeader } from "./leader";
import { errorFields, silentLogger, type Logger } from "./logger";
import { outboxBacklog as backlogGauge, outboxOldestAge, relayPublished, relayPublishSeconds } from "./metrics";
import { markPublished, outboxBacklog, outboxChannel, prunePublished, readUnpublished, type OutboxRow } from "./outbox";
import { backoffDelay, sleep, type Backoff } from "./retry";

export interface RelayOptions {
  /** The service's database. The relay opens its own connection: the leader lock lives with that session. */
  databaseUrl: string;
  kafka: KafkaConfig;
  logger?: Logger;
  /** Rows per read, per Kafka request, per UPDATE. */
  batchSize?: number;
  /** How often an idle leader looks for rows when no NOTIFY arrives. */
  pollIntervalMs?: number;
  /** How often a waiting relay tries to become the leader (the failover time). */
  lockRetryMs?: number;
  /**
   * 0 (default): a published row is deleted at once. Above 0: it is kept this long with
   * published_at set (to inspect what was sent), then deleted; the relay is slower (README).
   */
  retainPublishedMs?: number;
  pruneIntervalMs?: number;
  /** How long stop() keeps publishing what is left before it gives up the lock. */
  stopTimeoutMs?: number;
  /** Between attempts while Kafka or the database fails. */
  backoff?: Backoff;
}

export interface Relay {
  /** Finishes the batch in flight, publishes what is left (up to stopTimeoutMs), releases the lock. */
  stop(): Promise<void>;
  /** Whether this relay leads, and how many messages Kafka acknowledged from it. */
  status(): { leader: boolean; published: number };
}

export function startRelay(options: RelayOptions): Relay {
  const { databaseUrl, logger = silentLogger } = options;
  const kafka = { logger, ...options.kafka }; // kafkajs logs through the relay's logger unless told otherwise
  const settings = {
    batchSize: 500, pollIntervalMs: 250, lockRetryMs: 1000, retainPublishedMs: 0, pruneIntervalMs: 60_000,
    stopTimeoutMs: 5000, backoff: { initialMs: 200, maxMs: 5000 }, ...options,
  };
  const keep = settings.retainPublishedMs > 0;
  const stopping = new AbortController();
  const state = { leader: false, published: 0 };

  async function publishAll(db: pg.Client): Promise<void> {
    let wake = new AbortController(); // aborted by a NOTIFY or by stop(): ends an idle wait early
    const onWake = () => wake.abort();
    db.on("notification", onWake);
    stopping.signal.addEventListener("abort", onWake);
    await db.query(`LISTEN ${outboxChannel}`);
    // The relay's reads want the first rows in id order: walk the partial index and stop after one
    // batch. Without fresh statistics (a backlog that built up faster than autovacuum noticed: an
    // outage, a burst, a new table) the planner instead reads and sorts every waiting row on each
    // read, and the relay runs at half speed. This session only runs those reads, so forbid the sort.
    await db.query("SET enable_sort = off");
    let publisher: Publisher | undefined;
    let sending: Promise<unknown> = Promise.resolve(); // the send in flight; resolves to its error, if any
    let rows: OutboxRow[] = []; // the next batch to send
    let unmarked: string[] = []; // acknowledged by Kafka, not marked yet
    let failures = 0;
    let flushUntil = Infinity;
    let nextPrune = 0;
    let nextBacklogCheck = 0;
    try {
      for (;;) {
        if (stopping.signal.aborted) {
          flushUntil = Math.min(flushUntil, Date.now() + settings.stopTimeoutMs);
          if (Date.now() > flushUntil) break;
        }
        if (keep && Date.now() >= nextPrune) {
          await prunePublished(db, settings.retainPublishedMs);
          nextPrune = Date.now() + settings.pruneIntervalMs;
        }
        if (Date.now() >= nextBacklogCheck) {
          // For /metrics: how much waits, and how old the oldest row is (one cheap query every few seconds).
          const { count, oldestAgeMs } = await outboxBacklog(db);
          backlogGauge.set(count);
          outboxOldestAge.set((oldestAgeMs ?? 0) / 1000);
          nextBacklogCheck = Date.now() + 5000;

        }
        if (rows.length === 0) {
          unmarked = await mark(db, unmarked, keep);
          wake = new AbortController(); // before the read, so a NOTIFY during the read is not missed
          rows = await readUnpublished(db, settings.batchSize);
          if (rows.length > 0) continue;
          if (stopping.signal.aborted) break;
          await sleep(settings.pollIntervalMs, wake.signal);
          continue;
        }
        const batch = rows;
        sending = (async () => {
          publisher ??= await connectPublisher(kafka);
          const stopTimer = relayPublishSeconds.startTimer();
          await publisher.send(batch.map(toMessage));
          stopTimer();
        })().then(() => undefined, (error: unknown) => error ?? new Error("send failed"));
        unmarked = await mark(db, unmarked, keep);
        const next = await readUnpublished(db, settings.batchSize, batch);
        const error = await sending;
        if (error) {
          // Nothing of this batch is marked, so it goes again, in the same order. A new producer (new
          // producer id) avoids sequence-number conflicts; a message that did reach Kafka comes twice.
          logger.warn({ ...errorFields(error), rows: batch.length, attempt: failures + 1 }, "outbox relay could not publish; retrying");
          await publisher?.disconnect().catch(() => {});
          publisher = undefined;
          rows = [];
          await sleep(backoffDelay(failures++, settings.backoff), stopping.signal);
          continue;
        }
        failures = 0;
        state.published += batch.length;
        relayPublished.inc(batch.length);
        unmarked = batch.map((row) => row.id);
        rows = next;
        logger.debug({ rows: batch.length, lastId: batch.at(-1)?.id }, "outbox relay published a batch");
      }
      await mark(db, unmarked, keep);
    } finally {
      stopping.signal.removeEventListener("abort", onWake);
      await sending; // if the database failed mid-send, let the send end before closing its producer
      await publisher?.disconnect().catch(() => {});
      logger.info({ published: state.published }, "outbox relay stopped leading");
    }
  }

  const running = runAsLeader({
    databaseUrl, lockName: "outbox-relay", retryMs: settings.lockRetryMs, backoff: settings.backoff,
    signal: stopping.signal, logger, lead: publishAll, onLeadership: (leading) => (state.leader = leading),
  });
  return {
    async stop() {
      stopping.abort();
      await running;
    },
    status: () => ({ ...state }),
  };
}

/** Marks the ids published; returns what is left to mark (nothing). */
async function mark(db: pg.Client, ids: string[], keep: boolean): Promise<string[]> {
  if (ids.length > 0) await markPublished(db, ids, keep);
  return [];
}

function toMessage(row: OutboxRow): OutgoingMessage {
  const headers = { ...row.headers, "event-type": row.eventType, "event-id": row.eventId };
  return { topic: row.topic, key: row.key, value: row.payload, headers };
}
