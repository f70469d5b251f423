/**
 * Forged events, end to end: a credential can leak (ARCHITECTURE §10), so the services do not
 * take a well-formed event on trust. An outsider writes correctly encoded events straight to the
 * topics (support/forger.ts) while order, inventory, payment, warehouse and email run as real
 * processes; everything is checked from outside, through the services' HTTP APIs, their
 * /metrics and the dead letter topic.
 *
 * The three defences: a fact that contradicts what a service knows is not acted on (it is logged
 * and counted in contradicting_events_total); a capture is believed only for the order's total;
 * an event naming a producer other than its topic's owner is dead-lettered before any handler.
 */
import { randomUUID } from "node:crypto";
import { freePort, waitFor } from "@shop/infra";
import { startSmtpSink } from "@shop/infra/src/smtp-sink";
import { freshDatabase, startService, useEnvironment, type FreshDatabase, type ServiceProcess } from "@shop/testkit";
import { lookupSchemaIds } from "@shop/contracts";
import { schemaRegistryCodec } from "@shop/messaging";
import { connectForger, contradictions, deadLettersOf, waitForContradictions, type Forger } from "../support/forger";
import { readRawMessages } from "../support/raw-topics";
import { startSagaSystem, type SagaSystem } from "../support/saga-system";

// Each test waits for its order to be final (up to 30 s), forges an event, and waits up to 30 s for the services' answer.
jest.setTimeout(90_000);

const sku = "TRUST-COAT";
let system: SagaSystem;
let email: { service: ServiceProcess; database: FreshDatabase; sink: { close(): Promise<void> } };
let forger: Forger;

beforeAll(async () => {
  system = await startSagaSystem([{ sku, name: "Coat", price: 12_900, quantity: 100 }], { sagaTimeoutMs: 60_000 });
  const env = useEnvironment();
  const [database, sink] = await Promise.all([freshDatabase("trust_email"), startSmtpSink(await freePort(), () => {})]);
  const service = await startService("email", await freePort(), {
    DATABASE_URL: database.url, KAFKA_BROKERS: env.brokers.join(","), SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
    SCHEMA_REGISTRY_USERNAME: env.schemaRegistry.auth.username, SCHEMA_REGISTRY_PASSWORD: env.schemaRegistry.auth.password, SMTP_URL: sink.url, LOG_LEVEL: "warn",
  });
  email = { service, database, sink };
  forger = await connectForger();
}, 180_000);
afterAll(async () => {
  await forger?.stop();
  await email?.service.stop();
  await email?.database.drop();
  await email?.sink.close();
  await system?.stop();
});

/** The mails email wrote for the order, by kind, once `kind` (when given) has been sent. */
async function mailsOf(orderId: string, kind?: string): Promise<string[]> {
  const mails = () => fetch(`${email.service.url}/emails?orderId=${orderId}`).then((r) => r.json() as Promise<{ kind: string; status: string }[]>);
  if (kind) await waitFor(`the ${kind} of ${orderId} to be sent`, async () => (await mails()).some((m) => m.kind === kind && m.status === "sent"));
  return (await mails()).map((mail) => mail.kind);
}

test("when a capture of 1 cent arrives for an order whose card is declined, then nothing ships, nothing is sold, no receipt goes, and the real PaymentFailed cancels it", async () => {
  await system.services.payment.stop(); // the real outcome must come after the forgery
  const before = await system.stock(sku);
  const { orderId } = await system.placeOrder({ paymentMethod: "tok_decline", items: [{ sku, quantity: 1 }] });
  await waitFor("the stock to be reserved", async () => (await system.order(orderId)).status === "RESERVED");
  await waitFor("the warehouse to know the order's total", async () => (await system.shipment(orderId))?.country === "DE");

  const counted = await Promise.all([contradictions(system.services.order, "PaymentCaptured"), contradictions(system.services.warehouse, "PaymentCaptured")]);
  await forger.send("payments", { eventType: "PaymentCaptured", orderId, producer: "payment", payload: { paymentId: "pay_forged", amount: 1 } });
  await waitForContradictions([system.services.order, system.services.warehouse], "PaymentCaptured", counted);

  const order = await system.order(orderId);
  expect({ status: order.status, history: order.history.map((entry) => entry.eventType) }).toEqual({ status: "RESERVED", history: ["OrderPlaced", "StockReserved"] });
  expect(await system.shipment(orderId)).toMatchObject({ status: "pending" });

  await system.services.payment.start(); // the real charge: declined
  expect(await system.finalOrder(orderId)).toMatchObject({ status: "CANCELLED", reason: "payment_declined" });
  expect(await system.payment(orderId)).toMatchObject({ status: "declined", capturedAmount: 0 });
  await waitFor("the reservation to be released", async () => (await system.stock(sku)).reserved === before.reserved);
  expect(await system.stock(sku)).toMatchObject({ available: before.available, sold: before.sold });
  await waitFor("the warehouse to learn of the cancellation", async () => (await system.shipment(orderId))?.status === "cancelled");
  expect(await system.shipment(orderId)).not.toHaveProperty("shipmentId"); // never booked
  expect(await mailsOf(orderId, "cancellation")).toEqual(["cancellation"]);
});

