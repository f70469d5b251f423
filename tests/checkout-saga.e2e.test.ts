/**
 * The checkout saga end to end, the way ARCHITECTURE §5 tells it: order, inventory, payment and
 * warehouse as real processes that share nothing but Kafka. After every test, the invariants
 * that must hold whatever happened are checked across the services' HTTP APIs.
 */
import { waitFor } from "@shop/infra";
import { startSagaSystem, traceparentsOf, type Product, type SagaSystem } from "./support/saga-system";

// Each test places orders and waits for every one to be final (finalOrder gives up after 30 s); tests that
// restart services or wait out the saga deadline say how long they may take.
jest.setTimeout(60_000);

const catalog: Product[] = [
  { sku: "E2E-TEE", name: "T-shirt", price: 2000, quantity: 1000 },
  { sku: "E2E-MUG", name: "Mug", price: 1200, quantity: 1000 },
  { sku: "E2E-SCARCE", name: "Scarce poster", price: 500, quantity: 3 },
  { sku: "E2E-LIMITED", name: "Limited print", price: 900, quantity: 10 },
];
let system: SagaSystem;

beforeAll(async () => {
  system = await startSagaSystem(catalog, { sagaTimeoutMs: 8000 });
}, 180_000);
afterAll(() => system?.stop());

/** What must hold after any test: checked from outside, through the services' HTTP APIs only. */
afterEach(async () => {
  const orders = await Promise.all(system.placed.map((orderId) => system.finalOrder(orderId, 60_000)));
  for (const order of orders) {
    const payment = await system.payment(order.orderId);
    const charged = payment ? payment.capturedAmount - payment.refundedAmount : 0;
    if (order.status === "CONFIRMED") {
      expect({ orderId: order.orderId, status: payment?.status, charged }).toEqual({ orderId: order.orderId, status: "captured", charged: order.total });
    } else {
      expect({ orderId: order.orderId, reason: order.reason, charged }).toEqual({ orderId: order.orderId, reason: order.reason, charged: 0 });
    }
  }
  // Stock is conserved, and nothing stays reserved once every order is final (releases and commits are asynchronous).
  for (const product of catalog) {
    await waitFor(`${product.sku}: nothing reserved`, async () => (await system.stock(product.sku)).reserved === 0, { timeoutMs: 30_000 });
    const { available, reserved, sold } = await system.stock(product.sku);
    expect({ sku: product.sku, total: available + reserved + sold, negative: available < 0 }).toEqual({ sku: product.sku, total: product.quantity, negative: false });
  }
}, 180_000);

test("happy path: stock reserved, payment captured, shipment scheduled → CONFIRMED, stock sold", async () => {
  const before = await system.stock("E2E-TEE");
  const { orderId, status } = await system.placeOrder({ items: [{ sku: "E2E-TEE", quantity: 2 }, { sku: "E2E-MUG", quantity: 1 }] });
  expect(status).toBe("PENDING");

  const order = await system.finalOrder(orderId);
  expect(order).toMatchObject({ status: "CONFIRMED", total: 2 * 2000 + 1200 });
  expect(order.history.map((entry) => entry.eventType)).toEqual(
    expect.arrayContaining(["OrderPlaced", "StockReserved", "PaymentCaptured", "ShipmentScheduled", "OrderConfirmed"]));
  expect(await system.payment(orderId)).toMatchObject({ status: "captured", amount: 5200, capturedAmount: 5200, refundedAmount: 0 });
  expect(await system.shipment(orderId)).toMatchObject({ status: "scheduled" });
  await waitFor("the reservation to become a sale", async () => (await system.stock("E2E-TEE")).sold === before.sold + 2);
});

test("out of stock: a line asks for more than is available → CANCELLED/out_of_stock, nothing charged, stock unchanged", async () => {
  const before = await system.stock("E2E-SCARCE");
  const { orderId } = await system.placeOrder({ items: [{ sku: "E2E-TEE", quantity: 1 }, { sku: "E2E-SCARCE", quantity: before.available + 1 }] });

  expect(await system.finalOrder(orderId)).toMatchObject({ status: "CANCELLED", reason: "out_of_stock" });
  expect((await system.payment(orderId))?.status ?? "none").not.toBe("captured");
  expect(await system.stock("E2E-SCARCE")).toMatchObject({ available: before.available, reserved: 0, sold: before.sold });
});

