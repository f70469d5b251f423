/**
 * The dev environment's data survives a stop and a start (`pnpm start`, Ctrl-C, `pnpm start`):
 * PostgreSQL's rows, Kafka's messages and the registry's schemas (on its SQL storage in the same
 * PostgreSQL), each under the same passwords; and a reset deletes all of it. On an environment of
 * its own, not the test run's, made the way the dev environment is (not disposable).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import { Kafka, logLevel } from "kafkajs";
import { Client } from "pg";
import {
  basicAuthorization, brokersOf, databaseUrlOf, kafkaCredentialsOf, readState, registryCredentialsOf, resetNativeEnvironment, restartDatabase, runningComponents,
  saslOf, schemaRegistryUrlOf, startNativeEnvironment, startStoppedComponents, stopNativeEnvironment, type NativeState,
} from "@shop/infra";

const schema = { type: "record", name: "Probe", namespace: "test.devdata", fields: [{ name: "id", type: "string" }] };

async function query(state: NativeState, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: databaseUrlOf(state, "order") });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

const kafkaOf = (state: NativeState) =>
  new Kafka({ brokers: brokersOf(state), sasl: saslOf(kafkaCredentialsOf(state).admin), logLevel: logLevel.NOTHING });
const registryOf = (state: NativeState) =>
  new SchemaRegistry({ host: schemaRegistryUrlOf(state), auth: registryCredentialsOf(state).admin });

test("when the dev environment is stopped and started again, then its rows, messages and schemas are still there; a reset deletes them", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkout-saga-devdata-"));
  try {
    const first = await startNativeEnvironment({ dir, databases: ["order"], disposable: false, fastPostgres: true });
    await query(first, "CREATE TABLE kept (id text PRIMARY KEY); INSERT INTO kept VALUES ('order-1')");
    const producer = kafkaOf(first).producer();
    await producer.connect();
    await producer.send({ topic: "orders", messages: [{ key: "order-1", value: "kept" }] });
    await producer.disconnect();
    const { id } = await registryOf(first).register({ type: "AVRO" as never, schema: JSON.stringify(schema) }, { subject: "test-devdata-Probe" });

    await stopNativeEnvironment(dir);
    expect(Object.values(runningComponents(readState(dir)!))).toEqual([false, false, false]);

    const second = await startStoppedComponents(dir);
    expect(second.ownerPid).toBe(process.pid);
    expect(await query(second, "SELECT id FROM kept")).toEqual([{ id: "order-1" }]);
    const stored = await fetch(`${schemaRegistryUrlOf(second)}/schemas/ids/${id}`, { headers: { Authorization: basicAuthorization(registryCredentialsOf(second).reader) } });
    expect(JSON.parse(((await stored.json()) as { schema: string }).schema)).toEqual(schema);
    expect(await readAll(second, "orders")).toContain("kept");

    // The registry's pooled connections die with a PostgreSQL restart; it must not answer 500 afterwards.
    await restartDatabase(dir);
    const again = await registryOf(second).register({ type: "AVRO" as never, schema: JSON.stringify(schema) }, { subject: "test-devdata-Probe" });
    expect(again.id).toBe(id);

    const postgresData = second.postgres.dataDir;
    await resetNativeEnvironment(dir);
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(postgresData)).toBe(false);
  } finally {
    await resetNativeEnvironment(dir);
  }
}, 240_000); // two starts of a whole environment

/** Every message value on `topic` from the beginning, as text. */
async function readAll(state: NativeState, topic: string): Promise<string[]> {
  const admin = kafkaOf(state).admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = offsets.reduce((sum, { high }) => sum + Number(high), 0);
  const consumer = kafkaOf(state).consumer({ groupId: `devdata-${Date.now()}` });
  const values: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? "");
        if (values.length >= total) resolve();
      },
    });
  });
  await consumer.disconnect();
  return values;
}
