/**
 * Forgery against the real broker (decision 011): an outsider, or a service with a leaked
 * password, tries to write facts it does not own and to read as someone else. Each refusal is
 * checked by the error Kafka sends and, where a write was tried, by the topic's end not moving.
 */
import { randomUUID } from "node:crypto";
import {
  AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type KafkaConfig,
} from "kafkajs";
import { topicSpecs, topicsConsumedBy } from "@shop/contracts";
import { aclsFor, describeAcl, presentAcls, setUpKafka, waitFor } from "@shop/infra";
import { saslOf, useEnvironment, type KafkaCredentials } from "@shop/testkit";

// Real Kafka: each test connects principals and waits for the broker to apply ACLs.
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

const env = useEnvironment();
const admin = env.kafkaCredentials("admin");
const payment = env.kafkaCredentials("payment");

/**
 * A client as `credentials`. kafkajs retries only what may pass on a retry (a topic still being
 * created); a refusal fails at once. `brokerErrors` collects the error codes kafkajs logs: it logs
 * some answers it then replaces by an error of its own (a refused FindCoordinator becomes "Failed
 * to find group coordinator").
 */
function kafkaAs(credentials: KafkaCredentials | undefined, { brokerErrors = [] as string[], retries = 5 } = {}): Kafka {
  const config: KafkaConfig = {
    clientId: "forgery-test", brokers: env.brokers, retry: { retries }, connectionTimeout: 3000,
    logLevel: logLevel.DEBUG, logCreator: () => ({ log }) => {
      const type = kafkaErrorType((log as { error?: unknown }).error);
      if (type) brokerErrors.push(type);
    },
  };
  return new Kafka(credentials ? { ...config, sasl: saslOf(credentials) } : config);
}

/** The Kafka error code behind a kafkajs error, which may wrap it, or several (an aggregate). */
function kafkaErrorType(error: unknown): string | undefined {
  let current = error as { type?: string; originalError?: unknown; cause?: unknown; errors?: unknown[] } | undefined;
  while (current && typeof current === "object") {
    if (current.type) return current.type;
    current = (current.originalError ?? current.cause ?? current.errors?.[0]) as typeof current;
  }
  return undefined;
}

/** What `credentials` get when they try to write one message to `topic`: "written", or Kafka's error. */
async function tryToWrite(credentials: KafkaCredentials | undefined, topic: string, { retries = 5 } = {}): Promise<string> {
  const producer = kafkaAs(credentials, { retries }).producer();
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: "forged", value: "a forged fact" }] });
    return "written";
  } catch (error) {
    return kafkaErrorType(error) ?? `${(error as Error).name}: ${(error as Error).message}`;
  } finally {
    await producer.disconnect();
  }
}

/** The sum of the topic's partition ends: it moves only if something was written. */
async function endOf(topic: string): Promise<number> {
  const client = kafkaAs(admin).admin();
  await client.connect();
  try {
    return (await client.fetchTopicOffsets(topic)).reduce((sum, { high }) => sum + Number(high), 0);
  } finally {
    await client.disconnect();
  }
}

/** Joins `groupId` on `topic` and resolves with what happened first: "joined", or the error the consumer crashed with. */
async function tryToConsume(credentials: KafkaCredentials, groupId: string, topic: string): Promise<string> {
  const brokerErrors: string[] = [];
  const consumer = kafkaAs(credentials, { brokerErrors }).consumer({ groupId });
  const outcome = new Promise<string>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => resolve("joined"));
    consumer.on(consumer.events.CRASH, ({ payload }) => resolve(kafkaErrorType(payload.error) ?? brokerErrors.at(-1) ?? String(payload.error)));
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async () => {} });
    return await outcome;
  } catch (error) {
    return kafkaErrorType(error) ?? String(error);
  } finally {
    await consumer.disconnect();
  }
}

test("when a client without credentials writes to orders, then the broker closes the connection and orders does not move", async () => {
  const before = await endOf("orders");

  // retries 0: kafkajs takes a closed connection for a network fault and would try again, in vain.
  expect(await tryToWrite(undefined, "orders", { retries: 0 })).toMatch(/Closed connection/);

  expect(await endOf("orders")).toBe(before);
});

test("when a client gives payment's name with a wrong password, then authentication fails and orders does not move", async () => {
  const before = await endOf("orders");

  const outcome = await tryToWrite({ username: "payment", password: `${payment.password}x` }, "orders");

  expect(outcome).toMatch(/KafkaJSSASLAuthenticationError: SASL SCRAM SHA256 authentication failed/);
  expect(await endOf("orders")).toBe(before);
});

