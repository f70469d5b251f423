/**
 * docs/break-it.md, executed: one real `pnpm start` (supervisor, control API, the six services,
 * native Kafka, registry and PostgreSQL of its own) for the whole file, and each experiment of the
 * guide run with the guide's own commands, read from its `sh` blocks (support/guide-commands.ts),
 * then checked for the outcome the guide promises. The tests run in the page's order and share the
 * system; the last one checks that no command of the page was left out, and that Ctrl-C ends
 * `pnpm start` with exit code 0.
 *
 * What a command cannot show (an order's final state, a metric rising, a letter in a DLQ) is
 * waited for through the services' HTTP APIs and the dlq library, then the guide's command is run
 * once and its output checked.
 */
import fs from "node:fs";
import path from "node:path";
import { Client } from "pg";
import { waitFor } from "@shop/infra";
import { dlqHeaders, listDeadLetters, waitingDeadLetters } from "@shop/messaging/src/dead-letter";
import type { KafkaConfig } from "@shop/messaging/src/kafka";
import { readGuide, type Guide } from "./support/guide-commands";
import { startPnpmStart, type PnpmStart } from "./support/pnpm-start";
import type { OrderView, PaymentView, StockView } from "./support/saga-system";

const repoRoot = path.resolve(__dirname, "..");
const order = "http://localhost:3001";
const urls = {
  order, inventory: "http://localhost:3002", payment: "http://localhost:3003", email: "http://localhost:3004",
  warehouse: "http://localhost:3005", analytics: "http://localhost:3006",
};
const sku = "TSHIRT-BLK-M"; // the guide's curl orders one

let start: PnpmStart;
let guide: Guide;
/** The variables of .cache/infra/dev/infra.env: admin's Kafka credential, each database's URL. */
let infraEnv: Record<string, string>;

