/**
 * Personal data across the whole system (docs/decisions/014), with the six services as real
 * processes on the run's Kafka, registry and PostgreSQL: every saga path for two customers, then
 * what a broker-level reader sees, which service can open which field, what erasure does, and
 * what `pnpm demo` leaves in the logs. The tests run in order and build on each other.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { Kafka, logLevel } from "kafkajs";
import { lookupSchemaIds, personalFields, topicOwners, topics, type PersonalField } from "@shop/contracts";
import { freePort, startSmtpSink, waitFor } from "@shop/infra";
import { freshDatabase, saslOf, startService, useEnvironment, type FreshDatabase, type ServiceProcess } from "@shop/testkit";
import { createKeyring, followKeyTopic, localKek, schemaRegistryCodec, type Keyring } from "@shop/messaging";
import { readRawMessages, textOf, type RawMessage } from "../support/raw-topics";
import { startSagaSystem, type OrderRequest, type Product, type SagaSystem } from "../support/saga-system";

// The services run for the whole file; each test reads topics or waits for mails. Tests with longer waits say so.
jest.setTimeout(60_000);

const env = useEnvironment();
const repoRoot = path.resolve(__dirname, "..", "..");
const run = randomUUID().slice(0, 8);
const customer = (who: string, name: string): Partial<OrderRequest> => ({
  customerId: `privacy-${who}-${run}`, email: `${who}.${run}@example.com`, items: [{ sku: "PRIV-TEE", quantity: 1 }],
  shippingAddress: { name: `${name} ${run}`, line1: `${run} Analytical Engine Street`, city: `Town${run}${who}`, postalCode: "N1 9GU", country: "GB" },
});
const ada = customer("ada", "Ada Lovelace");
const grace = customer("grace", "Grace Hopper");
/** What must never be readable on a topic: the e-mail, the name, the street, the city. */
const secretsOf = (c: Partial<OrderRequest>) => [c.email!, c.shippingAddress!.name, c.shippingAddress!.line1, c.shippingAddress!.city];

const catalog: Product[] = [
  { sku: "PRIV-TEE", name: "T-shirt", price: 2000, quantity: 1000 },
  { sku: "PRIV-SCARCE", name: "Scarce poster", price: 500, quantity: 1 },
  // What pnpm demo orders (services/inventory/catalog.json).
  { sku: "TSHIRT-BLK-M", name: "Black T-shirt (M)", price: 1999, quantity: 1000 },
  { sku: "MUG-KAFKA", name: "Kafka mug", price: 1299, quantity: 1000 },
  { sku: "LIMITED-POSTER", name: "Limited poster", price: 2500, quantity: 5 },
];
const emailAdminToken = env.personalDataEnv("email").EMAIL_ADMIN_TOKEN!;

let system: SagaSystem;
let email: ServiceProcess;
let analytics: ServiceProcess;
let smtpLog: string[];
let closeSmtp: () => Promise<void>;
const extraDatabases: FreshDatabase[] = [];
const ordersOf: Record<"ada" | "grace", string[]> = { ada: [], grace: [] };

async function place(who: "ada" | "grace", overrides: Partial<OrderRequest> = {}): Promise<string> {
  const { orderId } = await system.placeOrder({ ...(who === "ada" ? ada : grace), ...overrides });
  ordersOf[who].push(orderId);
  return orderId;
}

