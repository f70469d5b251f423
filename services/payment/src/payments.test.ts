/**
 * The payment rules against a real PostgreSQL and outbox: events go through the service's
 * handler map (events.ts) in a transaction, as the inbox would call it, and the tests read
 * what ended up in the outbox. Redeliveries bypass the inbox on purpose: the rules alone must
 * not charge or refund twice.
 */
import { randomUUID } from "node:crypto";
import { newEvent, type CancellationReason, type ShopEvent } from "@shop/contracts";
import { silentLogger, withTransaction } from "@shop/messaging";
import { statementsDuring } from "@shop/testkit";
import { eventHandler } from "./events";
import type { PaymentRow } from "./db";
import { applyFact, contradiction, getPayment, nextStep, type Step } from "./payments";
import { testDatabase } from "@shop/service-kit/testing";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let db: Awaited<ReturnType<typeof testDatabase>>;
let handle: ReturnType<typeof eventHandler>;
beforeAll(async () => {
  db = await testDatabase("payment");
  handle = eventHandler({ outbox: db.outbox, logger: silentLogger });
});
afterAll(() => db.drop());

/** The events as one batch of the inbox (a redelivered one included: the rules alone must hold). */
const deliverBatch = (events: ShopEvent[]) =>
  withTransaction(db.pool, (tx) => handle(events.map((event, i) => ({ event, traceContext: undefined, headers: {}, topic: "test", partition: 0, offset: String(i) })), tx));
const deliver = (event: ShopEvent) => deliverBatch([event]);

const placed = (orderId: string, paymentMethod = "tok_visa") => newEvent("OrderPlaced", {
  orderId, customerId: "customer-1", items: [{ sku: "BOOK-1", quantity: 2, unitPrice: 1999 }], total: 3998, paymentMethod,
  shippingAddress: { name: "Ada Lovelace", line1: "12 St James's Square", city: "London", postalCode: "SW1Y 4JH", country: "GB" },
  couponCode: null,
}, { producer: "order" });
const reserved = (orderId: string) => newEvent("StockReserved", { orderId, items: [{ sku: "BOOK-1", quantity: 2 }] }, { producer: "inventory" });
const cancelled = (orderId: string, reason: CancellationReason) =>
  newEvent("OrderCancelled", { orderId, reason, customerEmail: "ada@example.com" }, { producer: "order" });
const shipmentFailed = (orderId: string) => newEvent("ShipmentFailed", { orderId, reason: "cannot ship to ZZ" }, { producer: "warehouse" });

const types = async (orderId: string) => (await db.outboxEvents(orderId)).map((event) => event.eventType);

describe("capturing", () => {
  test("when OrderPlaced then StockReserved arrive, then the order is captured once, caused by StockReserved", async () => {
    const orderId = randomUUID();
    const reservation = reserved(orderId);
    await deliver(placed(orderId));
    expect(await types(orderId)).toEqual([]); // no charge before the stock is reserved
    await deliver(reservation);

    expect(await db.outboxEvents(orderId)).toEqual([expect.objectContaining({
      eventType: "PaymentCaptured", orderId, amount: 3998, paymentId: expect.stringMatching(/^pay_/),
      producer: "payment", causationId: reservation.eventId,
    })]);
    expect(await getPayment(db.pool, orderId)).toEqual({
      orderId, status: "captured", amount: 3998, capturedAmount: 3998, refundedAmount: 0, paymentId: expect.stringMatching(/^pay_/),
    });
  });

  test("when StockReserved arrives before OrderPlaced, then the order is captured once OrderPlaced arrives", async () => {
    const orderId = randomUUID();
    await deliver(reserved(orderId));
    expect(await getPayment(db.pool, orderId)).toMatchObject({ status: "pending", amount: null, capturedAmount: 0 });
    await deliver(placed(orderId));
    expect(await types(orderId)).toEqual(["PaymentCaptured"]);
  });

  test("when every event is delivered twice, then the order is captured once", async () => {
    const orderId = randomUUID();
    const [order, reservation] = [placed(orderId), reserved(orderId)];
    for (const event of [order, reservation, order, reservation]) await deliver(event);
    expect(await types(orderId)).toEqual(["PaymentCaptured"]);
  });

  test("when OrderPlaced and StockReserved are handled at the same time, then the order is captured once", async () => {
    const orderId = randomUUID();
    await Promise.all([deliver(placed(orderId)), deliver(reserved(orderId))]);
    expect(await types(orderId)).toEqual(["PaymentCaptured"]);
  });

  test("when StockReserved and OrderCancelled are handled at the same time, then the net charge is 0", async () => {
    const orderId = randomUUID();
    await deliver(placed(orderId));
    await Promise.all([deliver(reserved(orderId)), deliver(cancelled(orderId, "timeout"))]);
    // Either the cancel came first (nothing charged) or the charge did (then refunded): never a charge alone.
    expect([[], ["PaymentCaptured", "PaymentRefunded"]]).toContainEqual(await types(orderId));
    const payment = await getPayment(db.pool, orderId);
    expect(payment!.capturedAmount - payment!.refundedAmount).toBe(0);
  });

  test("when the card is tok_decline, then PaymentFailed (card_declined), and a later cancellation refunds nothing", async () => {
    const orderId = randomUUID();
    await deliver(placed(orderId, "tok_decline"));
    await deliver(reserved(orderId));
    await deliver(cancelled(orderId, "payment_declined"));

    expect(await db.outboxEvents(orderId)).toEqual([expect.objectContaining({ eventType: "PaymentFailed", orderId, reason: "card_declined" })]);
    expect(await getPayment(db.pool, orderId)).toEqual({
      orderId, status: "declined", amount: 3998, capturedAmount: 0, refundedAmount: 0, reason: "card_declined",
    });
  });
});