test("payment declined (tok_decline) → CANCELLED/payment_declined, the reservation released", async () => {
  const before = await system.stock("E2E-MUG");
  const { orderId } = await system.placeOrder({ paymentMethod: "tok_decline", items: [{ sku: "E2E-MUG", quantity: 3 }] });

  expect(await system.finalOrder(orderId)).toMatchObject({ status: "CANCELLED", reason: "payment_declined" });
  expect(await system.payment(orderId)).toMatchObject({ status: "declined", refundedAmount: 0 });
  await waitFor("the reservation to be released", async () => (await system.stock("E2E-MUG")).available === before.available);
});

test("fulfillment failed (country ZZ) → CANCELLED/fulfillment_failed, payment refunded, the reservation released", async () => {
  const before = await system.stock("E2E-TEE");
  const { orderId } = await system.placeOrder({ shippingAddress: { name: "Ada", line1: "1 Nowhere", city: "Nowhere", postalCode: "0", country: "ZZ" } });

  expect(await system.finalOrder(orderId)).toMatchObject({ status: "CANCELLED", reason: "fulfillment_failed" });
  await waitFor("the refund", async () => (await system.payment(orderId))?.refundedAmount === 2000);
  await waitFor("the reservation to be released", async () => (await system.stock("E2E-TEE")).available === before.available);
});

test("timeout: payment is down while the order is in flight → CANCELLED/timeout; after payment restarts, nothing is charged", async () => {
  await system.services.payment.stop();
  const { orderId } = await system.placeOrder({ items: [{ sku: "E2E-MUG", quantity: 1 }] });

  expect(await system.finalOrder(orderId, 30_000)).toMatchObject({ status: "CANCELLED", reason: "timeout" });
  await system.services.payment.start();
  // Payment now reads OrderPlaced, StockReserved and OrderCancelled in some order; it must end with no net charge.
  // Cancelled before it charged, or refunded after: either way the order ends at no net charge.
  const settled = await waitFor("payment to have seen the cancellation", async () => {
    const payment = await system.payment(orderId);
    return payment && ["cancelled", "refunded"].includes(payment.status) && payment;
  });
  expect(settled.capturedAmount - settled.refundedAmount).toBe(0);
}, 120_000); // the saga deadline (8 s) within 30 s, then payment restarted and ready

test("50 concurrent orders for a SKU with 10 units → exactly 10 confirmed, never negative stock", async () => {
  const results = await Promise.all(Array.from({ length: 50 }, () => system.placeOrder({ items: [{ sku: "E2E-LIMITED", quantity: 1 }] })));
  const orders = await Promise.all(results.map(({ orderId }) => system.finalOrder(orderId, 60_000)));

  expect(orders.filter((order) => order.status === "CONFIRMED")).toHaveLength(10);
  expect(orders.filter((order) => order.status === "CANCELLED").map((order) => order.reason)).toEqual(Array(40).fill("out_of_stock"));
  expect(await system.stock("E2E-LIMITED")).toMatchObject({ available: 0, sold: 10 });
}, 90_000); // their wait to be final is 60 s

test("the same Idempotency-Key twice → one order", async () => {
  const first = await system.placeOrder({}, "checkout-42");
  const second = await system.placeOrder({}, "checkout-42");
  expect(second.orderId).toBe(first.orderId);
  expect((await system.finalOrder(first.orderId)).status).toBe("CONFIRMED");
});

test("a service killed with SIGKILL mid-saga and restarted → every order still ends final, nothing applied twice", async () => {
  const placing = Array.from({ length: 20 }, (_, i) => system.placeOrder({ items: [{ sku: i % 2 ? "E2E-TEE" : "E2E-MUG", quantity: 1 }] }));
  await system.services.inventory.kill();
  await Promise.all(placing);
  await system.services.inventory.start();
  await system.services.payment.kill();
  await system.services.payment.start();
  // The invariants after this test check the rest: every order final, captured once if confirmed, stock conserved.
}, 120_000); // two services killed and started again, each waited for until ready

test("one checkout is one trace: the request's trace id travels with every event of the saga, across the four services", async () => {
  // The client starts the trace (W3C traceparent); order's HTTP span continues it, and so does
  // every service's handler, through the headers the outbox stores and the relay publishes.
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const { orderId } = await system.placeOrder({}, undefined, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
  expect((await system.finalOrder(orderId)).status).toBe("CONFIRMED");

  const messages = await traceparentsOf(orderId, ["orders", "inventory", "payments", "shipments"], 6);
  expect(messages.map((message) => message.eventType).sort()).toEqual(
    ["OrderConfirmed", "OrderPlaced", "PaymentCaptured", "ShipmentScheduled", "StockCommitted", "StockReserved"]);
  for (const message of messages) expect({ event: message.eventType, traceId: message.traceparent.split("-")[1] }).toEqual({ event: message.eventType, traceId });
});
