/**
 * Load shedding through the HTTP API, against a real PostgreSQL. The tests call refresh()
 * themselves, where the service's timer would, so nothing waits on a clock.
 */
import { withTransaction, type Outbox } from "@shop/messaging";
import { testDatabase, type TestDatabase } from "@shop/service-kit/testing";
import { upsertProducts } from "./db";
import { assumedMinimumRatePerS, loadShedder, rateWindowMs, type LoadShedder } from "./load-shedding";
import { applyFact } from "./orders";
import { httpTestApp, validOrderBody } from "./testing";

// Real PostgreSQL (a fresh, migrated database); some tests place dozens of orders through HTTP and the database,
// which took 11 s under a load average of 17 on 2 cores.
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

const maxSagasInFlight = 2;
const maxSagaWaitMs = 10_000;
let outbox: Outbox;
let db: TestDatabase;
let shedder: LoadShedder;
let app: ReturnType<typeof httpTestApp>;

beforeAll(async () => {
  db = await testDatabase("order");
  outbox = db.outbox;
  await withTransaction(db.pool, (tx) => upsertProducts(tx, [{ sku: "TEE-1", name: "T-shirt", price: 1500 }]));
  shedder = loadShedder(db.pool, { maxSagaWaitMs, maxSagasInFlight });
  app = httpTestApp(db, shedder);
});
afterAll(async () => {
  await app.close();
  await db.drop();
});
// Every test starts with no saga in flight: the ones left by the test before are confirmed.
beforeEach(async () => {
  const { rows } = await db.pool.query<{ id: string }>("SELECT id FROM orders WHERE status IN ('PENDING', 'RESERVED', 'PAID')");
  for (const { id } of rows) await finish(id);
  await shedder.refresh();
});

const body = validOrderBody;
const post = (idempotencyKey?: string) =>
  app.inject({ method: "POST", url: "/orders", payload: body, headers: idempotencyKey ? { "idempotency-key": idempotencyKey } : {} });
const count = async (table: "orders" | "outbox") => (await db.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

/** The saga ends as it would when the shipment is scheduled: the order is CONFIRMED. */
const finish = (orderId: string) => withTransaction(db.pool, (tx) => applyFact(tx, outbox, {
  fact: "ShipmentScheduled", orderId,
  event: { eventId: crypto.randomUUID(), eventType: "ShipmentScheduled", occurredAt: new Date().toISOString(), producer: "test" },
}));

async function fillTheShop(): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < maxSagasInFlight; i++) {
    const response = await post();
    expect(response.statusCode).toBe(202);
    ids.push(response.json().orderId);
  }
  await shedder.refresh();
  return ids;
}

test("when MAX_SAGAS_IN_FLIGHT sagas are in flight, then POST /orders answers 503 with Retry-After, and nothing is written", async () => {
  await fillTheShop();
  const [orders, outboxRows] = [await count("orders"), await count("outbox")];

  const response = await post();

  expect(response.statusCode).toBe(503);
  expect(response.headers["retry-after"]).toBe("1");
  expect(response.json()).toEqual({ error: "Service Unavailable", message: expect.stringMatching(/at capacity.*not placed.*nothing was charged.*again after 1 s/) });
  expect(await count("orders")).toBe(orders);
  expect(await count("outbox")).toBe(outboxRows); // no OrderPlaced
});

/** As if the order had been placed `ms` earlier: the shedder reads created_at, no clock is waited on. */
const placedEarlier = (orderId: string, ms: number) =>
  db.pool.query("UPDATE orders SET created_at = created_at - make_interval(secs => $2::int / 1000.0) WHERE id = $1", [orderId, ms]);

test("when the oldest saga in flight was placed MAX_SAGA_WAIT_MS ago, then POST /orders answers 503, and nothing is written", async () => {
  const first = await post();
  expect(first.statusCode).toBe(202); // one saga in flight: far below MAX_SAGAS_IN_FLIGHT
  await placedEarlier(first.json().orderId, maxSagaWaitMs);
  await shedder.refresh();
  const orders = await count("orders");

  const response = await post();

  expect(response.statusCode).toBe(503);
  expect(response.headers["retry-after"]).toBe("1");
  expect(await count("orders")).toBe(orders);
});

test("when the oldest saga in flight is younger than MAX_SAGA_WAIT_MS, then orders are accepted", async () => {
  const first = await post();
  await placedEarlier(first.json().orderId, maxSagaWaitMs - 2_000);
  await shedder.refresh();

  expect((await post()).statusCode).toBe(202);
});

