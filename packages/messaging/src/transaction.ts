/**
 * `withTransaction(pool, work)`: BEGIN, work(tx), COMMIT; ROLLBACK if anything throws. The
 * inbox runs every batch through it, and services can use it for their own writes (state change
 * plus outbox.add in one transaction). `afterCommit(tx, callback)` runs something once it committed.
 */
import type { ClientBase, Pool, PoolClient } from "pg";
import { classifyError } from "./errors";

/** What to run once each open transaction has committed (afterCommit), by its connection. */
const afterCommitCallbacks = new WeakMap<ClientBase, (() => void)[]>();

/**
 * Runs `callback` once the transaction on `tx` has committed (never if it rolls back); the same
 * callback registered twice runs once. False, and nothing registered, when `tx` is not a
 * transaction of withTransaction's. The outbox uses it to wake the relay after the commit.
 */
export function afterCommit(tx: ClientBase, callback: () => void): boolean {
  const callbacks = afterCommitCallbacks.get(tx);
  if (!callbacks) return false;
  if (!callbacks.includes(callback)) callbacks.push(callback);
  return true;
}

export async function withTransaction<T>(pool: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  const callbacks: (() => void)[] = [];
  let broken = false;
  // A connection that dies while checked out emits "error" on the client (pg-pool listens only
  // while it is idle); unheard, that event would crash the process. The failing query rejects too.
  const onError = () => (broken = true);
  tx.on("error", onError);
  try {
    await tx.query("BEGIN");
    afterCommitCallbacks.set(tx, callbacks);
    const result = await work(tx);
    // If `work` swallowed an error, the transaction is aborted and COMMIT answers ROLLBACK without
    // throwing: treat that as the failure it is, or the caller would take a rollback for a commit.
    const { command } = await tx.query("COMMIT");
    if (command !== "COMMIT") throw new Error("the transaction was rolled back: a statement in it failed and the error was caught");
    afterCommitCallbacks.delete(tx);
    for (const callback of callbacks) callback();
    return result;
  } catch (error) {
    broken = classifyError(error) === "unavailable";
    await tx.query("ROLLBACK").catch(() => (broken = true));
    throw error;
  } finally {
    afterCommitCallbacks.delete(tx);
    tx.off("error", onError);
    tx.release(broken); // a connection that failed is closed, not returned to the pool
  }
}
