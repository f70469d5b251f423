/**
 * What analytics does with a batch of events: fold them into the facts they bring about each
 * order and product and the event counts (read-model-batch.ts), then record those with one
 * statement per table (db.ts), whatever the batch's size. There is nothing to load first: the
 * database merges each folded fact with what it holds by the same rules the fold used. Live
 * consumption and a rebuild's replay (rebuild.ts) both come through here, batch by batch.
 */
import { topicsConsumedBy, type ShopEvent } from "@shop/contracts";
import { consume, type BatchHandler, type ConsumeOptions, type Consumer } from "@shop/messaging";
import * as db from "./db";
import { consumerGroup } from "./kpis";
import { ReadModelBatch } from "./read-model-batch";

/** Every topic of the saga (main.ts passes these; tests pass fresh topics of their own). */
export const consumedTopics = [...topicsConsumedBy.analytics];

export const handleEvents: BatchHandler<ShopEvent> = async (events, tx) => {
  // Decide, in memory: every event in order, several of one order merging as they would in rows.
  const batch = new ReadModelBatch();
  for (const { event, topic, partition } of events) batch.add(event, { topic, partition });
  const { orders, products, counts } = batch.facts();
  // Save: one statement per table (three in all; a table the batch does not touch is skipped).
  await db.countEvents(tx, counts);
  await db.recordOrders(tx, orders);
  await db.recordProducts(tx, products);
};

export interface ConsumeEventsOptions extends Omit<ConsumeOptions<ShopEvent>, "groupId" | "handler" | "handleBatch" | "fromBeginning"> {
  /** The consumer group's base name ("analytics"); tests pass their own. */
  group?: string;
}

/**
 * Consumes `topics` (main passes consumedTopics, tests their own) into the read model, with the
 * read model's consumer group (named after its build), from the beginning for a new group.
 */
export async function consumeEvents({ group, ...options }: ConsumeEventsOptions): Promise<Consumer & { groupId: string }> {
  const groupId = consumerGroup(await db.currentBuild(options.pool), group);
  options.logger?.info({ groupId, topics: options.topics }, "consuming into the read model");
  const consumer = await consume<ShopEvent>({ ...options, groupId, fromBeginning: true, handleBatch: handleEvents });
  return { ...consumer, groupId };
}
