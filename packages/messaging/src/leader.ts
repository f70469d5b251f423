/**
 * Leader election with a PostgreSQL session-level advisory lock: among the processes that call
 * `runAsLeader` for one database and lock name, one at a time runs `lead`. The lock belongs to a
 * dedicated connection, so it frees when that session ends, however the holder ends (stop, crash,
 * kill -9, network loss noticed by TCP keepalives); a waiting process then takes over.
 */
import pg from "pg";
import { errorFields, type Logger } from "./logger";
import { backoffDelay, sleep, type Backoff } from "./retry";

export interface LeaderOptions {
  databaseUrl: string;
  /** Advisory locks are per database: one name per role in that database ("outbox-relay"). */
  lockName: string;
  /** How often a waiting process tries the lock: the failover time. */
  retryMs: number;
  /** Between reconnections after the session broke. */
  backoff: Backoff;
  signal: AbortSignal;
  logger: Logger;
  /** Runs while the lock is held, with the session holding it; return when `signal` aborts, throw if the session breaks. */
  lead(db: pg.Client): Promise<void>;
  onLeadership?(leading: boolean): void;
}

/** Resolves when `signal` aborts and the lock (if held) is released. */
export async function runAsLeader(options: LeaderOptions): Promise<void> {
  const { signal, logger, onLeadership = () => {} } = options;
  for (let failures = 0; !signal.aborted; failures++) {
    try {
      await session(options);
      failures = 0;
    } catch (error) {
      logger.warn({ ...errorFields(error), lock: options.lockName }, "leader session broke; reconnecting");
    }
    onLeadership(false);
    await sleep(backoffDelay(failures, options.backoff), signal);
  }
}

async function session({ databaseUrl, lockName, retryMs, signal, logger, lead, onLeadership }: LeaderOptions): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl, keepAlive: true, query_timeout: 30_000 });
  db.on("error", (error) => logger.warn(errorFields(error), "leader connection error")); // the next query fails too
  await db.connect();
  try {
    // Let the server notice a vanished holder in seconds (not the OS default of hours), so the lock frees.
    await db.query("SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3");
    while (!signal.aborted) {
      const { rows } = await db.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [lockName]);
      if (rows[0]?.locked) {
        logger.info({ lock: lockName }, "became the leader");
        onLeadership?.(true);
        return await lead(db);
      }
      await sleep(retryMs, signal);
    }
  } finally {
    await db.end().catch(() => {}); // ending the session releases the lock
  }
}
