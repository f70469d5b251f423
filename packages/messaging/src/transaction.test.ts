/** withTransaction against real PostgreSQL. */
import { freshDatabase } from "./testing";
import { waitFor } from "@shop/infra";
import { afterCommit, withTransaction } from "./transaction";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  db = await freshDatabase({ migrated: false });
  await db.pool.query("CREATE TABLE notes (text text PRIMARY KEY)");
});
afterAll(() => db.drop());
const notes = async () => (await db.pool.query("SELECT text FROM notes ORDER BY text")).rows.map((row) => row.text);

test("when the work succeeds, then its writes commit and its result is returned", async () => {
  expect(await withTransaction(db.pool, async (tx) => (await tx.query("INSERT INTO notes VALUES ('a') RETURNING text")).rows[0].text)).toBe("a");
  expect(await notes()).toEqual(["a"]);
});

test("when the work throws, then nothing it wrote is committed", async () => {
  await expect(withTransaction(db.pool, async (tx) => {
    await tx.query("INSERT INTO notes VALUES ('b')");
    throw new Error("no");
  })).rejects.toThrow("no");
  expect(await notes()).toEqual(["a"]);
});

test("when the work swallows a failed statement, then the rollback is reported as a failure, not taken for a commit", async () => {
  await expect(withTransaction(db.pool, async (tx) => {
    await tx.query("INSERT INTO notes VALUES ('c')");
    await tx.query("INSERT INTO notes VALUES ('a')").catch(() => {}); // duplicate key: the transaction is now aborted
  })).rejects.toThrow("the transaction was rolled back");
  expect(await notes()).toEqual(["a"]);
});

test("when a callback is registered with afterCommit, then it runs once after the commit, when the writes are visible, and never after a rollback", async () => {
  const seenAfterCommit: string[][] = [];
  const callback = () => void notes().then((now) => seenAfterCommit.push(now));
  await withTransaction(db.pool, async (tx) => {
    await tx.query("INSERT INTO notes VALUES ('after-commit')");
    expect(afterCommit(tx, callback)).toBe(true);
    expect(afterCommit(tx, callback)).toBe(true); // the same callback twice: runs once
  });
  let rolledBackRan = false;
  await expect(withTransaction(db.pool, async (tx) => {
    afterCommit(tx, () => (rolledBackRan = true));
    throw new Error("rolled back");
  })).rejects.toThrow("rolled back");

  await waitFor("the callback's read", () => seenAfterCommit.length === 1);
  expect(seenAfterCommit[0]).toContain("after-commit");
  expect(rolledBackRan).toBe(false);
});

test("when afterCommit is given a connection that is not in withTransaction, then it says so and registers nothing", async () => {
  const client = await db.pool.connect();
  try {
    expect(afterCommit(client, () => {})).toBe(false);
  } finally {
    client.release();
  }
});