beforeAll(async () => {
  start = await startPnpmStart();
  guide = readGuide(path.join(repoRoot, "docs", "break-it.md"), {
    cwd: repoRoot, env: start.env, rewrite: (command) => command.replaceAll(".cache/", `${start.cacheDir}/`),
  });
  infraEnv = Object.fromEntries(fs.readFileSync(path.join(start.devDir, "infra.env"), "utf8").trim().split("\n")
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
}, 330_000);
afterAll(async () => {
  await start?.remove();
}, 120_000);

async function get<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
const orderOf = (orderId: string) => get<OrderView>(`${order}/orders/${orderId}`);
const stockOf = () => get<StockView>(`${urls.inventory}/stock/${sku}`);

async function placeOrder(headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${order}/orders`, {
    method: "POST", headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({
      customerId: "break-it", items: [{ sku, quantity: 1 }], paymentMethod: "tok_visa", email: "ada@example.com",
      shippingAddress: { name: "Ada Lovelace", line1: "1 Main St", city: "London", postalCode: "N1 9GU", country: "GB" },
    }),
  });
}
async function placed(): Promise<string> {
  const response = await placeOrder();
  expect(response.status).toBe(202);
  return ((await response.json()) as { orderId: string }).orderId;
}
/**
 * An order placed as a client of the door would: while sagas queue behind an outage, order
 * refuses new ones with 503 and Retry-After (decision 009); the client retries until one is taken.
 */
async function placedOnceAdmitted(): Promise<string> {
  return waitFor("order to admit a new order (503 + Retry-After while sagas queue)", async () => {
    const response = await placeOrder();
    if (response.status === 503) {
      expect(response.headers.get("retry-after")).toBeTruthy();
      return false; // refused for now: try again
    }
    expect(response.status).toBe(202);
    return ((await response.json()) as { orderId: string }).orderId;
  }, { timeoutMs: 60_000, intervalMs: 1000 });
}
async function finalOrder(orderId: string, timeoutMs = 90_000): Promise<OrderView> {
  return waitFor(`order ${orderId} to be final`, async () => {
    const view = await orderOf(orderId);
    return (view.status === "CONFIRMED" || view.status === "CANCELLED") && view;
  }, { timeoutMs, intervalMs: 200 });
}
/** The supervisor's view of one service, from the control API. */
async function serviceState(name: string): Promise<{ state: string; restarts: number }> {
  const { services } = await get<{ services: { name: string; state: string; restarts: number }[] }>(`${start.supervisorUrl}/services`);
  return services.find((service) => service.name === name)!;
}
const admin = (): KafkaConfig => ({
  brokers: infraEnv.KAFKA_BROKERS!.split(","), clientId: "break-it-test",
  credentials: { username: infraEnv.KAFKA_USERNAME!, password: infraEnv.KAFKA_PASSWORD! },
});
async function contradictions(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split("\n").filter((line) => line.startsWith("contradicting_events_total{")).reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

let deadlineOrderId: string;

describe("Stop a service: the saga deadline", () => {
  const section = "Stop a service: the saga deadline";

  test("when payment is stopped and an order is placed, then it is cancelled on its deadline (timeout) and its stock released; started again, payment never charges it, and new orders confirm", async () => {
    await guide.run(section, "pnpm svc stop payment");
    await waitFor("payment to be stopped", async () => (await serviceState("payment")).state === "stopped");
    const before = await stockOf();

    const [placeCommand] = guide.commands(section).filter((command) => command.startsWith("curl -s localhost:3001/orders -H"));
    const { stdout } = await guide.run(section, placeCommand!);
    const placedOrder = JSON.parse(stdout) as { orderId: string; status: string };
    expect(placedOrder.status).toBe("PENDING");
    deadlineOrderId = placedOrder.orderId;

    // SAGA_TIMEOUT_MS is 30 s by default; placing, reserving and the deadline check add a little.
    expect(await finalOrder(deadlineOrderId, 90_000)).toMatchObject({ status: "CANCELLED", reason: "timeout" });
    const shown = JSON.parse((await guide.run(section, "curl -s localhost:3001/orders/<orderId>", { orderId: deadlineOrderId })).stdout) as OrderView;
    expect(shown).toMatchObject({ status: "CANCELLED", reason: "timeout" });
    expect(shown.history.map((entry) => entry.eventType)).toEqual(expect.arrayContaining(["OrderPlaced", "StockReserved", "OrderCancelled"]));

    await waitFor("the stock to be released", async () => (await stockOf()).reserved === before.reserved);
    const stock = JSON.parse((await guide.run(section, `curl -s localhost:3002/stock/${sku}`)).stdout) as StockView;
    expect(stock).toMatchObject({ available: before.available, reserved: before.reserved, sold: before.sold });

    await guide.run(section, "pnpm svc start payment");
    await waitFor("payment to be ready", async () => (await serviceState("payment")).state === "ready", { timeoutMs: 90_000 });
    await waitFor("payment to learn of the cancellation", async () => {
      const response = await fetch(`${urls.payment}/payments/${deadlineOrderId}`);
      return response.ok && ["cancelled", "refunded"].includes(((await response.json()) as PaymentView).status);
    }, { timeoutMs: 60_000, intervalMs: 200 });
    const payment = JSON.parse((await guide.run(section, "curl -s localhost:3003/payments/<orderId>", { orderId: deadlineOrderId })).stdout) as PaymentView;
    expect(payment.capturedAmount - payment.refundedAmount).toBe(0);

    expect(await finalOrder(await placed())).toMatchObject({ status: "CONFIRMED" });
  }, 240_000);
});

describe("Kill a service with SIGKILL mid-saga", () => {
  const section = "Kill a service with SIGKILL mid-saga";

  test("when payment is killed with orders in flight, then the supervisor restarts it, and every order confirms, charged exactly once", async () => {
    const orderIds = await Promise.all(Array.from({ length: 5 }, () => placed()));
    const paymentReadyLines = () => start.output().match(/payment +info +ready in \d+ ms: consuming and listening on 3003 +startupMs=\{"imports":\d+,/g)?.length ?? 0;
    const readyLinesBefore = paymentReadyLines();
    expect(readyLinesBefore).toBeGreaterThan(0); // the line's format, as the start printed it
    await guide.run(section, "pnpm svc kill payment");
    await waitFor("payment to be ready again", async () => {
      const { state, restarts } = await serviceState("payment");
      return state === "ready" && restarts === 1;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    expect(start.output()).toContain("payment exited (SIGKILL); restarting in 0.5 s");
    expect(start.output()).toMatch(/payment ready again after \d+\.\d s/);
    // The new process says where its start-up went: one more "ready in" line of payment's than before the kill.
    await waitFor("payment's new process to log its ready line", () => paymentReadyLines() === readyLinesBefore + 1, { timeoutMs: 5000 });
    const { stdout } = await guide.run(section, "pnpm svc status");
    expect(stdout).toMatch(/^payment\s+1\s+3003\s+\d+\s+ready\s+1\s/m);

    for (const orderId of orderIds) {
      const final = await finalOrder(orderId);
      expect(final).toMatchObject({ status: "CONFIRMED" });
      expect(await get<PaymentView>(`${urls.payment}/payments/${orderId}`)).toMatchObject({ status: "captured", capturedAmount: final.total, refundedAmount: 0 });
    }
  }, 240_000);
});

describe("Kill the broker", () => {
  const section = "Kill the broker";

  test("when Kafka is killed, then orders are still accepted and wait in the outbox; when it is started again, every saga completes with money that agrees, and the next orders confirm", async () => {
    const killed = await guide.run(section, "pnpm svc kill kafka");
    let orderIds: string[] = [];
    try {
      expect(killed.stdout).toContain("kafka is stopped.");
      orderIds = await Promise.all(Array.from({ length: 3 }, () => placed())); // 202: nothing waits for Kafka
      const waiting = JSON.parse((await guide.run(section, "curl -s localhost:3001/orders/<orderId>", { orderId: orderIds[0]! })).stdout) as OrderView;
      expect({ status: waiting.status, history: waiting.history.map((entry) => entry.eventType) }).toEqual({ status: "PENDING", history: ["OrderPlaced"] });
    } finally { // a failed step must not leave the next experiments without a broker
      expect((await guide.run(section, "pnpm svc start kafka")).stdout).toContain("kafka is running.");
    }
    // Every saga completes: confirmed, or (a restart slower than the 30 s deadline, on a busy
    // machine) cancelled on its deadline with nothing left charged. Which one depends on timing.
    for (const orderId of orderIds) {
      const final = await finalOrder(orderId, 120_000);
      expect([{ status: "CONFIRMED" }, { status: "CANCELLED", reason: "timeout" }]).toContainEqual({ status: final.status, ...(final.reason ? { reason: final.reason } : {}) });
      const paid = await waitFor(`payment of ${orderId} to settle`, async () => {
        const payment = await get<PaymentView>(`${urls.payment}/payments/${orderId}`).catch(() => undefined);
        return payment && ["captured", "refunded", "cancelled"].includes(payment.status) && payment;
      }, { timeoutMs: 60_000, intervalMs: 250 });
      expect(paid.capturedAmount - paid.refundedAmount).toBe(final.status === "CONFIRMED" ? final.total : 0);
    }
    expect(await finalOrder(await placedOnceAdmitted())).toMatchObject({ status: "CONFIRMED" }); // the next orders confirm
  }, 360_000);
});

describe("Send a poison message", () => {
  const section = "Send a poison message";

  test("when bytes that are not Avro are written to notifications, then analytics dead-letters them with the reason; re-driven, they come straight back", async () => {
    const { stdout } = await guide.run(section, "pnpm poison notifications");
    const key = /key (poison-[0-9a-f-]+)/.exec(stdout)?.[1];
    expect(key).toBeDefined();
    await waitFor("the poison message in notifications.dlq", async () => (await listDeadLetters(admin(), "notifications")).length === 1,
      { timeoutMs: 60_000, intervalMs: 500 });

    await guide.run(section, "set -a; . .cache/infra/dev/infra.env; set +a");
    const listed = (await guide.run(section, "pnpm --filter @shop/messaging dlq list notifications")).stdout;
    expect(listed).toContain("1 message(s) in notifications.dlq");
    expect(listed).toContain(`key ${key}`);
    expect(listed).toMatch(/undecodable: .+/);
    expect(listed).toMatch(/from notifications\/\d+@\d+, consumer group analytics/);

    expect((await guide.run(section, "pnpm --filter @shop/messaging dlq redrive notifications")).stdout).toContain("re-drove 1 message(s)");
    await waitFor("the re-driven poison to come back", async () => (await listDeadLetters(admin(), "notifications")).length === 2,
      { timeoutMs: 60_000, intervalMs: 500 });
  }, 180_000);
});

describe("Restart PostgreSQL", () => {
  const section = "Restart PostgreSQL";

  test("when PostgreSQL is killed, then every service answers 503 with Retry-After (never another 5xx) and writes nothing; started again, the same requests succeed", async () => {
    await guide.run(section, "pnpm svc kill postgres");
    const idempotencyKey = `break-it-postgres-${Date.now()}`;
    // Each service's routes that read its database: 503 while it is down (or 200, from what the service holds in memory).
    const reads = [
      `${order}/orders/${deadlineOrderId}`, `${urls.inventory}/stock/${sku}`, `${urls.payment}/payments/${deadlineOrderId}`,
      `${urls.warehouse}/shipments/${deadlineOrderId}`, `${urls.email}/emails?orderId=${deadlineOrderId}`, `${urls.analytics}/kpis`,
    ];
    try {
      for (const url of reads) {
        const response = await fetch(url);
        expect({ url, answered: [200, 503].includes(response.status) }).toEqual({ url, answered: true });
        if (response.status === 503) {
          expect(response.headers.get("retry-after")).toBe("2");
          expect(((await response.json()) as { message: string }).message).toMatch(/cannot reach its database/);
        }
      }
      expect((await fetch(reads[0]!)).status).toBe(503);
      const refused = await placeOrder({ "idempotency-key": idempotencyKey });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("2");

      const { stdout } = await guide.run(section, "curl -si localhost:3001/orders/<orderId>", { orderId: deadlineOrderId });
      expect(stdout).toMatch(/^HTTP\/1\.1 503/);
      expect(stdout).toMatch(/^retry-after: 2\r?$/im);
      expect(stdout).toContain("cannot reach its database");
      expect(stdout).not.toMatch(/ECONNREFUSED|terminat|administrator/i); // nothing internal
    } finally {
      expect((await guide.run(section, "pnpm svc start postgres")).stdout).toContain("postgres is running.");
    }
    for (const url of reads) await waitFor(`${url} to answer 200`, async () => (await fetch(url)).status === 200, { timeoutMs: 60_000, intervalMs: 250 });

    // Nothing half-written: the refused POST placed no order; sent again, it places one, once.
    expect(await ordersWithKey(idempotencyKey)).toBe(0);
    const again = await placeOrder({ "idempotency-key": idempotencyKey });
    expect(again.status).toBe(202);
    const { orderId } = (await again.json()) as { orderId: string };
    expect(await finalOrder(orderId)).toMatchObject({ status: "CONFIRMED" });
    expect(await ordersWithKey(idempotencyKey)).toBe(1);

    // No message was at fault: the consumers waited, they dead-lettered nothing.
    for (const topic of ["orders", "inventory", "payments", "shipments"]) expect(await waitingDeadLetters(admin(), topic)).toEqual([]);
  }, 240_000);
});

async function ordersWithKey(idempotencyKey: string): Promise<number> {
  const client = new Client({ connectionString: infraEnv.DATABASE_URL_ORDER });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM orders WHERE idempotency_key = $1", [idempotencyKey])).rows[0]!.n);
  } finally {
    await client.end();
  }
}

describe("Forge an event", () => {
  const section = "Forge an event";

  test("when the guide's forgeries are sent, then the broker refuses the first two, and none changes the confirmed order, its payment or its stock", async () => {
    const demo = (await guide.run(section, "pnpm demo")).stdout;
    const orderId = /Happy path \(tok_visa\): CONFIRMED\s+order ([0-9a-f-]{36})/.exec(demo)?.[1];
    expect(orderId).toBeDefined();
    const [orderBefore, paymentBefore] = [await orderOf(orderId!), await get<PaymentView>(`${urls.payment}/payments/${orderId}`)];
    const counted = { order: await contradictions(order), payment: await contradictions(urls.payment) };

    expect((await guide.run(section, "pnpm forge anonymous")).stdout).toContain("Refused:");
    expect((await guide.run(section, "pnpm forge foreign-topic")).stdout).toContain("Refused:");
    expect((await guide.run(section, "pnpm forge cheap-capture <orderId>", { orderId: orderId! })).stdout).toContain("Sent PaymentCaptured");
    await waitFor("order to count the cheap capture", async () => (await contradictions(order)) > counted.order, { timeoutMs: 30_000, intervalMs: 200 });
    expect((await guide.run(section, "pnpm forge cancel-confirmed <orderId>", { orderId: orderId! })).stdout).toContain("Sent OrderCancelled");
    await waitFor("payment to count the cancel", async () => (await contradictions(urls.payment)) > counted.payment, { timeoutMs: 30_000, intervalMs: 200 });
    expect((await guide.run(section, "pnpm forge wrong-producer <orderId>", { orderId: orderId! })).stdout).toContain('claiming producer "order"');
    await waitFor("the wrong producer in payments.dlq", async () =>
      (await listDeadLetters(admin(), "payments")).some((letter) => letter.headers[dlqHeaders.kind] === "wrong-producer"), { timeoutMs: 60_000, intervalMs: 500 });

    expect((await guide.run(section, "curl -s localhost:3003/metrics | grep contradicting_events_total")).stdout).toMatch(/^contradicting_events_total\{.*\} [1-9]/m);
    const orderAfter = JSON.parse((await guide.run(section, "curl -s localhost:3001/orders/<orderId>", { orderId: orderId! })).stdout) as OrderView;
    expect(orderAfter).toEqual(orderBefore);
    const paymentAfter = JSON.parse((await guide.run(section, "curl -s localhost:3003/payments/<orderId>", { orderId: orderId! })).stdout) as PaymentView;
    expect(paymentAfter).toEqual(paymentBefore);
    expect(paymentAfter).toMatchObject({ status: "captured", capturedAmount: orderBefore.total, refundedAmount: 0 });
    expect((await guide.run(section, "pnpm --filter @shop/messaging dlq list payments")).stdout).toContain("wrong producer");
  }, 240_000);
});

test("when the experiments are done, then every command of docs/break-it.md has been run, and Ctrl-C stops pnpm start with exit code 0", async () => {
  expect(guide.notRun()).toEqual([]);
  expect(await start.interrupt()).toBe(0);
  expect(start.output()).toContain("Stopped.");
}, 120_000);
