/**
 * The outbox relay: publishes outbox rows to Kafka in id order and takes them off the outbox, a
 * batch at a time. One relay per service publishes, the leader (leader.ts); the others wait.
 *
 * While leading, the relay repeats three steps for each batch:
 *   1. claim:  BEGIN, and take the oldest waiting rows off the outbox (one statement, outbox.ts);
 *   2. send:   publish them to Kafka and wait until it has them all (acks=all);
 *   3. commit: COMMIT; the rows are gone for good.
 * A failed send rolls the transaction back: the rows are there again, in the same order. A crash
 * anywhere before the COMMIT ends the session, and PostgreSQL rolls its transaction back: nothing
 * is lost, and rows that did reach Kafka go again (the inbox drops the copies).
 * When a claim comes back short of a full batch, the outbox is empty for now: the relay waits for
 * a commit that added rows (wake(), from this process; a NOTIFY, from others) or, as a safety
 * net, the poll interval (wake-up.ts).
 *
 * Pipelining (optional, on by default): while Kafka acknowledges a full batch, a second session
 * claims the next one, so PostgreSQL and Kafka work at the same time during a backlog. Batches are
 * still sent one after the other, never two at once, so per-partition order holds.
 */
import pg from "pg";
import { connectPublisher, type KafkaConfig, type OutgoingMessage, type Publisher } from "./kafka";
import { runAsLeader } from "./leader";
import { errorFields, silentLogger, type Logger } from "./logger";
import { outboxBacklog as backlogGauge, outboxOldestAge, relayPublished, relayPublishSeconds } from "./metrics";
import { claimBatch, outboxBacklog, outboxChannel, prunePublished, type OutboxRow } from "./outbox";
import { backoffDelay, sleep, type Backoff } from "./retry";
import { listenForCommits, type WakeUp } from "./wake-up";

export interface RelayOptions {
  /** The service's database. The relay opens its own connection: the leader lock lives with that session. */
  databaseUrl: string;
  kafka: KafkaConfig;
  logger?: Logger;
  /** Rows per claim and per Kafka request. */
  batchSize?: number;
  /**
   * How often an idle leader looks for rows when no NOTIFY arrives. Every commit that adds rows
   * notifies the listening relay, so this is only a safety net (and how rows are found when the
   * writers use `notify: false`).
   */
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
  /** Between attempts while Kafka fails. */
  backoff?: Backoff;
  /** Claim the next batch on a second session while Kafka acknowledges the current one (default true). */
  pipeline?: boolean;
  /** How the relay connects to Kafka (default: connectPublisher). Tests wrap it to inject crashes. */
  connect?: (kafka: KafkaConfig) => Promise<Publisher>;
}

export interface Relay {
  /**
   * A commit in this process added outbox rows (pass it to createOutbox as `wakeRelay`). Leading,
   * the relay looks for them at once; not leading, it sends a NOTIFY, outside any transaction,
   * for the leader in another process.
   */
  wake(): void;
  /** Finishes the batch in flight, publishes what is left (up to stopTimeoutMs), releases the lock. */
  stop(): Promise<void>;
  /** Whether this relay leads, and how many messages Kafka acknowledged from it. */
  status(): { leader: boolean; published: number };
}

/** A claimed batch: the rows, and the session whose open transaction holds them. */
interface Claim {
  session: pg.Client;
  rows: OutboxRow[];
}