test("when an OrderCancelled arrives for a confirmed order, then it stays captured, shipped and sold, no cancellation mail goes, and each compensating service counts the contradiction", async () => {
  const { orderId } = await system.placeOrder({ items: [{ sku, quantity: 1 }] });
  expect(await system.finalOrder(orderId)).toMatchObject({ status: "CONFIRMED", total: 12_900 });
  await waitFor("the reservation to become a sale", async () => (await system.stock(sku)).reserved === 0);
  expect(await mailsOf(orderId, "receipt")).toEqual(["receipt"]);
  const stockBefore = await system.stock(sku);
  const compensating = [system.services.payment, system.services.warehouse, system.services.inventory, email.service];
  const counted = await Promise.all(compensating.map((service) => contradictions(service, "OrderCancelled")));

  // A forger with order's credential holds no key to seal an address: it replays the sealed one of the real OrderConfirmed.
  const customerEmail = await sealedEmailOf(orderId);
  await forger.send("orders", { eventType: "OrderCancelled", orderId, producer: "order", payload: { reason: "timeout", customerEmail } });
  await waitForContradictions(compensating, "OrderCancelled", counted);

  expect(await system.order(orderId)).toMatchObject({ status: "CONFIRMED" });
  expect(await system.payment(orderId)).toMatchObject({ status: "captured", capturedAmount: 12_900, refundedAmount: 0 });
  expect(await system.shipment(orderId)).toMatchObject({ status: "scheduled" });
  expect(await system.stock(sku)).toEqual(stockBefore);
  expect(await mailsOf(orderId)).toEqual(["receipt"]);
  expect(await Promise.all(compensating.map((service) => contradictions(service, "OrderCancelled")))).toEqual(counted.map((n) => n + 1));
});

test("when an event on payments names order as its producer, then every consumer of payments dead-letters it with the reason, and no handler sees it", async () => {
  const orderId = randomUUID();
  const eventId = await forger.send("payments", { eventType: "PaymentCaptured", orderId, producer: "order", payload: { paymentId: "pay_forged", amount: 12_900 } });

  const letters = await deadLettersOf("payments", eventId, ["inventory", "order", "warehouse"]);
  const reason = `wrong producer: PaymentCaptured ${eventId} on topic payments names producer "order", but the topic's owner is "payment"`;
  expect(letters).toEqual(["inventory", "order", "warehouse"].map((group) => ({ group, kind: "wrong-producer", error: reason })));
  expect(await system.shipment(orderId)).toBeUndefined(); // the warehouse keeps a row for every order any fact names: it saw none
});

/** The order's e-mail as its OrderConfirmed carries it, sealed (docs/decisions/014). */
async function sealedEmailOf(orderId: string): Promise<string> {
  const env = useEnvironment();
  const codec = schemaRegistryCodec({ ...env.schemaRegistry, schemaIds: await lookupSchemaIds(env.schemaRegistry) });
  const [confirmed] = (await readRawMessages(["orders"]))
    .filter((message) => message.key?.toString() === orderId && message.headers["event-type"] === "OrderConfirmed");
  return ((await codec.decode(confirmed!.value!)) as { customerEmail: string }).customerEmail;
}
