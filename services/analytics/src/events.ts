/**
 * What analytics does with each event: count it, and store what it says about its order (one
 * upsert in db.ts); events not in the map are only counted. ProductListed is the exception: the
 * catalog topic is state, not history (it is compacted), so it updates the catalogue and is not
 * counted, or a rebuild after a compaction would count fewer than the live model did.
 */
import { allTopics, type EventOf, type EventType, type ShopEvent } from "@shop/contracts";
import { consume, type ConsumeOptions, type Consumer, type HandlerContext } from "@shop/messaging";
import * as db from "./db";
import { consumerGroup } from "./kpis";

/** Every topic of the saga (main.ts passes these; tests pass fresh topics of their own). */
export const consumedTopics = allTopics.map(({ topic }) => topic);

type Handlers = { [T in EventType]?: (event: EventOf<T>, context: HandlerContext) => Promise<unknown> };

const handlers: Handlers = {
  ProductListed: (event, { tx }) => db.recordProduct(tx, event.sku, event.price, event.occurredAt),
  OrderPlaced: (event, { tx }) => db.recordPlaced(tx, event.orderId, event.occurredAt, event.total),
  OrderConfirmed: (event, { tx }) => db.recordConfirmed(tx, event.orderId, event.occurredAt),
  OrderCancelled: (event, { tx }) => db.recordCancelled(tx, event.orderId, event.occurredAt, event.reason),
  PaymentCaptured: (event, { tx }) => db.recordMoney(tx, event.orderId, "captured_amount", event.amount),
  PaymentRefunded: (event, { tx }) => db.recordMoney(tx, event.orderId, "refunded_amount", event.amount),
};

export async function handleEvent(event: ShopEvent, context: HandlerContext): Promise<void> {
  if (event.eventType !== "ProductListed") await db.countEvent(context.tx, event.eventType, context.topic, context.partition);
  const handle = handlers[event.eventType] as ((event: ShopEvent, context: HandlerContext) => Promise<unknown>) | undefined;
  await handle?.(event, context);
}

export interface ConsumeEventsOptions extends Omit<ConsumeOptions<ShopEvent>, "groupId" | "handler" | "fromBeginning"> {
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
  const consumer = await consume<ShopEvent>({ ...options, groupId, fromBeginning: true, handler: handleEvent });
  return { ...consumer, groupId };
}
