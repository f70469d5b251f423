/**
 * `statementsDuring(pool, work)`: how many SQL statements `work` sends through the pool's
 * connections (BEGIN, COMMIT and ROLLBACK not counted). For tests that hold a batch handler to
 * its promise: a fixed number of statements per batch, whatever the batch's size.
 */
import type { Pool, PoolClient } from "pg";

export async function statementsDuring(pool: Pool, work: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const originals = new Map<PoolClient, PoolClient["query"]>();
  // pg-pool announces every checkout and return: count the client's queries in between.
  const onAcquire = (client: PoolClient) => {
    const query = client.query;
    originals.set(client, query);
    client.query = function countingQuery(this: PoolClient, ...args: unknown[]) {
      const text = typeof args[0] === "string" ? args[0] : (args[0] as { text?: string } | undefined)?.text ?? "";
      if (!/^\s*(BEGIN|COMMIT|ROLLBACK)\b/i.test(text)) count++;
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as PoolClient["query"];
  };
  const restore = (client: PoolClient) => {
    const query = originals.get(client);
    if (query) client.query = query;
    originals.delete(client);
  };
  const onRelease = (_error: Error | undefined, client: PoolClient) => restore(client);
  pool.on("acquire", onAcquire);
  pool.on("release", onRelease);
  try {
    await work();
  } finally {
    pool.off("acquire", onAcquire);
    pool.off("release", onRelease);
    for (const client of [...originals.keys()]) restore(client);
  }
  return count;
}
