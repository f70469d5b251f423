/**
 * `withTransaction(pool, work)`: BEGIN, work(tx), COMMIT; ROLLBACK if anything throws. The
 * inbox runs every batch through it, and services can use it for their own writes (state change
 * plus outbox.add in one transaction).
 */
import type { Pool, PoolClient } from "pg";
import { classifyError } from "./errors";

export async function withTransaction<T>(pool: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  let broken = false;
  // A connection that dies while checked out emits "error" on the client (pg-pool listens only
  // while it is idle); unheard, that event would crash the process. The failing query rejects too.
  const onError = () => (broken = true);
  tx.on("error", onError);
  try {
    await tx.query("BEGIN");
    const result = await work(tx);
    // If `work` swallowed an error, the transaction is aborted and COMMIT answers ROLLBACK without
    // throwing: treat that as the failure it is, or the caller would take a rollback for a commit.
    const { command } = await tx.query("COMMIT");
    if (command !== "COMMIT") throw new Error("the transaction was rolled back: a statement in it failed and the error was caught");
    return result;
  } catch (error) {
    broken = classifyError(error) === "unavailable";
    await tx.query("ROLLBACK").catch(() => (broken = true));
    throw error;
  } finally {
    tx.off("error", onError);
    tx.release(broken); // a connection that failed is closed, not returned to the pool
  }
}
