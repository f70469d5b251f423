/**
 * The explorer's one file that talks to Kafka (kafkajs), as the admin principal: an outside tool
 * that reads every topic and group (decision 011). It tails the topics with a consumer group of
 * its own that never commits (each start is a new group, deleted on close), starting a little
 * before the end of each partition so a restart shows the recent sagas; it reads the groups' lag
 * and the topics' ends; and it writes a poison message on purpose.
 */
import { randomUUID } from "node:crypto";
import { Kafka, logLevel, Partitioners, type Admin, type Consumer, type Producer } from "kafkajs";

export interface KafkaAccess {
  brokers: string[];
  credentials: { username: string; password: string };
}

export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

export interface PartitionLag { group: string; topic: string; partition: number; committed: number; end: number; lag: number }

export interface KafkaReader {
  /**
   * Lag per group and partition for the groups named, on the topics each reads. A service's name
   * also covers its groups `<name>.<suffix>` (analytics names its group after its read model's build).
   */
  lag(groups: Record<string, readonly string[]>): Promise<PartitionLag[]>;
  /** Messages in each topic now (end - start, all partitions); 0 for a topic that does not exist yet. */
  sizes(topics: readonly string[]): Promise<Record<string, number>>;
  /** Writes bytes no schema can read to `topic`: its consumers must dead-letter it. */
  sendPoison(topic: string): Promise<{ key: string }>;
  close(): Promise<void>;
}

function client({ brokers, credentials }: KafkaAccess, clientId: string): Kafka {
  return new Kafka({
    clientId, brokers, logLevel: logLevel.NOTHING,
    sasl: { mechanism: "scram-sha-256", username: credentials.username, password: credentials.password },
    retry: { retries: 3 }, // an outside tool: fail fast and try again on the next poll
  });
}

/**
 * Reads `topics` from `recentPerPartition` messages before each partition's end, then follows.
 * Resolves once the consumer runs; `stop` disconnects and deletes the group.
 */
export async function tailTopics(
  access: KafkaAccess, topics: readonly string[], recentPerPartition: number, onMessages: (messages: RawMessage[]) => Promise<void>,
): Promise<{ stop(): Promise<void> }> {
  const kafka = client(access, "explorer-tail");
  const groupId = `explorer-${randomUUID()}`;
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, sessionTimeout: 10_000 });
  const admin = kafka.admin();
  await admin.connect();
  // Where to read each partition from next: first the recent messages, then after the last one read.
  const next = new Map<string, number>();
  for (const topic of topics) {
    for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) {
      next.set(`${topic}/${partition}`, Math.max(Number(low), Number(high) - recentPerPartition));
    }
  }
  // On each assignment, seek there (the group has no committed offsets: it never commits). A
  // rejoin (the broker came back) goes on where it stopped, not back to the recent messages.
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
      for (const partition of partitions) {
        const offset = next.get(`${topic}/${partition}`);
        if (offset !== undefined) consumer.seek({ topic, partition, offset: String(offset) });
      }
    }
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      await onMessages(batch.messages.map((message) => ({
        topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key?.toString() ?? null,
        value: message.value, timestamp: message.timestamp,
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(Array.isArray(value) ? value[0] : value)])),
      })));
      const last = batch.messages.at(-1);
      if (last) next.set(`${batch.topic}/${batch.partition}`, Number(last.offset) + 1);
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined); // a throwaway group: leave no trace
      await admin.disconnect();
    },
  };
}

export async function connectReader(access: KafkaAccess): Promise<KafkaReader> {
  const kafka = client(access, "explorer");
  const admin: Admin = kafka.admin();
  const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await admin.connect();
  await producer.connect();
  const existing = async () => new Set(await admin.listTopics());

  return {
    async lag(groups) {
      const present = await existing();
      const listed = (await admin.listGroups()).groups.map((g) => g.groupId);
      const rows: PartitionLag[] = [];
      // A re-drive group that never ran still counts (everything waits); a service's group only once it exists.
      const named = Object.entries(groups).flatMap(([name, topics]) =>
        (name.endsWith(".redrive") ? [name] : listed.filter((g) => g === name || (g.startsWith(`${name}.`) && !g.endsWith(".redrive"))))
          .map((group) => [group, topics] as const));
      for (const [group, topics] of named) {
        const read = topics.filter((topic) => present.has(topic));
        if (read.length === 0) continue;
        const committed = await admin.fetchOffsets({ groupId: group, topics: read });
        for (const { topic, partitions } of committed) {
          const ends = await admin.fetchTopicOffsets(topic);
          for (const { partition, offset } of partitions) {
            const end = Number(ends.find((p) => p.partition === partition)?.high ?? 0);
            const at = Number(offset) < 0 ? Number(ends.find((p) => p.partition === partition)?.low ?? 0) : Number(offset);
            rows.push({ group, topic, partition, committed: at, end, lag: Math.max(0, end - at) });
          }
        }
      }
      return rows;
    },
    async sizes(topics) {
      const present = await existing();
      const sizes: Record<string, number> = {};
      for (const topic of topics) {
        sizes[topic] = present.has(topic)
          ? (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)
          : 0;
      }
      return sizes;
    },
    async sendPoison(topic) {
      const key = `poison-${randomUUID()}`;
      await producer.send({
        topic, acks: -1,
        messages: [{ key, value: Buffer.from("not Avro: a poison message sent from the saga explorer"), headers: { "event-type": "Poison", "event-id": randomUUID() } }],
      });
      return { key };
    },
    async close() {
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}
