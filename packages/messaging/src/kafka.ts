/**
 * The one file that imports the Kafka client (kafkajs), so it can be swapped (STYLE rule 10).
 * The rest of the package sees the small types below: a publisher that sends a batch with
 * acks=all, a subscription that hands over fetched batches and commits after them, and the few
 * admin calls the DLQ tools and tests need.
 */
import { Kafka, logLevel, Partitioners, type IHeaders, type KafkaMessage, type LogEntry } from "kafkajs";
import { errorFields, silentLogger, type Logger } from "./logger";
import { kafkaRequests } from "./metrics";
import { startOffsetCommitter } from "./offset-committer";

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** The principal this client authenticates as (SASL/SCRAM-SHA-256; decision 011): a service's own, or admin for tools and tests. */
  credentials: { username: string; password: string };
  /**
   * This process's stable name among its group's members, e.g. host:port (static membership,
   * decision 016): restarted under the same name, it takes its old place in the group at once
   * instead of waiting for the dead process's session to expire. Unique per running process;
   * without it, a plain member that joins anew.
   */
  instanceId?: string;
  logger?: Logger;
}

export type Headers = Record<string, string>;

export interface OutgoingMessage {
  topic: string;
  key: string | Buffer | null;
  value: Buffer | null;
  headers: Headers;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  /** When the producer sent it (ms since the epoch, as a string). */
  timestamp: string;
}

