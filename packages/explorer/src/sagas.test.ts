import { causationOrder, createSagaStore, hopMs, summarize, type SeenEvent } from "./sagas";

const orderId = "3f1f2d4e-0000-4000-8000-000000000001";
let counter = 0;
function event(eventType: string, producer: string, at: number, causationId: string | null, extra: object = {}): SeenEvent {
  counter++;
  return {
    eventId: `e${counter}`, eventType, producer, orderId, occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, at)).toISOString(),
    causationId, topic: "t", partition: 0, offset: String(counter), headers: {}, payload: { eventType, ...extra },
  };
}

test("when events arrive out of order, then causation order puts each after its cause and the hop is the time since it", () => {
  const placed = event("OrderPlaced", "order", 0, null);
  const reserved = event("StockReserved", "inventory", 40, placed.eventId);
  const captured = event("PaymentCaptured", "payment", 90, reserved.eventId);
  const ordered = causationOrder([captured, placed, reserved]);
  expect(ordered.map((e) => e.eventType)).toEqual(["OrderPlaced", "StockReserved", "PaymentCaptured"]);
  expect(ordered.map((e) => hopMs(e, ordered))).toEqual([null, 40, 50]);
});

test("when a declined card is cancelled, then the saga is CANCELLED with its reason, the failure and the compensation marked", () => {
  const store = createSagaStore(10);
  const placed = event("OrderPlaced", "order", 0, null);
  const reserved = event("StockReserved", "inventory", 10, placed.eventId);
  const failed = event("PaymentFailed", "payment", 20, reserved.eventId);
  const cancelled = event("OrderCancelled", "order", 30, failed.eventId, { reason: "payment_declined" });
  const released = event("StockReleased", "inventory", 45, cancelled.eventId);
  for (const e of [placed, reserved, failed, cancelled, released]) store.add(e);
  const summary = summarize(store.get(orderId)!);
  expect(summary).toMatchObject({ state: "CANCELLED", reason: "payment_declined", durationMs: 30 });
  expect(summary.steps.map((s) => s.kind)).toEqual(["progress", "progress", "failure", "outcome", "compensation"]);
});

test("when a final order receives a late fact, then it stays final", () => {
  const store = createSagaStore(10);
  const placed = event("OrderPlaced", "order", 0, null);
  store.add(placed);
  store.add(event("OrderCancelled", "order", 30, placed.eventId, { reason: "timeout" }));
  store.add(event("PaymentCaptured", "payment", 40, placed.eventId));
  expect(store.get(orderId)).toMatchObject({ state: "CANCELLED", reason: "timeout" });
});

test("when the same event arrives twice, then the saga holds it once", () => {
  const store = createSagaStore(10);
  const placed = event("OrderPlaced", "order", 0, null);
  store.add(placed);
  store.add({ ...placed });
  expect(store.get(orderId)!.events).toHaveLength(1);
});

test("when more sagas arrive than it keeps, then the oldest are forgotten and the newest listed first", () => {
  const store = createSagaStore(2);
  for (const id of ["a", "b", "c"]) store.add({ ...event("OrderPlaced", "order", 0, null), orderId: id });
  expect(store.list().map((saga) => saga.orderId)).toEqual(["c", "b"]);
  expect(store.get("a")).toBeUndefined();
});

test("when the first event carries a traceparent, then the saga knows its trace id", () => {
  const store = createSagaStore(2);
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  store.add({ ...event("OrderPlaced", "order", 0, null), headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
  expect(store.get(orderId)!.traceId).toBe(traceId);
});