/** Sending to Kafka failed (the database did not): back off and try the same rows again. */
class SendFailed extends Error {
  constructor(override readonly cause: unknown) {
    super(`could not publish: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export function startRelay(options: RelayOptions): Relay {
  const { databaseUrl, logger = silentLogger } = options;
  const kafka = { logger, ...options.kafka }; // kafkajs logs through the relay's logger unless told otherwise
  const settings = {
    batchSize: 500, pollIntervalMs: 5000, lockRetryMs: 1000, retainPublishedMs: 0, pruneIntervalMs: 60_000,
    stopTimeoutMs: 5000, backoff: { initialMs: 200, maxMs: 5000 }, pipeline: true, connect: connectPublisher, ...options,
  };
  const keep = settings.retainPublishedMs > 0;
  const stopping = new AbortController();
  const state = { leader: false, published: 0 };
  let publisher: Promise<Publisher> | undefined; // connected on first use, replaced after a failure
  let stopBy = Infinity; // after stop(): publish what is left until then
  let leading: WakeUp | undefined; // while this relay leads: how to wake it
  const notifier = leaderElsewhereNotifier(databaseUrl, logger);

  /** Runs while this relay holds the leader lock, on the session that holds it. */
  async function lead(db: pg.Client): Promise<void> {
    await db.query(claimSessionSettings);
    const wakeUp = await listenForCommits(db, stopping.signal);
    leading = wakeUp;
    const second = settings.pipeline ? await connect(databaseUrl) : undefined;
    let failures = 0;
    let nextPrune = 0;
    try {
      for (;;) {
        if (keep && Date.now() >= nextPrune) {
          await prunePublished(db, settings.retainPublishedMs);
          nextPrune = Date.now() + settings.pruneIntervalMs;
        }
        wakeUp.reset(); // before claiming, so that a NOTIFY arriving meanwhile is not missed
        let published = 0;
        try {
          published = await publishUntilEmpty(db, second);
          failures = 0;
        } catch (error) {
          if (!(error instanceof SendFailed)) throw error; // the database failed: the leader session starts over
          logger.warn({ ...errorFields(error.cause), attempt: failures + 1 }, "outbox relay could not publish; retrying");
          await disconnectPublisher(); // a new producer (new producer id) avoids sequence-number conflicts
          if (stopping.signal.aborted) break; // stop() does not wait for Kafka to come back
          await sleep(backoffDelay(failures++, settings.backoff), stopping.signal);
          continue;
        }
        if (stopping.signal.aborted) break; // the outbox was emptied after stop(): done
        await reportBacklog(db, published);
        await wakeUp.wait(settings.pollIntervalMs);
      }
    } finally {
      leading = undefined;
      wakeUp.close();
      await second?.end().catch(() => {});
      await disconnectPublisher();
      logger.info({ published: state.published }, "outbox relay stopped leading");
    }
  }

  /** Claims, sends and commits batch after batch until a claim is short of a full batch; returns how many rows went out. */
  async function publishUntilEmpty(db: pg.Client, second: pg.Client | undefined): Promise<number> {
    let published = 0;
    let batch = await claim(db);
    while (batch.rows.length > 0) {
      const full = batch.rows.length === settings.batchSize;
      const next = full && second ? claimAhead(batch, batch.session === db ? second : db) : undefined;
      try {
        await send(batch.rows);
      } catch (error) {
        await rollback(batch.session);
        if (next) await rollback((await next).session);
        throw new SendFailed(error);
      }
      await batch.session.query("COMMIT");
      published += batch.rows.length;
      state.published += batch.rows.length;
      relayPublished.inc(batch.rows.length);
      if (!full || Date.now() > stopBy) {
        if (next) await rollback((await next).session);
        break;
      }
      batch = next ? await next : await claim(db);
    }
    return published;
  }

  /** Step 1: BEGIN, and take the oldest waiting rows. An empty claim ends its transaction at once. */
  async function claim(session: pg.Client, afterId?: string): Promise<Claim> {
    await session.query("BEGIN");
    const rows = await claimBatch(session, settings.batchSize, { keep, afterId });
    if (rows.length === 0) await session.query("COMMIT");
    return { session, rows };
  }

  /**
   * Pipelining: the batch after `current`, claimed on the other session. It starts after the
   * current batch's last id: those rows are locked by the current transaction until its COMMIT.
   */
  function claimAhead(current: Claim, session: pg.Client): Promise<Claim> {
    const next = claim(session, current.rows.at(-1)!.id);
    next.catch(() => {}); // awaited later, or abandoned when the current batch fails; never unhandled
    return next;
  }

  /** Step 2: resolves once Kafka has every row, in id order. */
  async function send(rows: OutboxRow[]): Promise<void> {
    const stopTimer = relayPublishSeconds.startTimer();
    publisher ??= settings.connect(kafka);
    await (await publisher).send(rows.map(toMessage));
    stopTimer();
  }

  async function rollback(session: pg.Client): Promise<void> {
    await session.query("ROLLBACK").catch(() => {}); // a broken session rolls back on its own
  }

  async function disconnectPublisher(): Promise<void> {
    const current = publisher;
    publisher = undefined;
    await current?.then((p) => p.disconnect()).catch(() => {});
  }

  /** For /metrics: how many rows wait, and how old the oldest is. */
  async function reportBacklog(db: pg.Client, lastPublished: number): Promise<void> {
    if (lastPublished < settings.batchSize) {
      // The last claim came back short: the outbox was empty a moment ago, nothing to count.
      backlogGauge.set(0);
      outboxOldestAge.set(0);
      return;
    }
    const { count, oldestAgeMs } = await outboxBacklog(db);
    backlogGauge.set(count);
    outboxOldestAge.set((oldestAgeMs ?? 0) / 1000);
  }

  const running = runAsLeader({
    databaseUrl, lockName: "outbox-relay", retryMs: settings.lockRetryMs, backoff: settings.backoff,
    signal: stopping.signal, logger, lead, onLeadership: (leading) => (state.leader = leading),
  });
  return {
    wake() {
      if (leading) leading.wake();
      else if (!stopping.signal.aborted) notifier.notify();
    },
    async stop() {
      stopBy = Math.min(stopBy, Date.now() + settings.stopTimeoutMs);
      stopping.abort();
      await running;
      await notifier.close();
    },
    status: () => ({ ...state }),
  };
}

/**
 * For a relay that does not lead: tells the leader, in another process, that rows were added,
 * with a NOTIFY of its own (outside any transaction: no WAL to wait for under the notify lock).
 * Wakes that come while one is being sent are folded into one more.
 */
function leaderElsewhereNotifier(databaseUrl: string, logger: Logger) {
  let pool: pg.Pool | undefined;
  let sending = false;
  let again = false;
  async function send(): Promise<void> {
    sending = true;
    try {
      do {
        again = false;
        if (!pool) {
          pool = new pg.Pool({ connectionString: databaseUrl, max: 1, idleTimeoutMillis: 10_000 });
          pool.on("error", () => {}); // an idle connection lost: the next notify reconnects
        }
        await pool.query(`SELECT pg_notify('${outboxChannel}', '')`);
      } while (again);
    } catch (error) {
      logger.warn(errorFields(error), "could not notify the leading relay; its poll will find the rows");
    } finally {
      sending = false;
    }
  }
  return {
    notify(): void {
      if (sending) again = true;
      else void send();
    },
    async close(): Promise<void> {
      await pool?.end().catch(() => {});
    },
  };
}

/** The pipelining session: a plain connection (the leader lock stays with the first one). */
async function connect(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl, keepAlive: true, query_timeout: 30_000 });
  client.on("error", () => {}); // a broken session fails its next query, which ends the leader session
  await client.connect();
  await client.query(claimSessionSettings);
  return client;
}

/**
 * The relay's sessions only run claims, so two settings fit them all:
 * - enable_sort off: the claims want the first rows in id order: walk the partial index and stop
 *   after one batch. Without fresh statistics (a backlog that built up faster than autovacuum
 *   noticed: an outage, a burst, a new table) the planner instead reads and sorts every waiting
 *   row on each claim, and the relay runs at half speed.
 * - synchronous_commit off: a claim's COMMIT (the rows are in Kafka, delete them) does not wait
 *   for its WAL to reach the disk. If PostgreSQL crashes in the next moment and loses that
 *   commit, the rows are back and go again: a duplicate, which the inbox skips, never a loss
 *   (at-least-once, as after a relay crash). Every other transaction stays durable.
 */
const claimSessionSettings = "SET enable_sort = off; SET synchronous_commit = off";

function toMessage(row: OutboxRow): OutgoingMessage {
  const headers = { ...row.headers, "event-type": row.eventType, "event-id": row.eventId };
  return { topic: row.topic, key: row.key, value: row.payload, headers };
}
