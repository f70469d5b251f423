/**
 * A batch of events folded into what the read model stores, in memory: per order, the facts the
 * batch brings (the earliest placement with its total, the earliest confirmation and
 * cancellation with its reason, the largest capture and refund); per product, its latest
 * listing; per (event type, topic, partition), how many. The database merges each with what it
 * holds by the same rules (db.ts), so one statement per table records the whole batch, and the
 * result is the same in any arrival order, and for an event applied twice.
 */
import type { CancellationReason, Cents, ShopEvent } from "@shop/contracts";

/** What a batch says about one order: null where it says nothing. */
export interface OrderFacts {
  orderId: string;
  placedAt: string | null;
  total: Cents | null;
  confirmedAt: string | null;
  cancelledAt: string | null;
  reason: CancellationReason | null;
  capturedAmount: Cents | null;
  refundedAmount: Cents | null;
}

export interface ProductListing { sku: string; price: Cents; listedAt: string }
export interface EventCount { eventType: string; topic: string; partition: number; count: number }

const earlier = (a: string | null, b: string) => a === null || Date.parse(b) < Date.parse(a);

export class ReadModelBatch {
  private readonly orders = new Map<string, OrderFacts>();
  private readonly products = new Map<string, ProductListing>();
  private readonly counts = new Map<string, EventCount>();

  /**
   * One event. ProductListed is the exception to counting: the catalog topic is state, not
   * history (it is compacted), so it updates the catalogue and is not counted, or a rebuild after
   * a compaction would count fewer than the live model did.
   */
  add(event: ShopEvent, { topic, partition }: { topic: string; partition: number }): void {
    if (event.eventType === "ProductListed") {
      const known = this.products.get(event.sku);
      if (!known || Date.parse(event.occurredAt) > Date.parse(known.listedAt)) {
        this.products.set(event.sku, { sku: event.sku, price: event.price, listedAt: event.occurredAt });
      }
      return;
    }
    this.count(event.eventType, topic, partition);
    switch (event.eventType) {
      case "OrderPlaced": {
        const order = this.order(event.orderId);
        if (earlier(order.placedAt, event.occurredAt)) Object.assign(order, { placedAt: event.occurredAt, total: event.total });
        break;
      }
      case "OrderConfirmed": {
        const order = this.order(event.orderId);
        if (earlier(order.confirmedAt, event.occurredAt)) order.confirmedAt = event.occurredAt;
        break;
      }
      case "OrderCancelled": {
        const order = this.order(event.orderId);
        if (earlier(order.cancelledAt, event.occurredAt)) Object.assign(order, { cancelledAt: event.occurredAt, reason: event.reason });
        break;
      }
      case "PaymentCaptured": {
        // Payment captures and refunds an order at most once; the largest keeps a repeat harmless anyway.
        const order = this.order(event.orderId);
        order.capturedAmount = Math.max(order.capturedAmount ?? 0, event.amount);
        break;
      }
      case "PaymentRefunded": {
        const order = this.order(event.orderId);
        order.refundedAmount = Math.max(order.refundedAmount ?? 0, event.amount);
        break;
      }
      default:
        break; // only counted
    }
  }

  /**
   * The folded facts, each list sorted by its table's key: the consumer handles three partitions
   * at once, and two of their transactions may upsert the same orders (an order's facts come from
   * several topics). Rows taken in the same order cannot deadlock each other.
   */
  facts(): { orders: OrderFacts[]; products: ProductListing[]; counts: EventCount[] } {
    const byKey = <T>(key: (item: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
    return {
      orders: [...this.orders.values()].sort(byKey((order) => order.orderId)),
      products: [...this.products.values()].sort(byKey((product) => product.sku)),
      counts: [...this.counts.values()].sort(byKey((count) => `${count.eventType}/${count.topic}/${count.partition}`)),
    };
  }

  private order(orderId: string): OrderFacts {
    let order = this.orders.get(orderId);
    if (!order) {
      order = { orderId, placedAt: null, total: null, confirmedAt: null, cancelledAt: null, reason: null, capturedAmount: null, refundedAmount: null };
      this.orders.set(orderId, order);
    }
    return order;
  }

  private count(eventType: string, topic: string, partition: number): void {
    const key = `${eventType}/${topic}/${partition}`;
    const entry = this.counts.get(key) ?? { eventType, topic, partition, count: 0 };
    entry.count++;
    this.counts.set(key, entry);
  }
}
