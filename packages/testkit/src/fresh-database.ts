import { randomUUID } from "node:crypto";
import pg from "pg";
import { useEnvironment } from "./index";

export interface FreshDatabase {
  url: string;
  pool: pg.Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * A new, empty database on the test run's PostgreSQL, so a test file shares no rows, advisory
 * locks or NOTIFY channels with any other. `setup` prepares it, e.g. `(pool) => migrate(pool, migrations)`.
 */
export async function freshDatabase(prefix: string, setup: (pool: pg.Pool) => Promise<unknown> = async () => {}): Promise<FreshDatabase> {
  const env = useEnvironment();
  const name = `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await adminQuery(env.databaseUrl("postgres"), `CREATE DATABASE ${name}`);
  const url = env.databaseUrl(name);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // Errors of idle connections (a database restart, DROP ... WITH (FORCE)) are re-emitted on the
  // pool; without a listener they would crash the test process.
  pool.on("error", () => {});
  await setup(pool);
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      await adminQuery(env.databaseUrl("postgres"), `DROP DATABASE ${name} WITH (FORCE)`);
    },
  };
}

/** A short-lived connection to the maintenance database (a long-lived one would not survive restartDatabase()). */
async function adminQuery(url: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
