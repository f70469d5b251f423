/**
 * POST /orders, a batch at a time: while one batch of orders is being written (placeOrders, one
 * transaction), the requests that arrive wait, and go together in the next one. A lone request
 * is written at once, so a quiet shop adds no delay; a busy one writes many orders per commit
 * instead of one, with the same five statements.
 *
 * A batch that fails for something other than a client's mistake (the database is down, a
 * constraint) is taken apart: each of its requests is tried alone, so that one bad request
 * cannot fail the others, and each gets its own answer.
 */
import { placeOrders, type OrdersDeps, type Placement, type PlacementResult } from "./orders";

interface Waiting {
  placement: Placement;
  resolve: (result: PlacementResult) => void;
  reject: (error: unknown) => void;
}

export interface PlacementQueue {
  /** Resolves with the request's result once its batch committed; rejects if writing it failed. */
  place(placement: Placement): Promise<PlacementResult>;
}

export function placementQueue(deps: OrdersDeps): PlacementQueue {
  let waiting: Waiting[] = [];
  let writing = false;

  async function writeWhatWaits(): Promise<void> {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      await write(batch);
    }
    writing = false;
  }

  async function write(batch: Waiting[]): Promise<void> {
    try {
      const results = await placeOrders(deps, batch.map((entry) => entry.placement));
      batch.forEach((entry, i) => entry.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      for (const entry of batch) await write([entry]); // taken apart: each request alone
    }
  }

  return {
    place(placement) {
      return new Promise<PlacementResult>((resolve, reject) => {
        waiting.push({ placement, resolve, reject });
        if (!writing) void writeWhatWaits();
      });
    },
  };
}