describe("cancelling and refunding", () => {
  test("when OrderCancelled arrives before StockReserved, then the order is never charged", async () => {
    const orderId = randomUUID();
    await deliver(placed(orderId));
    await deliver(cancelled(orderId, "timeout"));
    await deliver(reserved(orderId)); // late: payment was down, say

    expect(await types(orderId)).toEqual([]);
    expect(await getPayment(db.pool, orderId)).toMatchObject({ status: "cancelled", capturedAmount: 0, refundedAmount: 0 });
  });

  test("when OrderCancelled is the first thing payment hears of an order, then the order is never charged", async () => {
    const orderId = randomUUID();
    for (const event of [cancelled(orderId, "timeout"), reserved(orderId), placed(orderId)]) await deliver(event);
    expect(await types(orderId)).toEqual([]);
  });

  test("when the order is captured and then cancelled, then it is refunded once, in full", async () => {
    const orderId = randomUUID();
    const cancellation = cancelled(orderId, "timeout");
    for (const event of [placed(orderId), reserved(orderId), cancellation, cancellation, reserved(orderId)]) await deliver(event);

    const [captured, refunded, ...more] = await db.outboxEvents(orderId);
    expect(more).toEqual([]);
    expect(refunded).toMatchObject({ eventType: "PaymentRefunded", amount: 3998, causationId: cancellation.eventId });
    expect(refunded).toMatchObject({ paymentId: (captured as { paymentId: string }).paymentId });
    expect(await getPayment(db.pool, orderId)).toMatchObject({ status: "refunded", capturedAmount: 3998, refundedAmount: 3998 });
  });

  test("when shipping fails, then the order is refunded once, and the cancellation that follows refunds nothing more", async () => {
    const orderId = randomUUID();
    const failure = shipmentFailed(orderId);
    for (const event of [placed(orderId), reserved(orderId), failure, failure, cancelled(orderId, "fulfillment_failed")]) await deliver(event);

    expect(await types(orderId)).toEqual(["PaymentCaptured", "PaymentRefunded"]);
    expect(await getPayment(db.pool, orderId)).toMatchObject({ status: "refunded", refundedAmount: 3998 });
  });

  test("when payment has never heard of an order, then GET says so with undefined", async () => {
    expect(await getPayment(db.pool, randomUUID())).toBeUndefined();
  });
});

