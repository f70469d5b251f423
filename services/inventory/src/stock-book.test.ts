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
    newReservations: [{ orderId: "o-2", sku: "A", quantity: 2, status: "reserved" }],
    movedReservations: [],
    newReleases: [],
  });
});

test("when a loaded reservation is committed and a new one released, then changes() moves the first and inserts the second as released", () => {
  const loaded: ReservationRow = { orderId: "o-1", sku: "A", quantity: 1, status: "reserved" };
  const book = new StockBook([product("A", 4, 1)], [loaded], [], logger);

  expect(book.commit(fact("ShipmentScheduled", "o-1"))).toMatchObject({ eventType: "StockCommitted" });
  book.reserve(placed("o-2", ["A", 3]));
  expect(book.release(fact("PaymentFailed", "o-2"))).toMatchObject({ eventType: "StockReleased", items: [{ sku: "A", quantity: 3 }] });
  expect(book.release(fact("PaymentFailed", "o-2"))).toBeUndefined(); // a repeat changes nothing

  expect(book.changes()).toEqual({
    products: [{ ...product("A", 4, 0), sold: 1 }],
    newReservations: [{ orderId: "o-2", sku: "A", quantity: 3, status: "released" }],
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
