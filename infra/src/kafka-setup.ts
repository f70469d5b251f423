/**
 * Prepares a broker for the saga, as admin: creates every topic and its dead-letter topic, and
 * makes the ACLs exactly what the ownership tables say (kafka-acls.ts): missing ones are added,
 * ones no longer in the tables are removed. Runs when a native environment (dev, tests) is
 * created, and whenever docker compose starts its kafka-setup container; it changes nothing
 * when nothing changed. Services cannot create topics (least privilege), so this runs first.
 */
import {
  AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type Admin,
} from "kafkajs";
import { allTopics, dlqTopic, services, topicSpecs, topicsConsumedBy } from "@shop/contracts";
import { startKafka, stopKafka, type KafkaOptions } from "./kafka";
import { aclsFor, describeAcl, type AclBinding } from "./kafka-acls";
import { readKafkaCredentials, saslOf, type KafkaCredentials } from "./kafka-credentials";
import { silent, type Progress } from "./progress";
import { waitFor } from "./wait";

/** Starts the broker (kafka.ts) and sets it up; a broker that cannot be set up is stopped again. */
export async function startKafkaForTheSaga(options: KafkaOptions): Promise<{ pid: number; brokers: string[] }> {
  const started = await startKafka(options);
  try {
    await setUpKafka(started.brokers, readKafkaCredentials(options.dataDir).admin, options.progress);
  } catch (error) {
    await stopKafka(started.pid);
    throw new Error(`Kafka started but could not be set up (topics, ACLs): ${(error as Error).message}`);
  }
  return started;
}

export async function setUpKafka(brokers: string[], admin: KafkaCredentials, progress: Progress = silent): Promise<void> {
  const client = new Kafka({ clientId: "infra-setup", brokers, sasl: saslOf(admin), logLevel: logLevel.NOTHING }).admin();
  await client.connect();
  try {
    await createTopics(client);
    const wanted = aclsFor({ topicSpecs, topicsConsumedBy });
    const { added, removed } = await applyAcls(client, wanted);
    await untilEnforced(client, wanted);
    progress(`Kafka: ${allTopics.length * 2} topics, ACLs from the ownership tables (${added} added, ${removed} removed)`);
  } finally {
    await client.disconnect();
  }
}

async function createTopics(client: Admin): Promise<void> {
  const wanted = allTopics.flatMap(({ topic, compacted, config = {} }) => [{ topic, compacted, config }, { topic: dlqTopic(topic), compacted: false, config: {} }]);
  const existing = new Set(await client.listTopics());
  const missing = wanted.filter(({ topic }) => !existing.has(topic));
  if (missing.length === 0) return;
  await client.createTopics({
    waitForLeaders: true,
    topics: missing.map(({ topic, compacted, config }) => ({
      topic, numPartitions: 3,
      configEntries: [...(compacted ? [{ name: "cleanup.policy", value: "compact" }] : []), ...Object.entries(config).map(([name, value]) => ({ name, value }))],
    })),
  });
}

async function applyAcls(client: Admin, wanted: AclBinding[]): Promise<{ added: number; removed: number }> {
  const present = await presentAcls(client);
  const key = describeAcl;
  const wantedKeys = new Set(wanted.map(key));
  const presentKeys = new Set(present.map(key));
  const toAdd = wanted.filter((acl) => !presentKeys.has(key(acl)));
  const toRemove = present.filter((acl) => !wantedKeys.has(key(acl)));
  if (toAdd.length > 0) await client.createAcls({ acl: toAdd.map(toKafka) });
  if (toRemove.length > 0) await client.deleteAcls({ filters: toRemove.map(toKafka) });
  return { added: toAdd.length, removed: toRemove.length };
}

/**
 * Resolves once the broker answers with exactly `wanted`. The controller has committed them when
 * createAcls returns, but the broker applies them a moment later (~0.4 s measured, more under
 * load); a service that connected in between was refused its group and stopped consuming.
 */
async function untilEnforced(client: Admin, wanted: AclBinding[]): Promise<void> {
  const expected = wanted.map(describeAcl).sort().join("\n");
  await waitFor("the broker to enforce the ACLs it was given", async () =>
    (await presentAcls(client)).map(describeAcl).sort().join("\n") === expected, { timeoutMs: 30_000, intervalMs: 100 });
}

/** The ALLOW rules of the services' principals now on the broker (other principals' are not ours to touch). */
export async function presentAcls(client: Admin): Promise<AclBinding[]> {
  const { resources } = await client.describeAcls({
    resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ALLOW,
  });
  const ours = new Set<string>(services.map((service) => `User:${service}`));
  return resources.flatMap((resource) => resource.acls
    .filter((acl) => ours.has(acl.principal))
    .map((acl) => ({
      principal: acl.principal as AclBinding["principal"],
      resourceType: nameIn(AclResourceTypes, resource.resourceType) as AclBinding["resourceType"],
      patternType: nameIn(ResourcePatternTypes, resource.resourcePatternType) as AclBinding["patternType"],
      resourceName: resource.resourceName,
      operation: nameIn(AclOperationTypes, acl.operation) as AclBinding["operation"],
    })));
}

function toKafka(acl: AclBinding) {
  return {
    principal: acl.principal, host: "*", permissionType: AclPermissionTypes.ALLOW,
    resourceType: AclResourceTypes[acl.resourceType], resourcePatternType: ResourcePatternTypes[acl.patternType],
    resourceName: acl.resourceName, operation: AclOperationTypes[acl.operation],
  };
}

/** kafkajs's enums are plain objects at run time (name to number), without TypeScript's reverse mapping. */
const nameIn = (names: object, value: number) => Object.entries(names).find(([, number]) => number === value)?.[0];
