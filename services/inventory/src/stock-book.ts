/**
 * One batch's view of the stock, in memory: the products and the reservations of the batch's
 * orders as they were loaded (and locked) from the database. reserve, release, cancel, commit and
 * confirm change this view, event by event, exactly as the rules say, and return the events to publish;
 * changes() then lists what to write back. No I/O here: stock.ts loads, decides with a
 * StockBook, and saves, with a fixed number of statements per batch.
 */
import { newEvent, type EventOf, type OrderLine, type StockLine } from "@shop/contracts";
import { reportContradiction } from "@shop/messaging";
import type { Logger } from "@shop/observability";
import type { ReservationRow, StockRow } from "./db";

/** The envelope of the event that asks for a change: what the new event's causation needs. */
export type Cause = { eventId: string; eventType: string; orderId: string };

type Released = EventOf<"StockReleased">;
type ReservationStatus = ReservationRow["status"];

export class StockBook {
  private readonly products: Map<string, StockRow>;
  private readonly changedSkus = new Set<string>();
  /** Per order, its reservations by SKU. */
  private readonly reservations = new Map<string, Map<string, ReservationRow>>();
  /** Reservations as loaded (to tell a new row from a moved one), and the loaded ones that moved. */
  private readonly loaded = new Set<string>();
  private readonly moved = new Set<string>();
  private readonly releasedOrders: Set<string>;
  private readonly newReleases: { orderId: string; releasedBy: string }[] = [];

  constructor(products: readonly StockRow[], reservations: readonly ReservationRow[], releasedOrders: readonly string[], private readonly logger: Logger) {
    this.products = new Map(products.map((product) => [product.sku, { ...product }]));
    for (const reservation of reservations) {
      this.reservationsOf(reservation.orderId).set(reservation.sku, { ...reservation });
      this.loaded.add(key(reservation));
    }
    this.releasedOrders = new Set(releasedOrders);
  }

  /**
   * OrderPlaced: reserves every line or none, and says which with StockReserved or
   * StockReservationFailed. An order seen before (reserved, or already released) gets nothing.
   */
  reserve(placed: Cause & { items: OrderLine[] }): EventOf<"StockReserved" | "StockReservationFailed"> | undefined {
    const { orderId } = placed;
    if (this.seen(orderId)) {
      this.logger.info({ orderId, eventId: placed.eventId }, "order already reserved or released: nothing to reserve");
      return undefined;
    }
    const lines = stockLines(placed.items);
    const context = { producer: "inventory" as const, causedBy: placed };
    // All or nothing: every line is checked before any unit moves.
    const short = lines.find((line) => line.quantity < 1 || (this.products.get(line.sku)?.available ?? 0) < line.quantity);
    if (short) {
      const product = this.products.get(short.sku);
      const reason = !product ? `unknown sku ${short.sku}`
        : short.quantity < 1 ? `invalid quantity ${short.quantity} of ${short.sku}`
        : `only ${product.available} of ${short.sku} available, ${short.quantity} asked`;
      this.logger.info({ orderId, sku: short.sku, reason }, "stock reservation failed");
      return newEvent("StockReservationFailed", { orderId, reason, sku: short.sku }, context);
    }
    for (const { sku, quantity } of lines) {
      this.move(sku, quantity, "available", "reserved");
      this.reservationsOf(orderId).set(sku, { orderId, sku, quantity, status: "reserved", orderConfirmed: false });
    }
    return newEvent("StockReserved", { orderId, items: lines }, context);
  }

  /**
   * PaymentFailed, ShipmentFailed, OrderCancelled: gives the order's reserved units back and says
   * so with StockReleased, once. Reservations already released or committed stay as they are.
   */
  release(cause: Cause): Released | undefined {
    const { orderId } = cause;
    const items = this.moveReservations(orderId, "reserved", "released");
    if (items.length === 0) {
      // Nothing held: remember the release, so that an OrderPlaced arriving after it reserves nothing.
      if (!this.seen(orderId)) {
        this.releasedOrders.add(orderId);
        this.newReleases.push({ orderId, releasedBy: cause.eventType });
      }
      this.logger.info({ orderId, eventType: cause.eventType }, "nothing reserved to release");
      return undefined;
    }
    for (const { sku, quantity } of items) this.move(sku, quantity, "reserved", "available");
    return newEvent("StockReleased", { orderId, items }, { producer: "inventory", causedBy: cause });
  }

