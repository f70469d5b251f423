/**
 * The read model built the way the service builds it: events published to Kafka through an
 * outbox and relay (on fresh topics for this file), consumed with the inbox consumer into a
 * fresh database. Then the rebuild: empty the read model, replay every topic from the beginning,
 * and compare the rebuilt KPIs with the live ones.
 */
import { randomUUID } from "node:crypto";
import { inboxTopicsOf, lookupSchemaIds } from "@shop/contracts";
import { ensureTopics, schemaRegistryCodec, type Codec } from "@shop/messaging";
import { createLogger } from "@shop/observability";
import { waitFor } from "@shop/infra";
import { useEnvironment, type FreshDatabase } from "@shop/testkit";
import { testDatabase } from "@shop/service-kit/testing";
import { getKpis, type Kpis } from "./kpis";
import { holdInstanceLock, rebuild, ServiceRunning } from "./rebuild";
import { consumeReadModel, kafkaProducer, knownMix } from "./testing";

// Real Kafka and PostgreSQL: a consumer group join and a fetch take seconds on a loaded machine (a waitFor gives up after 15 s).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

const env = useEnvironment();
const kafka = { clientId: "analytics-test", brokers: env.brokers, credentials: env.kafkaCredentials("admin") };
const logger = createLogger("analytics", "silent");
const prefix = `analytics-test-${randomUUID().slice(0, 8)}`;
const testTopics = inboxTopicsOf("analytics").map((topic) => `${prefix}.${topic}`);

let db: FreshDatabase;
let codec: Codec;
let producer: Awaited<ReturnType<typeof kafkaProducer>>;
const mix = knownMix();

/** Starts the service's consumer on the test topics, as main.ts does: the instance lock first. */
async function startService() {
  const lock = await holdInstanceLock(db.url, logger);
  const consumer = await consumeReadModel({ kafka, pool: db.pool, codec, logger, topics: testTopics, group: `${prefix}.analytics`, maxWaitTimeInMs: 200 });
  return {
    consumer,
    async stop() {
      await consumer.stop();
      await lock.release();
    },
  };
}
let service: Awaited<ReturnType<typeof startService>> | undefined;

/** Waits until the consumer has seen `count` events, handled or skipped as duplicates. */
const consumed = (count: number) => waitFor(`${count} events consumed`, () => {
  const { handled, duplicates } = service!.consumer.status();
  return handled + duplicates >= count;
});

beforeAll(async () => {
  db = await testDatabase("analytics");
  codec = schemaRegistryCodec({ ...env.schemaRegistry, schemaIds: await lookupSchemaIds(env.schemaRegistry) });
  await ensureTopics(kafka, testTopics);
  producer = await kafkaProducer(prefix);
});
afterAll(async () => {
  await service?.stop();
  await producer.close();
  await db.drop();
});

let live: Kpis;

test("when a known mix of sagas is consumed from Kafka, then the live KPIs count it exactly", async () => {
  await producer.publish(mix.events);
  service = await startService();
  expect(service.consumer.groupId).toMatch(new RegExp(`^${prefix}\\.analytics\\.[0-9a-f]{8}$`)); // named after the read model's build
  await consumed(mix.events.length);

  live = await getKpis(db.pool);
  expect(live).toEqual(mix.kpis);
});

test("when every event is delivered again, then the inbox skips the duplicates and the KPIs do not change", async () => {
  await producer.publish(mix.events); // the same events, same eventIds: what a relay retry does
  await consumed(2 * mix.events.length);

  expect(service!.consumer.status()).toMatchObject({ handled: mix.events.length, duplicates: mix.events.length });
  expect(await getKpis(db.pool)).toEqual(live);
});

test("when the service runs, then rebuild refuses and changes nothing", async () => {
  await expect(rebuild(db.pool)).rejects.toThrow(ServiceRunning);
  expect(await getKpis(db.pool)).toEqual(live);
});

test("when PostgreSQL restarts under the running service, then the service takes its lock again and rebuild still refuses", async () => {
  await env.restartDatabase();
  await waitFor("the instance lock to be held again", async () => {
    const { rows } = await db.pool.query<{ holders: number }>(
      `SELECT count(*)::int AS holders FROM pg_locks
        WHERE locktype = 'advisory' AND mode = 'ShareLock' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
    return rows[0]!.holders === 1;
  });
  await expect(rebuild(db.pool)).rejects.toThrow(ServiceRunning);
});

test("when the read model is rebuilt and the service starts again, then it replays every topic from the beginning and the rebuilt KPIs equal the live ones", async () => {
  const liveGroup = service!.consumer.groupId;
  await service!.stop();
  await rebuild(db.pool);
  expect((await getKpis(db.pool)).orders).toEqual({ placed: 0, confirmed: 0, cancelled: 0, inFlight: 0 });

  service = await startService();
  expect(service.consumer.groupId).not.toBe(liveGroup); // a new group: no committed offsets
  await consumed(2 * mix.events.length); // every copy on the topics, from offset 0

  expect(service.consumer.status()).toMatchObject({ handled: mix.events.length, duplicates: mix.events.length });
  expect(await getKpis(db.pool)).toEqual(live);
});