test("when the old saga finishes, then orders are accepted again", async () => {
  const first = await post();
  await placedEarlier(first.json().orderId, maxSagaWaitMs * 2);
  await shedder.refresh();
  expect((await post()).statusCode).toBe(503);

  await finish(first.json().orderId);
  await shedder.refresh();

  expect((await post()).statusCode).toBe(202);
});

test("when sagas in flight finish, then orders are accepted again", async () => {
  const [first] = await fillTheShop();
  expect((await post()).statusCode).toBe(503);

  await finish(first!);
  expect((await post()).statusCode).toBe(503); // the shedder has not looked yet
  await shedder.refresh();

  expect((await post()).statusCode).toBe(202);
});

test("when the shop is full, then a retry with the Idempotency-Key of an accepted order gets that order back, and a new key is refused", async () => {
  const accepted = await post("key-accepted");
  expect(accepted.statusCode).toBe(202);
  await post();
  await shedder.refresh();
  const orders = await count("orders");

  const retry = await post("key-accepted");
  expect(retry.statusCode).toBe(202);
  expect(retry.json()).toEqual(accepted.json());

  expect((await post("key-new")).statusCode).toBe(503);
  expect(await count("orders")).toBe(orders);
});

test("when sagas are in flight and orders were refused, then /metrics shows both", async () => {
  await fillTheShop();
  await post();

  const metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;

  expect(metrics).toMatch(/^sagas_in_flight 2$/m);
  expect(metrics).toMatch(/^saga_expected_wait_seconds \d+(\.\d+)?(e-\d+)?$/m);
  expect(metrics).toMatch(/^oldest_saga_in_flight_seconds \d+(\.\d+)?(e-\d+)?$/m);
  expect(metrics).toMatch(/^orders_refused_total [1-9]\d*$/m);
});

test("when no saga is in flight and no order was taken since the reading, then the shedder is idle; an accepted order makes it busy until a reading finds its saga finished", async () => {
  expect(shedder.idle()).toBe(true); // beforeEach: every saga finished, then a reading
  const response = await post();
  expect(response.statusCode).toBe(202);
  expect(shedder.idle()).toBe(false); // taken since the reading: the timers must look again
  await shedder.refresh();
  expect(shedder.idle()).toBe(false); // in flight
  await finish(response.json().orderId);
  await shedder.refresh();
  expect(shedder.idle()).toBe(true);
});

test("when both limits are 0, then no order is refused", async () => {
  await fillTheShop();
  const unlimited = loadShedder(db.pool, { maxSagaWaitMs: 0, maxSagasInFlight: 0 });
  await unlimited.refresh();

  expect(await unlimited.admit(undefined)).toBe(true);
});

describe("the expected wait: sagas in flight ÷ the rate they finish", () => {
  // A shop whose door closes at a 1 s wait: with nothing finished lately, at the assumed minimum
  // rate (10/s), that is 10 sagas in flight; the hard cap is out of the way.
  const waitMs = 1_000;
  let rateShedder: LoadShedder;
  let rateApp: ReturnType<typeof httpTestApp>;
  // A new shedder per test: what it measured in one test must not count in the next.
  beforeEach(() => {
    rateShedder = loadShedder(db.pool, { maxSagaWaitMs: waitMs, maxSagasInFlight: 0 });
    rateApp = httpTestApp(db, rateShedder);
  });
  afterEach(() => rateApp.close());
  const place = async () => (await rateApp.inject({ method: "POST", url: "/orders", payload: body })).statusCode;

  async function placeAccepted(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const response = await rateApp.inject({ method: "POST", url: "/orders", payload: body });
      expect(response.statusCode).toBe(202);
      ids.push(response.json().orderId);
    }
    return ids;
  }

  test("when nothing has finished lately and the sagas in flight would take MAX_SAGA_WAIT_MS at the assumed minimum rate, then POST /orders answers 503", async () => {
    await rateShedder.refresh();
    await placeAccepted(assumedMinimumRatePerS * (waitMs / 1000));
    await rateShedder.refresh();

    expect(await place()).toBe(503);
  });

  test("when sagas have been finishing faster than the assumed minimum, then the door stays open for more in flight", async () => {
    await rateShedder.refresh();
    // 12 per second over the rate window finished since the last reading…
    const finishing = await placeAccepted((assumedMinimumRatePerS + 2) * (rateWindowMs / 1000));
    await rateShedder.refresh();
    for (const id of finishing) await finish(id);
    await rateShedder.refresh();
    // …so 11 in flight is an expected wait of 11 ÷ 12/s < 1 s: taken, where the assumed 10/s would refuse.
    await placeAccepted(assumedMinimumRatePerS + 1);
    await rateShedder.refresh();

    expect(await place()).toBe(202);
    await rateShedder.refresh();
    expect(await place()).toBe(503); // 12 in flight ÷ 12/s: 1 s
  });
});
