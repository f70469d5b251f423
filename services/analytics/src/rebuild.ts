/**
 * Rebuilding the read model: `pnpm --filter @shop/analytics rebuild-read-model`, with the service
 * stopped (README, "Rebuilding").
 *
 * 1. In one transaction: refuse if any instance of the service runs (they hold an advisory lock,
 *    see holdInstanceLock); empty the read model and processed_events; start a new build id.
 * 2. The next start of the service consumes with the new build's consumer group (kpis.ts
 *    consumerGroup), which has no committed offsets: it reads every topic from the beginning
 *    and builds the read model again.
 *
 * Nothing is lost if the command is interrupted: the transaction commits whole or not at all.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Client, Pool } from "pg";
import { migrate, withTransaction } from "@shop/messaging";
import { createLogger, type Logger } from "@shop/observability";
import { exitOnStartupError, serviceMigrations } from "@shop/service-kit";
import { loadRebuildConfig } from "./config";
import * as db from "./db";
import { consumerGroup } from "./kpis";

export class ServiceRunning extends Error {
  constructor() {
    super("analytics is running against this database: stop every instance of it, then rebuild");
    this.name = "ServiceRunning";
  }
}

/** Empties the read model and starts a new build; its id, or ServiceRunning while an instance runs. */
export async function rebuild(pool: Pool): Promise<string> {
  const buildId = await withTransaction(pool, (tx) => db.resetReadModel(tx));
  if (buildId === undefined) throw new ServiceRunning();
  return buildId;
}

/**
 * Held by every running instance, from before it reads the build id until it stops: the
 * advisory lock lives with a session of its own, so it is taken again when the database
 * restarts. A rebuild in progress makes a starting instance wait for it here.
 */
export async function holdInstanceLock(databaseUrl: string, logger: Logger): Promise<{ release(): Promise<void> }> {
  let session: Client | undefined;
  let released = false;

  async function take(): Promise<Client> {
    const next = new Client({ connectionString: databaseUrl, application_name: "analytics-instance-lock" });
    next.on("error", (error) => {
      if (session !== next || released) return;
      session = undefined;
      logger.warn({ err: error }, "the instance lock's session ended; taking the lock again");
      void retake();
    });
    try {
      await next.connect();
      await db.lockInstanceShared(next);
      return next;
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
  }

  async function retake(): Promise<void> {
    // Simplification: while the database is down nothing can rebuild anyway; retry each second.
    while (!released && !session) {
      session = await take().catch(() => undefined);
      if (!session) await sleep(1000);
    }
    if (released) await session?.end().catch(() => {});
  }

  session = await take();
  return {
    async release() {
      released = true;
      await session?.end().catch(() => {});
    },
  };
}

async function main(): Promise<void> {
  const config = loadRebuildConfig();
  const logger = createLogger("analytics-rebuild", config.LOG_LEVEL);
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 2 });
  try {
    await migrate(pool, serviceMigrations("analytics")); // as the service migrates
    const buildId = await rebuild(pool);
    logger.info({ buildId, groupId: consumerGroup(buildId) },
      "read model emptied: start the service, it replays every topic from the beginning with this consumer group");
  } catch (error) {
    if (!(error instanceof ServiceRunning)) throw error;
    logger.error(error.message);
    process.exitCode = 1;
  } finally {
    await pool.end();
  }
}

if (require.main === module) main().catch(exitOnStartupError);
