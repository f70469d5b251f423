/**
 * The benchmark's own connections to PostgreSQL: one to each service database (to read orders
 * and outbox backlogs) and one to `postgres` (for pg_stat_database). Its queries on the service
 * databases are transactions too; they are counted, so the figures can leave them out.
 */
import pg from "pg";
import { serviceDatabases, type Environment } from "@shop/testkit";

export interface BenchDatabases {
  query<Row extends pg.QueryResultRow>(database: string, sql: string, params?: unknown[]): Promise<Row[]>;
  /** Queries sent to the service databases so far. */
  benchQueries(): number;
  /** Transactions committed or rolled back in the six service databases so far, as PostgreSQL's statistics report them. */
  transactions(): Promise<number>;
  /** The cluster's settings that decide durability, and its version. */
  settings(): Promise<Record<string, string>>;
  end(): Promise<void>;
}

export function benchDatabases(environment: Environment): BenchDatabases {
  const pools = new Map([...serviceDatabases, "postgres"].map((name) => [name, new pg.Pool({ connectionString: environment.databaseUrl(name), max: 1 })]));
  let benchQueries = 0;
  const pool = (name: string) => pools.get(name)!; // names from serviceDatabases only

  return {
    async query<Row extends pg.QueryResultRow>(database: string, sql: string, params: unknown[] = []) {
      benchQueries++;
      return (await pool(database).query<Row>(sql, params)).rows;
    },
    benchQueries: () => benchQueries,
    async transactions() {
      const { rows } = await pool("postgres").query<{ n: number }>(
        "SELECT coalesce(sum(xact_commit + xact_rollback), 0)::float8 AS n FROM pg_stat_database WHERE datname = ANY($1)", [serviceDatabases]);
      return rows[0]!.n;
    },
    async settings() {
      const { rows } = await pool("postgres").query<{ name: string; setting: string }>(
        "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers', 'server_version')");
      return Object.fromEntries(rows.map((row) => [row.name, row.setting]));
    },
    async end() {
      await Promise.all([...pools.values()].map((p) => p.end()));
    },
  };
}