  /**
   * OrderCancelled: the order will not be fulfilled, whatever crossed the cancellation. Reserved
   * units go back (release), and so do units already sold to it: a saga deadline can pass while
   * ShipmentScheduled is on its way, and a cancelled order must end with nothing sold, as it ends
   * with nothing charged (payment refunds) and nothing shipped (warehouse cancels the shipment).
   * But a confirmed order is final: an OrderCancelled after OrderConfirmed contradicts it (a
   * credential can leak), and is reported instead of taking anything back.
   */
  cancel(cancelled: Cause): Released[] {
    if (this.confirmed(cancelled.orderId)) {
      reportContradiction(this.logger, { event: cancelled, contradicts: "the order was confirmed" });
      return [];
    }
    const released = this.release(cancelled);
    const items = this.moveReservations(cancelled.orderId, "committed", "released");
    if (items.length === 0) return released ? [released] : [];
    for (const { sku, quantity } of items) this.move(sku, quantity, "sold", "available");
    this.logger.warn({ orderId: cancelled.orderId }, "order cancelled after its stock was committed: the sale is taken back");
    const unsold = newEvent("StockReleased", { orderId: cancelled.orderId, items }, { producer: "inventory", causedBy: cancelled });
    return released ? [released, unsold] : [unsold];
  }

  /** ShipmentScheduled: the reserved units are sold (StockCommitted), unless a release came first. */
  commit(scheduled: Cause): EventOf<"StockCommitted"> | undefined {
    const { orderId } = scheduled;
    const items = this.moveReservations(orderId, "reserved", "committed");
    if (items.length === 0) {
      this.logger.warn({ orderId, eventId: scheduled.eventId }, "shipment scheduled but nothing reserved (released first, or committed already): nothing to commit");
      return undefined;
    }
    for (const { sku, quantity } of items) this.move(sku, quantity, "reserved", "sold");
    return newEvent("StockCommitted", { orderId, items }, { producer: "inventory", causedBy: scheduled });
  }

  /** OrderConfirmed: the order is final; its reservations remember it, so that no later OrderCancelled takes the sale back. */
  confirm(confirmed: Cause): void {
    const reservations = [...(this.reservations.get(confirmed.orderId)?.values() ?? [])];
    if (reservations.length === 0) this.logger.warn({ orderId: confirmed.orderId }, "order confirmed but nothing reserved for it");
    for (const reservation of reservations) {
      reservation.orderConfirmed = true;
      if (this.loaded.has(key(reservation))) this.moved.add(key(reservation));
    }
  }

  /** What to write back: changed stock counts, new and moved reservations, releases to remember. */
  changes() {
    const reservations = [...this.reservations.values()].flatMap((bySku) => [...bySku.values()]);
    return {
      products: [...this.changedSkus].map((sku) => this.products.get(sku)!),
      newReservations: reservations.filter((reservation) => !this.loaded.has(key(reservation))),
      movedReservations: reservations.filter((reservation) => this.moved.has(key(reservation))),
      newReleases: this.newReleases,
    };
  }

  private confirmed(orderId: string): boolean {
    return [...(this.reservations.get(orderId)?.values() ?? [])].some((reservation) => reservation.orderConfirmed);
  }

  /** Whether the order has reservations (in any status) or was released before any. */
  private seen(orderId: string): boolean {
    return (this.reservations.get(orderId)?.size ?? 0) > 0 || this.releasedOrders.has(orderId);
  }

  private reservationsOf(orderId: string): Map<string, ReservationRow> {
    let bySku = this.reservations.get(orderId);
    if (!bySku) this.reservations.set(orderId, (bySku = new Map()));
    return bySku;
  }

  /** Moves the order's reservations in status `from` to `to`; returns them, by SKU. Any other status is left alone: every repeat is a no-op. */
  private moveReservations(orderId: string, from: ReservationStatus, to: ReservationStatus): StockLine[] {
    const moved: StockLine[] = [];
    for (const reservation of this.reservations.get(orderId)?.values() ?? []) {
      if (reservation.status !== from) continue;
      reservation.status = to;
      if (this.loaded.has(key(reservation))) this.moved.add(key(reservation));
      moved.push({ sku: reservation.sku, quantity: reservation.quantity });
    }
    return moved.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  }

  /** `quantity` units of `sku` go from one column to another (a unit is in exactly one of them). */
  private move(sku: string, quantity: number, from: "available" | "reserved" | "sold", to: "available" | "reserved" | "sold"): void {
    const product = this.products.get(sku)!; // loaded for every SKU the batch's orders name
    product[from] -= quantity;
    product[to] += quantity;
    this.changedSkus.add(sku);
  }
}

const key = ({ orderId, sku }: { orderId: string; sku: string }) => `${orderId}/${sku}`;

/** An order's lines as one line per SKU (quantities summed), sorted by SKU. */
export function stockLines(items: readonly { sku: string; quantity: number }[]): StockLine[] {
  const bySku = new Map<string, number>();
  for (const { sku, quantity } of items) bySku.set(sku, (bySku.get(sku) ?? 0) + quantity);
  return [...bySku].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
}
