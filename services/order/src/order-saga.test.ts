import { contradiction, isFinal, nextStatus, type OrderStatus, type SagaFact } from "./order-saga";

describe("the order saga", () => {
  test.each<[OrderStatus, SagaFact, OrderStatus, string | undefined]>([
    // The happy path, one fact at a time.
    ["PENDING", "StockReserved", "RESERVED", undefined],
    ["RESERVED", "PaymentCaptured", "PAID", undefined],
    ["PAID", "ShipmentScheduled", "CONFIRMED", undefined],
    // Facts arriving before the ones they imply (different topics, no order between them).
    ["PENDING", "PaymentCaptured", "PAID", undefined],
    ["PENDING", "ShipmentScheduled", "CONFIRMED", undefined],
    ["RESERVED", "ShipmentScheduled", "CONFIRMED", undefined],
    // Every failure, from every status it can happen in.
    ["PENDING", "StockReservationFailed", "CANCELLED", "out_of_stock"],
    ["PENDING", "PaymentFailed", "CANCELLED", "payment_declined"],
    ["RESERVED", "PaymentFailed", "CANCELLED", "payment_declined"],
    ["PENDING", "ShipmentFailed", "CANCELLED", "fulfillment_failed"],
    ["RESERVED", "ShipmentFailed", "CANCELLED", "fulfillment_failed"],
    ["PAID", "ShipmentFailed", "CANCELLED", "fulfillment_failed"],
    ["PENDING", "DeadlinePassed", "CANCELLED", "timeout"],
    ["RESERVED", "DeadlinePassed", "CANCELLED", "timeout"],
    ["PAID", "DeadlinePassed", "CANCELLED", "timeout"],
  ])("when %s and %s arrives, then it becomes %s (reason %s)", (from, fact, to, reason) => {
    expect(nextStatus(from, fact)).toEqual(reason ? { to, reason } : { to });
  });

  test.each<[OrderStatus, SagaFact]>([
    // Duplicates and facts already implied by the status.
    ["RESERVED", "StockReserved"],
    ["PAID", "StockReserved"],
    ["PAID", "PaymentCaptured"],
    // A payment fact for an order already past payment (cannot happen in order, but must not regress it).
    ["PAID", "PaymentFailed"],
    ["RESERVED", "StockReservationFailed"],
  ])("when %s and %s arrives, then nothing changes", (from, fact) => {
    expect(nextStatus(from, fact)).toBeUndefined();
  });

  const facts: SagaFact[] = [
    "StockReserved", "StockReservationFailed", "PaymentCaptured", "PaymentFailed",
    "ShipmentScheduled", "ShipmentFailed", "DeadlinePassed",
  ];
  test.each<OrderStatus>(["CONFIRMED", "CANCELLED"])("when the order is %s, then no fact changes it", (status) => {
    expect(isFinal(status)).toBe(true);
    for (const fact of facts) expect(nextStatus(status, fact)).toBeUndefined();
  });
});

describe("facts that contradict the order", () => {
  test("when a capture is exactly the order total, then it contradicts nothing", () => {
    expect(contradiction(12_900, "PaymentCaptured", 12_900)).toBeUndefined();
  });

  test.each([[1], [12_899], [12_901], [undefined]])("when a capture of %s cents arrives for a total of 12900, then it contradicts the order", (amount) => {
    expect(contradiction(12_900, "PaymentCaptured", amount)).toBe(`captured ${amount} cents, the order total is 12900`);
  });

  test("when any other fact arrives, then no amount is asked of it", () => {
    const others: SagaFact[] = ["StockReserved", "StockReservationFailed", "PaymentFailed", "ShipmentScheduled", "ShipmentFailed", "DeadlinePassed"];
    for (const fact of others) expect(contradiction(12_900, fact, undefined)).toBeUndefined();
  });
});