const emailsOf = async (orderId: string, token?: string) =>
  (await (await fetch(`${email.url}/emails?orderId=${orderId}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })).json()) as
    { to: string; status: string; kind: string }[];

beforeAll(async () => {
  // LOG_LEVEL info, as pnpm start runs them: the demo test reads these logs. A deadline of 20 s:
  // the paths below must end by their own rule, not by the deadline, on a loaded CI machine too.
  system = await startSagaSystem(catalog, { sagaTimeoutMs: 20_000, logLevel: "info" });
  smtpLog = [];
  const sink = await startSmtpSink(await freePort(), (line) => smtpLog.push(line));
  closeSmtp = sink.close;
  const started = await Promise.all((["email", "analytics"] as const).map(async (name) => {
    const database = await freshDatabase(`privacy_${name}`, undefined, { owner: name });
    extraDatabases.push(database);
    return startService(name, await freePort(), {
      DATABASE_URL: database.url, KAFKA_BROKERS: env.brokers.join(","), SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
      SCHEMA_REGISTRY_USERNAME: env.schemaRegistry.auth.username, SCHEMA_REGISTRY_PASSWORD: env.schemaRegistry.auth.password,
      SMTP_URL: sink.url, LOG_LEVEL: "info",
    });
  }));
  [email, analytics] = started as [ServiceProcess, ServiceProcess];

  // Every path of the saga, for both customers, each ending as its rule says.
  const paths = [
    { outcome: "CONFIRMED", orderId: await place("ada") },
    { outcome: "CONFIRMED", orderId: await place("grace") },
    { outcome: "CANCELLED/out_of_stock", orderId: await place("ada", { items: [{ sku: "PRIV-SCARCE", quantity: 2 }] }) },
    { outcome: "CANCELLED/payment_declined", orderId: await place("ada", { paymentMethod: "tok_decline" }) },
    { outcome: "CANCELLED/fulfillment_failed", orderId: await place("grace", { shippingAddress: { ...grace.shippingAddress!, country: "ZZ" } }) },
  ];
  for (const expected of paths) {
    const { status, reason } = await system.finalOrder(expected.orderId, 60_000);
    expect({ ...expected, outcome: reason ? `${status}/${reason}` : status }).toEqual(expected);
  }
  await system.services.payment.stop(); // timeout
  const late = await place("grace");
  expect(await system.finalOrder(late, 90_000)).toMatchObject({ status: "CANCELLED", reason: "timeout" });
  await system.services.payment.start();
  // One mail per final order, sent: email has read every key and every outcome.
  for (const orderId of [...ordersOf.ada, ...ordersOf.grace]) {
    await waitFor(`the mail of ${orderId}`, async () => (await emailsOf(orderId)).some((mail) => mail.status === "sent"), { timeoutMs: 60_000 });
  }
}, 400_000);

afterAll(async () => {
  await email?.stop();
  await analytics?.stop();
  await system?.stop();
  await closeSmtp?.();
  await Promise.all(extraDatabases.map((database) => database.drop()));
});

test("when every topic's raw bytes are read (dead-letter topics included), then no e-mail, name, street or city is in clear, and the orders' events are there", async () => {
  const messages = await readRawMessages();
  const ours = messages.filter((message) => [...ordersOf.ada, ...ordersOf.grace].includes(message.key?.toString() ?? ""));

  expect(new Set(ours.map((message) => message.topic))).toEqual(new Set(["orders", "inventory", "payments", "shipments", "notifications"]));
  const leaks = messages.flatMap((message) => [...secretsOf(ada), ...secretsOf(grace)].filter((secret) => textOf(message).includes(secret))
    .map((secret) => `${message.topic}: ${secret}`));
  expect(leaks).toEqual([]);
  // The sealed values are there instead.
  expect(ours.filter((message) => message.headers["event-type"] === "OrderPlaced").every((message) => textOf(message).includes("pii:v1:"))).toBe(true);
}, 90_000); // reading every topic may take its 60 s

test("when a dead-lettered copy of an order's event is read, then it carries the sealed values, not the plaintext", async () => {
  const [placed] = (await readRawMessages([topics.orders])).filter((message) =>
    message.key?.toString() === ordersOf.ada[0] && message.headers["event-type"] === "OrderPlaced");
  const poison = Buffer.from(placed!.value!);
  poison[0] = 7; // not the wire format's magic byte: every consumer of orders dead-letters it
  await produceAsAdmin(topics.orders, ordersOf.ada[0]!, poison);

  const dead = await waitFor("the poison in orders.dlq", async () => {
    const found = (await readRawMessages(["orders.dlq"])).filter((message) => message.key?.toString() === ordersOf.ada[0]);
    return found.length > 0 && found;
  }, { timeoutMs: 60_000 });
  for (const message of dead) {
    expect(textOf(message)).toContain("pii:v1:");
    expect(secretsOf(ada).filter((secret) => textOf(message).includes(secret))).toEqual([]);
  }
}, 150_000); // two reads of up to 60 s each

describe("who can open what", () => {
  const services = ["order", "inventory", "payment", "email", "warehouse", "analytics"] as const;

  test("when each service's principal reads the datakeys topic, then only email and warehouse may (order writes it; the others are refused)", async () => {
    const outcomes: Record<string, string> = {};
    for (const service of services) {
      const following = followKeyTopic({
        kafka: { clientId: `e2e-${service}`, brokers: env.brokers, credentials: env.kafkaCredentials(service) },
        service, topic: topics.datakeys, producer: topicOwners.datakeys, codec: await registryCodec(), keyring: createKeyring({}),
      });
      outcomes[service] = await following.then(async (keys) => {
        await keys.stop();
        return "reads";
      }, (error: Error) => (/authori[sz]ation|not authorized/i.test(error.message) ? "refused" : error.message));
    }
    expect(outcomes).toEqual({ order: "refused", inventory: "refused", payment: "refused", email: "reads", warehouse: "reads", analytics: "refused" });
  });

  test("when each service's KEKs open ada's fields (every key given to them), then email opens only the e-mail, warehouse only the address, the others nothing", async () => {
    const opened: Record<string, Record<string, string>> = {};
    for (const service of ["inventory", "payment", "email", "warehouse", "analytics"] as const) {
      const keyring = await keyringOf(service);
      opened[service] = openAll(keyring, await adaEvents());
    }
    const address = ["shippingAddress.name", "shippingAddress.line1", "shippingAddress.city", "shippingAddress.postalCode"];
    const sealedEverywhere = Object.fromEntries(["customerEmail", ...address].map((field) => [field, "cannot open"]));
    expect(opened).toEqual({
      inventory: sealedEverywhere, payment: sealedEverywhere, analytics: sealedEverywhere,
      email: { ...sealedEverywhere, customerEmail: ada.email },
      warehouse: {
        ...sealedEverywhere, "shippingAddress.name": ada.shippingAddress!.name, "shippingAddress.line1": ada.shippingAddress!.line1,
        "shippingAddress.city": ada.shippingAddress!.city, "shippingAddress.postalCode": ada.shippingAddress!.postalCode,
      },
    });
  });
});

describe("erasure", () => {
  test("when ada is erased, then replayed from the beginning her fields are unreadable everywhere, grace's intact, and GET /emails says (erased)", async () => {
    const response = await fetch(`${system.services.order.url}/customers/${ada.customerId}/personal-data`, { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ customerId: ada.customerId, erasedKeys: 2, orders: ordersOf.ada.length });

    await waitFor("email to forget ada's key", async () => (await emailsOf(ordersOf.ada[0]!, emailAdminToken))[0]?.to === "(erased)", { timeoutMs: 30_000 });
    expect((await emailsOf(ordersOf.grace[0]!, emailAdminToken))[0]?.to).toBe(grace.email);
    expect((await emailsOf(ordersOf.grace[0]!))[0]?.to).toBe(`g***@example.com`);

    // A fresh reader with every KEK (order's), its own group, from offset 0 of datakeys and orders.
    const keyring = await keyringOf("order");
    const adas = openAll(keyring, await eventsOf(ordersOf.ada));
    const graces = openAll(keyring, await eventsOf(ordersOf.grace));
    expect(Object.values(adas).length).toBeGreaterThan(0);
    expect(new Set(Object.values(adas))).toEqual(new Set(["erased"]));
    expect(graces).toMatchObject({ customerEmail: grace.email, "shippingAddress.line1": grace.shippingAddress!.line1 });
  }, 90_000);

  test("when ada orders again after her erasure, then she gets new keys and the saga completes; every saga invariant holds", async () => {
    const orderId = await place("ada");
    expect(await system.finalOrder(orderId, 60_000)).toMatchObject({ status: "CONFIRMED" });
    await waitFor("the new receipt", async () => (await emailsOf(orderId, emailAdminToken))[0]?.to === ada.email, { timeoutMs: 60_000 });

    for (const id of [...ordersOf.ada, ...ordersOf.grace]) {
      const order = await system.finalOrder(id);
      const payment = await system.payment(id);
      const charged = payment ? payment.capturedAmount - payment.refundedAmount : 0;
      expect({ id, charged }).toEqual({ id, charged: order.status === "CONFIRMED" ? order.total : 0 });
    }
    for (const product of catalog.slice(0, 2)) {
      await waitFor(`${product.sku}: nothing reserved`, async () => (await system.stock(product.sku)).reserved === 0, { timeoutMs: 30_000 });
      const { available, reserved, sold } = await system.stock(product.sku);
      expect(available + reserved + sold).toBe(product.quantity);
    }
  }, 180_000); // waits of 60 s, 60 s and 30 s, then every order and SKU in turn

  test("when analytics' read model is rebuilt from scratch after the erasure, then it equals the live KPIs", async () => {
    const kpis = async () => (await fetch(`${analytics.url}/kpis`)).json();
    let previous: unknown;
    const live = await waitFor("analytics to be caught up (two equal readings)", async () => {
      const now = await kpis();
      const same = JSON.stringify(now) === JSON.stringify(previous);
      previous = now;
      return same && now;
    }, { timeoutMs: 60_000, intervalMs: 1000 });

    await analytics.stop();
    await promisify(execFile)(process.execPath, ["--import", "tsx", path.join("services", "analytics", "src", "rebuild.ts")], {
      cwd: repoRoot, env: { ...process.env, DATABASE_URL: extraDatabases.find((db) => db.url.includes("analytics"))!.url, LOG_LEVEL: "warn" },
    });
    await analytics.start();

    await waitFor("the rebuilt KPIs to equal the live ones", async () => JSON.stringify(await kpis()) === JSON.stringify(live), { timeoutMs: 90_000 });
  }, 180_000); // waits of 60 s and 90 s around the rebuild command
});

test("when pnpm demo runs against the system, then no log line of any service nor of the SMTP sink holds an e-mail address", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", path.join("infra", "src", "demo.ts")], {
    cwd: repoRoot, env: { ...process.env, ORDER_URL: system.services.order.url, INVENTORY_URL: system.services.inventory.url },
  });
  const demoOrders = [...stdout.matchAll(/order ([0-9a-f-]{36})/g)].map((match) => match[1]!);
  expect(demoOrders).toHaveLength(4);
  for (const orderId of demoOrders) {
    await waitFor(`the demo mail of ${orderId}`, async () => (await emailsOf(orderId)).some((mail) => mail.status === "sent"), { timeoutMs: 60_000 });
  }

  const logs = [...Object.values(system.services), email, analytics].map((service) => service.output()).join("\n") + smtpLog.join("\n");
  expect(smtpLog.some((line) => demoOrders.some((orderId) => line.includes(orderId)))).toBe(true); // the sink names the orders
  // An address: something@domain.tld, except the Message-IDs (<kind.orderId@shop.example>) the sink prints to name the order.
  const addresses = [...logs.matchAll(/[\w.+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}\b/gi)].map((match) => match[0]).filter((found) => !/^(receipt|cancellation)\.[0-9a-f-]{36}@/.test(found));
  expect(addresses).toEqual([]);
  expect(logs).not.toContain("ada@example.com");
}, 150_000); // pnpm demo's four orders, then up to 60 s for their mails

// --- helpers -------------------------------------------------------------------------------

async function registryCodec() {
  return schemaRegistryCodec({ ...env.schemaRegistry, schemaIds: await lookupSchemaIds(env.schemaRegistry) });
}

/** A keyring with the KEKs `service` is given, fed every key record (as admin: the KEKs alone decide what it opens). */
async function keyringOf(service: string): Promise<Keyring> {
  const given = env.personalDataEnv(service);
  const keks = Object.fromEntries((["contact", "address"] as const).flatMap((category) => {
    const secret = given[`PERSONAL_DATA_KEK_${category.toUpperCase()}`];
    return secret ? [[category, localKek(category, secret)]] : [];
  }));
  const keyring = createKeyring(keks);
  const keys = await followKeyTopic({
    kafka: { clientId: "e2e-keyring", brokers: env.brokers, credentials: env.kafkaCredentials("admin") },
    service: "admin", topic: topics.datakeys, producer: topicOwners.datakeys, codec: await registryCodec(), keyring,
  });
  await keys.stop();
  return keyring;
}

/** The decoded events of these orders on the orders topic, read from the beginning. */
async function eventsOf(orderIds: string[]): Promise<Record<string, unknown>[]> {
  const codec = await registryCodec();
  const raw: RawMessage[] = (await readRawMessages([topics.orders])).filter((message) => orderIds.includes(message.key?.toString() ?? ""));
  const events = await Promise.all(raw.map((message) => codec.decode(message.value!).catch(() => undefined))); // the poison copy does not decode
  return events.filter((event): event is Record<string, unknown> => event !== undefined);
}
const adaEvents = () => eventsOf(ordersOf.ada.slice(0, 1));

/** Each personal field of the events: its plaintext, "erased", or "cannot open" (this keyring may not). */
function openAll(keyring: Keyring, events: Record<string, unknown>[]): Record<string, string> {
  const opened: Record<string, string> = {};
  const fields = personalFields() as Record<string, readonly PersonalField[]>;
  for (const event of events) {
    for (const { path: field } of fields[String(event.eventType)] ?? []) {
      const sealed = field.split(".").reduce<unknown>((value, name) => (value as Record<string, unknown>)[name], event) as string;
      try {
        opened[field] = keyring.open(sealed, field) ?? "erased";
      } catch {
        opened[field] = "cannot open";
      }
    }
  }
  return opened;
}

async function produceAsAdmin(topic: string, key: string, value: Buffer): Promise<void> {
  const producer = new Kafka({ clientId: "e2e-poison", brokers: env.brokers, sasl: saslOf(env.kafkaCredentials("admin")), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key, value, headers: { "event-type": "OrderPlaced" } }] });
  await producer.disconnect();
}