export interface Publisher {
  /** Resolves once every message is acknowledged by all in-sync replicas; order per partition is kept. */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export interface Batch {
  topic: string;
  partition: number;
  messages: IncomingMessage[];
  /** The offset after the last message in the partition: lag = highWatermark - next offset to read. */
  highWatermark: string;
  heartbeat(): Promise<void>;
  /** False once the consumer stops or the partition was taken away (rebalance, seek). */
  isActive(): boolean;
}

export interface SubscribeOptions extends KafkaConfig {
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  maxWaitTimeInMs?: number;
  partitionsConsumedConcurrently?: number;
  /**
   * Returns how many messages, from the first, are done (all of them, or 0 to have the batch
   * fetched again). Only those offsets are committed, and only after onBatch returned.
   */
  onBatch(batch: Batch): Promise<number>;
  /** How often handled offsets are committed to Kafka (default 1000 ms); 0: after every batch. */
  commitIntervalMs?: number;
  /** The client gave up for good (a non-retriable error): the service is no longer consuming. */
  onFatal?(error: unknown): void;
  /** False: never commit offsets (a reader that always starts from the beginning, e.g. a keyring). */
  commit?: boolean;
}

function client({ brokers, clientId, credentials, logger = silentLogger }: KafkaConfig): Kafka {
  return new Kafka({ brokers, clientId, sasl: saslOf(credentials), logLevel: logLevel.INFO, logCreator: () => (entry) => forward(logger, entry) });
}

/** The broker offers SCRAM-SHA-256 only (infra/src/kafka.ts); a client set to anything else is refused. */
function saslOf({ username, password }: KafkaConfig["credentials"]) {
  return { mechanism: "scram-sha-256" as const, username, password };
}

function forward(logger: Logger, { namespace, level, log: { message, ...fields } }: LogEntry): void {
  // Expected: producers here retry a bounded number of times on purpose (see connectPublisher).
  if (message.startsWith("Limiting retries for the idempotent producer")) return;
  const line = { kafkajs: namespace, ...fields };
  // kafkajs says ERROR for what it then retries (a broker restart); failures that matter reach
  // this package as a failed send or a fatal crash, which it logs as errors itself.
  if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(line, message);
  else logger.debug(line, message); // kafkajs INFO is lifecycle chatter ("Starting", "joined the group")
}

/**
 * An idempotent producer with acks=all and one request in flight per broker, so a retried
 * request cannot overtake the next one. Retries are bounded (about 10 s): a send then fails, and
 * the caller (relay, DLQ) decides to back off and reconnect instead of hanging in kafkajs.
 */
export async function connectPublisher(config: KafkaConfig): Promise<Publisher> {
  // DefaultPartitioner (murmur2, as the Java client): keys land on the same partitions whichever
  // client wrote them; naming it also silences kafkajs's start-up warning about the change.
  const producer = client(config).producer({
    idempotent: true, maxInFlightRequests: 1, retry: { retries: 5 }, createPartitioner: Partitioners.DefaultPartitioner,
  });
  producer.on(producer.events.REQUEST, ({ payload }) => kafkaRequests.inc({ client: "producer", api: payload.apiName }));
  await producer.connect();
  return {
    async send(messages) {
      const byTopic = new Map<string, { key: string | Buffer | null; value: Buffer | null; headers: Headers }[]>();
      for (const { topic, key, value, headers } of messages) {
        const list = byTopic.get(topic) ?? byTopic.set(topic, []).get(topic)!;
        list.push({ key, value, headers });
      }
      const topicMessages = [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
      await producer.sendBatch({ acks: -1, topicMessages });
    },
    disconnect: () => producer.disconnect(),
  };
}

/**
 * Consumes with eachBatch. Offsets are resolved only for what onBatch reports done, so the next
 * fetch (and, after a crash, the next consumer) starts after the last committed transaction; the
 * rest of a batch is fetched again from its first unresolved offset. Resolved offsets are
 * committed to Kafka every `commitIntervalMs` (offset-committer.ts), or after every batch with 0.
 */
export async function subscribe(options: SubscribeOptions): Promise<{ stop(): Promise<void> }> {
  // Three partitions at a time: each partition's batches still run one after the other (per-key
  // order holds), but a service no longer waits for one partition's transaction before the next's.
  const { groupId, topics, fromBeginning = true, maxWaitTimeInMs = 1000, partitionsConsumedConcurrently = 3, commitIntervalMs = 1000 } = options;
  const logger = options.logger ?? silentLogger;
  // A 10 s session (kafkajs's default is 30 s): a crashed instance's partitions move to the others
  // within seconds; heartbeats every 3 s keep a live one in the group. A crashed instance that
  // restarts under its instanceId does not wait for that: it takes its own place back at once.
  const consumer = client(options).consumer({
    groupId, maxWaitTimeInMs, sessionTimeout: 10_000, heartbeatInterval: 3000, ...(options.instanceId ? { groupInstanceId: options.instanceId } : {}),
  });
  const commits = options.commit ?? true;
  const autoCommit = commits && commitIntervalMs === 0; // kafkajs's own: a commit after every batch
  const committer = autoCommit || !commits ? undefined : startOffsetCommitter(commitIntervalMs,
    (offsets) => consumer.commitOffsets(offsets),
    (error) => logger.debug(errorFields(error), "offset commit failed; the next one carries it"));
  const inFlight = new Set<Promise<unknown>>(); // batches being handled, for stop()
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) options.onFatal?.(payload.error);
  });
  consumer.on(consumer.events.REQUEST, ({ payload }) => kafkaRequests.inc({ client: "consumer", api: payload.apiName }));
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
    committer?.keepOnly((topic, partition) => payload.memberAssignment[topic]?.includes(partition) ?? false));
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning });
  await consumer.run({
    autoCommit,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently,
    eachBatch: ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const handling = (async () => {
        const messages = batch.messages.map((message) => incoming(batch.topic, batch.partition, message));
        const done = await options.onBatch({
          topic: batch.topic, partition: batch.partition, messages, highWatermark: batch.highWatermark, heartbeat,
          isActive: () => isRunning() && !isStale(),
        });
        // lastOffset() also covers control records at the end of the batch, which never reach us.
        const last = done >= messages.length ? batch.lastOffset() : done > 0 ? messages[done - 1]!.offset : undefined;
        if (last === undefined) return;
        resolveOffset(last);
        committer?.done({ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() });
      })();
      inFlight.add(handling);
      return handling.finally(() => inFlight.delete(handling));
    },
  });
  let stopped: Promise<void> | undefined;
  return {
    stop: () => (stopped ??= (async () => {
      // Take no new batches, let the ones in flight finish, commit their offsets while still in the group, leave.
      try {
        consumer.pause(topics.map((topic) => ({ topic })));
      } catch {
        // not running any more (it crashed for good): nothing to pause
      }
      await Promise.allSettled(inFlight);
      await committer?.stop();
      await consumer.disconnect();
    })()),
  };
}

function incoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  const { offset, key, value, timestamp } = message;
  return { topic, partition, offset, key, value, headers: headersOf(message.headers), timestamp };
}

function headersOf(raw: IHeaders | undefined): Headers {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = first.toString();
  }
  return headers;
}

/** A topic to create: a name, or a name and whether Kafka compacts it (keeps the latest message per key). */
export type TopicToCreate = string | { topic: string; compacted?: boolean };

/**
 * Creates the topics that do not exist yet (the services' topics, and every `<topic>.dlq`).
 * Services call it at start for every topic they touch, so they can start in any order.
 */
export async function ensureTopics(config: KafkaConfig, topics: readonly TopicToCreate[], numPartitions = 3): Promise<void> {
  const specs = topics.map((entry) => (typeof entry === "string" ? { topic: entry, compacted: false } : entry));
  // Services start together and create the same topics at once; Kafka can then fail one of them
  // (UNKNOWN_TOPIC_OR_PARTITION while another's creation settles, seen under docker compose): try
  // again a few times before giving up with the last error.
  for (let attempt = 1; ; attempt++) {
    try {
      return await createMissingTopics(config, specs, numPartitions);
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

async function createMissingTopics(config: KafkaConfig, specs: { topic: string; compacted?: boolean }[], numPartitions: number): Promise<void> {
  await withAdmin(config, async (admin) => {
    // Only the missing ones: asking Kafka to create an existing topic makes kafkajs log a warning.
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter(({ topic }) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map(({ topic, compacted }) => ({
        topic, numPartitions, ...(compacted ? { configEntries: [{ name: "cleanup.policy", value: "compact" }] } : {}),
      })),
    });
  });
}

/** Moves a consumer group back to the start of a topic (the group must have no running member). */
export async function resetOffsetsToEarliest(config: KafkaConfig, groupId: string, topic: string): Promise<void> {
  await withAdmin(config, (admin) => admin.resetOffsets({ groupId, topic, earliest: true }));
}

/**
 * Where a group stands on a topic: per partition, the next offset it will read and the end of
 * the partition (the high-water mark). Used to read a topic "to its end" (the DLQ tools).
 */
export async function groupPosition(config: KafkaConfig, groupId: string, topic: string): Promise<{ partition: number; next: number; end: number }[]> {
  return withAdmin(config, async (admin) => {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return ends.map(({ partition, low, high }) => {
      const offset = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      return { partition, next: Math.max(offset, Number(low)), end: Number(high) };
    });
  });
}

/** Each partition's end (high-water mark) now: what a reader "to the end" reads up to. */
export async function topicEnds(config: KafkaConfig, topic: string): Promise<Map<number, number>> {
  return withAdmin(config, async (admin) => new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, Number(high)])));
}

/** Resolves if a broker answers a metadata request within a few seconds (readiness checks). */
export async function kafkaReachable(config: KafkaConfig): Promise<void> {
  const admin = new Kafka({
    brokers: config.brokers, clientId: config.clientId, sasl: saslOf(config.credentials), logLevel: logLevel.NOTHING, connectionTimeout: 2000, requestTimeout: 3000, retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect();
  }
}

export async function topicExists(config: KafkaConfig, topic: string): Promise<boolean> {
  return withAdmin(config, async (admin) => (await admin.listTopics()).includes(topic));
}

export async function deleteGroup(config: KafkaConfig, groupId: string): Promise<void> {
  await withAdmin(config, (admin) => admin.deleteGroups([groupId])).catch((error: unknown) =>
    (config.logger ?? silentLogger).warn({ groupId, ...errorFields(error) }, "could not delete consumer group"));
}

async function withAdmin<T>(config: KafkaConfig, work: (admin: ReturnType<Kafka["admin"]>) => Promise<T>): Promise<T> {
  const admin = client(config).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}