test("when payment's principal writes to orders, inventory or catalog, then each is TOPIC_AUTHORIZATION_FAILED and none moves; orders.dlq is written", async () => {
  const before = { orders: await endOf("orders"), inventory: await endOf("inventory"), catalog: await endOf("catalog") };

  const outcomes = {
    orders: await tryToWrite(payment, "orders"),
    inventory: await tryToWrite(payment, "inventory"),
    catalog: await tryToWrite(payment, "catalog"),
  };

  expect(outcomes).toEqual({ orders: "TOPIC_AUTHORIZATION_FAILED", inventory: "TOPIC_AUTHORIZATION_FAILED", catalog: "TOPIC_AUTHORIZATION_FAILED" });
  expect({ orders: await endOf("orders"), inventory: await endOf("inventory"), catalog: await endOf("catalog") }).toEqual(before);
  // The control: the same client may write where payment parks the orders it cannot handle. (That it
  // writes payments, its own topic, every saga test shows: the services run as their own principals.)
  expect(await tryToWrite(payment, "orders.dlq")).toBe("written");
});

test("when payment's principal reads orders with order's consumer group, then GROUP_AUTHORIZATION_FAILED; with a group of its own it joins", async () => {
  expect(await tryToConsume(payment, "order", "orders")).toBe("GROUP_AUTHORIZATION_FAILED");
  expect(await tryToConsume(payment, `payment.forgery-test-${randomUUID()}`, "orders")).toBe("joined");
});

test("when payment's principal reads catalog (which it does not consume), then TOPIC_AUTHORIZATION_FAILED", async () => {
  expect(await tryToConsume(payment, `payment.forgery-test-${randomUUID()}`, "catalog")).toBe("TOPIC_AUTHORIZATION_FAILED");
});

test("when payment's principal creates a topic or grants itself an ACL, then the broker refuses both", async () => {
  const client = kafkaAs(payment).admin();
  await client.connect();
  try {
    const topic = `forgery-${randomUUID()}`;
    const created = await client.createTopics({ topics: [{ topic }] }).then(() => "created", kafkaErrorType);
    const granted = await client.createAcls({
      acl: [{
        resourceType: AclResourceTypes.TOPIC, resourceName: "orders", resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: "User:payment", host: "*", operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW,
      }],
    }).then(() => "granted", kafkaErrorType);

    expect({ created, granted }).toEqual({ created: "TOPIC_AUTHORIZATION_FAILED", granted: "CLUSTER_AUTHORIZATION_FAILED" });
  } finally {
    await client.disconnect();
  }
});

test("when the admin writes to a topic nobody has an ACL for and reads it with any group, then both work (a super user)", async () => {
  const topic = `forgery-admin-${randomUUID()}`;
  const client = kafkaAs(admin).admin();
  await client.connect();
  await client.createTopics({ topics: [{ topic }], waitForLeaders: true }).finally(() => client.disconnect());

  expect(await tryToWrite(admin, topic)).toBe("written");
  expect(await tryToConsume(admin, `any-group-${randomUUID()}`, topic)).toBe("joined");
});

test("when the broker's ACLs are read, then they are exactly those generated from the ownership tables", async () => {
  const client = kafkaAs(admin).admin();
  await client.connect();
  try {
    const onBroker = (await presentAcls(client)).map(describeAcl).sort();

    expect(onBroker).toEqual(aclsFor({ topicSpecs, topicsConsumedBy }).map(describeAcl).sort());
  } finally {
    await client.disconnect();
  }
});

test("when a service's ACLs are deleted behind infra's back, then setUpKafka puts them back, and the broker enforces them when it returns", async () => {
  const warehouse = env.kafkaCredentials("warehouse");
  const client = kafkaAs(admin).admin();
  await client.connect();
  try {
    await client.deleteAcls({ filters: [{
      resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY,
      principal: "User:warehouse", host: "*", operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY,
    }] });
    await waitFor("the broker to drop warehouse's ACLs", async () => !(await presentAcls(client)).some((acl) => acl.principal === "User:warehouse"));
    expect(await tryToConsume(warehouse, `warehouse.forgery-test-${randomUUID()}`, "orders")).toBe("TOPIC_AUTHORIZATION_FAILED"); // its first request

    await setUpKafka(env.brokers, admin);

    expect(await tryToConsume(warehouse, `warehouse.forgery-test-${randomUUID()}`, "orders")).toBe("joined");
  } finally {
    await setUpKafka(env.brokers, admin); // whatever happened above, the broker leaves this test as it came
    await client.disconnect();
  }
});
