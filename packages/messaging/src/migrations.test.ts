/** migrate() against real PostgreSQL: idempotent, and safe when several instances start at once. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { messagingMigrations, migrate, migrationsIn } from "./migrations";
import { freshDatabase } from "./testing";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeEach(async () => {
  db = await freshDatabase({ migrated: false });
});
afterEach(() => db.drop());

test("when five instances migrate one database at once, then each migration is applied exactly once and all succeed", async () => {
  const pools = Array.from({ length: 5 }, () => new pg.Pool({ connectionString: db.url, max: 1 }));
  const applied = await Promise.all(pools.map((pool) => migrate(pool)));
  await Promise.all(pools.map((pool) => pool.end()));

  expect(applied.flat().sort()).toEqual(messagingMigrations.map((m) => m.id).sort());
  const { rows } = await db.pool.query("SELECT id FROM schema_migrations ORDER BY id");
  expect(rows.map((row) => row.id)).toEqual(["messaging/001-outbox", "messaging/002-processed-events"]);
});

test("when migrate runs again, then it applies nothing", async () => {
  await migrate(db.pool);
  expect(await migrate(db.pool)).toEqual([]);
});

test("when a migration fails, then it is rolled back, not recorded, and the error names it", async () => {
  const broken = [...messagingMigrations, { id: "test/003-broken", sql: "CREATE TABLE half (id int); SELECT 1/0;" }];
  await expect(migrate(db.pool, broken)).rejects.toThrow("migration test/003-broken failed: division by zero");
  const { rows } = await db.pool.query("SELECT to_regclass('half') AS half, count(*) FROM schema_migrations GROUP BY 1");
  expect(rows).toEqual([{ half: null, count: "2" }]);
  expect(await migrate(db.pool)).toEqual([]); // the lock was released
});

test("when a service keeps numbered SQL files, then migrationsIn reads them in name order with namespaced ids", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrations-"));
  fs.writeFileSync(path.join(dir, "002-more.sql"), "ALTER TABLE orders ADD COLUMN note text;");
  fs.writeFileSync(path.join(dir, "001-orders.sql"), "CREATE TABLE orders (id uuid PRIMARY KEY);");
  fs.writeFileSync(path.join(dir, "README.md"), "not a migration");
  const own = migrationsIn(dir, "order");
  expect(own.map((m) => m.id)).toEqual(["order/001-orders", "order/002-more"]);

  expect(await migrate(db.pool, [...messagingMigrations, ...own])).toEqual([...messagingMigrations.map((m) => m.id), "order/001-orders", "order/002-more"]);
  expect((await db.pool.query("SELECT note FROM orders")).rows).toEqual([]);
  fs.rmSync(dir, { recursive: true });
});
