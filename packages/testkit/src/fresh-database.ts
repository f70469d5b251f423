import { randomUUID } from "node:crypto";
import pg from "pg";
import { adminRole, createOwnedDatabase } from "@shop/infra";
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
 * `owner`: a service's role (e.g. "order") owns it and is the only one to connect, as in production;
 * by default the admin does.
 */
export async function freshDatabase(
  prefix: string,
  setup: (pool: pg.Pool) => Promise<unknown> = async () => {},
  { owner = adminRole }: { owner?: string } = {},
): Promise<FreshDatabase> {
  const env = useEnvironment();
  const name = `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await asAdmin(env.databaseUrl("postgres"), (admin) => createOwnedDatabase(admin, name, owner));
  const url = env.databaseUrl(name, owner);
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
      await asAdmin(env.databaseUrl("postgres"), (admin) => admin.query(`DROP DATABASE ${name} WITH (FORCE)`));
    },
  };
}

/** A short-lived connection to the maintenance database (a long-lived one would not survive restartDatabase()). */
async function asAdmin(url: string, work: (admin: pg.Client) => Promise<unknown>): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}
