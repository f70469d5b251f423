/** The rules in memory: no database, only a StockBook and the events it returns. */
import { randomUUID } from "node:crypto";
import { createLogger } from "@shop/observability";
import type { ReservationRow, StockRow } from "./db";
import { StockBook } from "./stock-book";

const logger = createLogger("inventory", "silent");
const product = (sku: string, available: number, reserved = 0): StockRow => ({ sku, name: sku, price: 100, available, reserved, sold: 0 });
const placed = (orderId: string, ...items: [string, number][]) =>
  ({ eventId: randomUUID(), eventType: "OrderPlaced", orderId, items: items.map(([sku, quantity]) => ({ sku, quantity, unitPrice: 1 })) });
const fact = (eventType: string, orderId: string) => ({ eventId: randomUUID(), eventType, orderId });

test("when an order's second line is short, then none of its lines is taken and the next order gets the units", () => {
  const book = new StockBook([product("A", 2), product("B", 1)], [], [], logger);

  expect(book.reserve(placed("o-1", ["A", 2], ["B", 2]))).toMatchObject({ eventType: "StockReservationFailed", sku: "B", reason: "only 1 of B available, 2 asked" });
  expect(book.reserve(placed("o-2", ["A", 2]))).toMatchObject({ eventType: "StockReserved", items: [{ sku: "A", quantity: 2 }] });
  expect(book.changes()).toEqual({
    products: [product("A", 0, 2)],
    newReservations: [{ orderId: "o-2", sku: "A", quantity: 2, status: "reserved", orderConfirmed: false }],
    movedReservations: [],
    newReleases: [],
  });
});

test("when a loaded reservation is committed and a new one released, then changes() moves the first and inserts the second as released", () => {
  const loaded: ReservationRow = { orderId: "o-1", sku: "A", quantity: 1, status: "reserved", orderConfirmed: false };
  const book = new StockBook([product("A", 4, 1)], [loaded], [], logger);

  expect(book.commit(fact("ShipmentScheduled", "o-1"))).toMatchObject({ eventType: "StockCommitted" });
  book.reserve(placed("o-2", ["A", 3]));
  expect(book.release(fact("PaymentFailed", "o-2"))).toMatchObject({ eventType: "StockReleased", items: [{ sku: "A", quantity: 3 }] });
  expect(book.release(fact("PaymentFailed", "o-2"))).toBeUndefined(); // a repeat changes nothing

  expect(book.changes()).toEqual({
    products: [{ ...product("A", 4, 0), sold: 1 }],
    newReservations: [{ orderId: "o-2", sku: "A", quantity: 3, status: "released", orderConfirmed: false }],
    movedReservations: [{ ...loaded, status: "committed" }],
    newReleases: [],
  });
});

test("when a release finds nothing, then it is remembered once and a later OrderPlaced of that order reserves nothing", () => {
  const book = new StockBook([product("A", 4)], [], [], logger);

  expect(book.release(fact("OrderCancelled", "o-1"))).toBeUndefined();
  expect(book.cancel(fact("OrderCancelled", "o-1"))).toEqual([]);
  expect(book.reserve(placed("o-1", ["A", 1]))).toBeUndefined();
  expect(book.changes()).toEqual({ products: [], newReservations: [], movedReservations: [], newReleases: [{ orderId: "o-1", releasedBy: "OrderCancelled" }] });
});

test("when an OrderCancelled arrives after OrderConfirmed, then the sale stays, nothing is released, and the cancellation is logged as a contradiction", () => {
  const lines: string[] = [];
  const recording = createLogger("inventory", "warn", { write: (line: string) => void lines.push(line) });
  const sold: ReservationRow = { orderId: "o-1", sku: "A", quantity: 2, status: "committed", orderConfirmed: false };
  const book = new StockBook([{ ...product("A", 3), sold: 2 }], [sold], [], recording);
  const forged = fact("OrderCancelled", "o-1");

  book.confirm(fact("OrderConfirmed", "o-1"));
  expect(book.cancel(forged)).toEqual([]);
  expect(book.changes()).toEqual({ products: [], newReservations: [], movedReservations: [{ ...sold, orderConfirmed: true }], newReleases: [] });
  expect(lines.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({
    level: "warn", orderId: "o-1", eventType: "OrderCancelled", eventId: forged.eventId, contradicts: "the order was confirmed",
  })]);
});

test("when an order is cancelled before any confirmation, then the sale is taken back as before (the saga's own timeout)", () => {
  const sold: ReservationRow = { orderId: "o-1", sku: "A", quantity: 2, status: "committed", orderConfirmed: false };
  const book = new StockBook([{ ...product("A", 3), sold: 2 }], [sold], [], logger);
  expect(book.cancel(fact("OrderCancelled", "o-1"))).toMatchObject([{ eventType: "StockReleased", items: [{ sku: "A", quantity: 2 }] }]);
});
