/**
 * What analytics does with a batch of events: fold them into the facts they bring about each
 * order and product and the event counts (read-model-batch.ts), then record those with one
 * statement per table (db.ts), whatever the batch's size. There is nothing to load first: the
 * database merges each folded fact with what it holds by the same rules the fold used. Live
 * consumption and a rebuild's replay (rebuild.ts) both come through here, batch by batch.
 */
import type { ShopEvent } from "@shop/contracts";
import type { BatchHandler } from "@shop/messaging";
import * as db from "./db";
import { consumerGroup } from "./kpis";
import { ReadModelBatch } from "./read-model-batch";

/** Nothing to inject: the read model is written only through the inbox's transaction, `tx`. */
export function eventHandler(): BatchHandler<ShopEvent> {
  return async (events, tx) => {
    // Decide, in memory: every event in order, several of one order merging as they would in rows.
    const batch = new ReadModelBatch();
    for (const { event, topic, partition } of events) batch.add(event, { topic, partition });
    const { orders, products, counts } = batch.facts();
    // Save: one statement per table (three in all; a table the batch does not touch is skipped).
    await db.countEvents(tx, counts);
    await db.recordOrders(tx, orders);
    await db.recordProducts(tx, products);
  };
}

/**
 * The read model's consumer group, named after its build (kpis.ts consumerGroup): a rebuild
 * starts a new build, whose group has no offsets and reads every topic from the beginning.
 * `base`: "analytics"; tests name their own.
 */
export async function readModelGroup(pool: Parameters<typeof db.currentBuild>[0], base?: string): Promise<string> {
  return consumerGroup(await db.currentBuild(pool), base);
}
