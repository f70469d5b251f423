/**
 * The dead letter channel: a message the consumer gives up on goes to `<topic>.dlq` unchanged
 * (same key, value and headers) plus headers saying why and where from, so the partition can move
 * on. `listDeadLetters` shows them; `redrive` republishes them to their source topic once the
 * cause is fixed (the inbox skips any the consumer had handled after all).
 */
import { randomUUID } from "node:crypto";
import {
  connectPublisher, deleteGroup, groupPosition, subscribe, topicExists, type IncomingMessage, type KafkaConfig, type OutgoingMessage,
} from "./kafka";
import { silentLogger } from "./logger";

/** Why a message was dead-lettered. */
export type FailureKind = "undecodable" | "invalid" | "wrong-producer" | "handler" | "retries-exhausted";

export const dlqHeaders = {
  error: "dlq-error",
  kind: "dlq-error-kind",
  topic: "dlq-source-topic",
  partition: "dlq-source-partition",
  offset: "dlq-source-offset",
  group: "dlq-consumer-group",
  failedAt: "dlq-failed-at",
} as const;

export function deadLetterTopic(topic: string): string {
  return topic.endsWith(".dlq") ? topic : `${topic}.dlq`;
}

export function deadLetterMessage(message: IncomingMessage, kind: FailureKind, error: unknown, groupId: string, now = new Date()): OutgoingMessage {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    topic: deadLetterTopic(message.topic),
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [dlqHeaders.error]: reason.slice(0, 2000),
      [dlqHeaders.kind]: kind,
      [dlqHeaders.topic]: message.topic,
      [dlqHeaders.partition]: String(message.partition),
      [dlqHeaders.offset]: message.offset,
      [dlqHeaders.group]: groupId,
      [dlqHeaders.failedAt]: now.toISOString(),
    },
  };
}

/** The message as it was before it failed: its source topic, without the dlq-* headers. */
export function originalMessage(message: IncomingMessage): OutgoingMessage {
  const headers = Object.fromEntries(Object.entries(message.headers).filter(([name]) => !name.startsWith("dlq-")));
  const topic = message.headers[dlqHeaders.topic] ?? message.topic.replace(/\.dlq$/, "");
  return { topic, key: message.key, value: message.value, headers };
}

/** Every message in the DLQ now, oldest first per partition. */
export async function listDeadLetters(kafka: KafkaConfig, topic: string): Promise<IncomingMessage[]> {
  const groupId = `dlq-list-${randomUUID()}`; // a throwaway group: listing moves nothing
  const found: IncomingMessage[] = [];
  try {
    await readToEnd(kafka, deadLetterTopic(topic), groupId, async (messages) => void found.push(...messages));
  } finally {
    await deleteGroup(kafka, groupId);
  }
  return found;
}

/** The dead letters the next `redrive` would republish: those after where the last one stopped. */
export async function waitingDeadLetters(kafka: KafkaConfig, topic: string): Promise<IncomingMessage[]> {
  const dlq = deadLetterTopic(topic);
  if (!(await topicExists(kafka, dlq))) return [];
  const next = new Map((await groupPosition(kafka, redriveGroup(dlq), dlq)).map((p) => [p.partition, p.next]));
  return (await listDeadLetters(kafka, topic)).filter((letter) => Number(letter.offset) >= (next.get(letter.partition) ?? 0));
}

const redriveGroup = (dlq: string) => `${dlq}.redrive`;

/**
 * Republishes every DLQ message not re-driven yet to its source topic. Progress is the offset of
 * the group `<topic>.dlq.redrive`, committed after each batch is acknowledged: a second run
 * re-drives only what arrived since (a crash mid-run re-drives a batch twice; the inbox dedupes).
 */
export async function redrive(kafka: KafkaConfig, topic: string): Promise<number> {
  const dlq = deadLetterTopic(topic);
  const publisher = await connectPublisher(kafka);
  let count = 0;
  try {
    await readToEnd(kafka, dlq, redriveGroup(dlq), async (messages) => {
      await publisher.send(messages.map(originalMessage));
      count += messages.length;
    });
  } finally {
    await publisher.disconnect();
  }
  (kafka.logger ?? silentLogger).info({ topic: dlq, count }, "re-drove dead letters");
  return count;
}

/**
 * Reads a topic with a consumer group from its committed offsets up to the end as it was when
 * the call started; later messages are left for the next call (and not committed).
 */
async function readToEnd(kafka: KafkaConfig, topic: string, groupId: string, each: (messages: IncomingMessage[]) => Promise<void>, timeoutMs = 60_000): Promise<void> {
  if (!(await topicExists(kafka, topic))) return; // nothing was ever dead-lettered there
  const ends = new Map((await groupPosition(kafka, groupId, topic)).filter((p) => p.next < p.end).map((p) => [p.partition, p.end]));
  if (ends.size === 0) return;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const subscription = await subscribe({
    ...kafka, groupId, topics: [topic], fromBeginning: true, maxWaitTimeInMs: 200,
    onBatch: async ({ partition, messages }) => {
      const end = ends.get(partition) ?? -1;
      const wanted = messages.filter((message) => Number(message.offset) < end);
      if (wanted.length > 0) await each(wanted);
      if (Number(messages.at(-1)?.offset ?? -1) + 1 >= end && ends.delete(partition) && ends.size === 0) finish();
      return wanted.length;
    },
  });
  const timer = setTimeout(finish, timeoutMs); // a partition that never reaches its end must not hang the CLI
  try {
    await finished;
  } finally {
    clearTimeout(timer);
    await subscription.stop();
  }
}