describe("a cancellation after the order was confirmed (a forged event: a credential can leak)", () => {
  const confirmed = (orderId: string) => newEvent("OrderConfirmed", {
    orderId, customerEmail: "ada@example.com", items: [{ sku: "BOOK-1", quantity: 2, unitPrice: 1999 }], total: 3998,
  }, { producer: "order" });

  test("when OrderCancelled arrives after OrderConfirmed, then nothing is refunded and the payment stays captured", async () => {
    const orderId = randomUUID();
    await deliverBatch([placed(orderId), reserved(orderId), confirmed(orderId)]);
    await deliver(cancelled(orderId, "timeout"));
    await deliver(shipmentFailed(orderId));

    expect(await types(orderId)).toEqual(["PaymentCaptured"]);
    expect(await getPayment(db.pool, orderId)).toMatchObject({ status: "captured", capturedAmount: 3998, refundedAmount: 0 });
  });

  test("when the confirmation and the cancellation come in one batch, then the cancellation sees the confirmation and is logged as a contradiction", async () => {
    const orderId = randomUUID();
    const forged = cancelled(orderId, "timeout");
    const warnings: object[] = [];
    const recording = eventHandler({ outbox: db.outbox, logger: { ...silentLogger, warn: (fields) => void warnings.push(fields) } });
    const batch = [placed(orderId), reserved(orderId), confirmed(orderId), forged];
    await withTransaction(db.pool, (tx) => recording(batch.map((event, i) => ({ event, traceContext: undefined, headers: {}, topic: "test", partition: 0, offset: String(i) })), tx));

    expect(await types(orderId)).toEqual(["PaymentCaptured"]);
    expect(warnings).toEqual([{ orderId, eventType: "OrderCancelled", eventId: forged.eventId, contradicts: "the order was confirmed" }]);
  });

  test("when a cancellation meets a confirmed row, then applyFact leaves the row as it was and names the contradiction", () => {
    const row = {
      orderId: "o", status: "captured", order: { amount: 100, paymentMethod: "tok_visa" }, stockReserved: true, cancelled: false, orderConfirmed: true,
      capture: { paymentId: "p", amount: 100 }, reason: null,
    } as const;
    const forged = cancelled(randomUUID(), "timeout");
    expect(applyFact(row, forged)).toEqual({ payment: row, contradicts: "the order was confirmed" });
    expect(contradiction(row, shipmentFailed("o"))).toBe("the order was confirmed");
    expect(contradiction({ ...row, orderConfirmed: false }, forged)).toBeUndefined(); // in flight: a cancellation is the saga's own
    expect(contradiction(row, placed("o"))).toBeUndefined();
  });
});

describe("a batch of facts at once", () => {
  test("when one batch holds several orders' facts, a redelivery and a cancellation among them, then each order ends as if its facts came one by one, in four statements", async () => {
    const [paid, declined, cancelledFirst, refunded] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const cancellation = cancelled(refunded, "timeout");
    const batch = [
      placed(paid), placed(declined, "tok_decline"), cancelled(cancelledFirst, "timeout"), placed(refunded),
      reserved(paid), reserved(declined), reserved(cancelledFirst), placed(cancelledFirst), reserved(refunded), cancellation, cancellation,
    ];
    const statements = await statementsDuring(db.pool, () => deliverBatch(batch));

    expect(await types(paid)).toEqual(["PaymentCaptured"]);
    expect(await types(declined)).toEqual(["PaymentFailed"]);
    expect(await types(cancelledFirst)).toEqual([]);
    expect(await types(refunded)).toEqual(["PaymentCaptured", "PaymentRefunded"]);
    expect(await db.outboxEvents(refunded)).toEqual([
      expect.objectContaining({ causationId: batch[8]!.eventId }), expect.objectContaining({ causationId: cancellation.eventId }),
    ]);
    expect((await getPayment(db.pool, cancelledFirst))!.status).toBe("cancelled");
    expect((await getPayment(db.pool, refunded))!).toMatchObject({ status: "refunded", refundedAmount: 3998 });
    expect(statements).toBe(4); // create rows, lock them, save them, add the events: not per event
  });
});

describe("the rules", () => {
  const order = { amount: 100, paymentMethod: "tok_visa" };
  const capture = { paymentId: "p", amount: 100 };
  const row: PaymentRow = { orderId: "o", status: "pending", order, stockReserved: false, cancelled: false, orderConfirmed: false, capture: null, reason: null };
  test.each<[Partial<PaymentRow>, Step | undefined]>([
    [{}, undefined],
    [{ stockReserved: true }, { step: "charge", order }],
    [{ stockReserved: true, order: null }, undefined],
    [{ stockReserved: true, cancelled: true }, { step: "cancel" }],
    [{ status: "captured", capture }, undefined],
    [{ status: "captured", capture, cancelled: true }, { step: "refund", capture }],
    [{ status: "declined", cancelled: true }, undefined],
    [{ status: "refunded", capture, cancelled: true }, undefined],
    [{ status: "cancelled", stockReserved: true, cancelled: true }, undefined],
  ])("when the payment is %j, then the next step is %j", (change, step) => {
    expect(nextStep({ ...row, ...change } as PaymentRow)).toEqual(step);
  });
});
