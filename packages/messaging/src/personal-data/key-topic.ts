/**
 * Fills a keyring from the datakeys topic: reads it from the beginning at start, and resolves
 * once it has read to the end each partition had then (so a service reports ready only with
 * every key issued before it started); then follows new keys and erasures as they come. A
 * group of its own per process (nothing committed): every instance reads every key.
 */
import { randomUUID } from "node:crypto";
import type { Codec } from "../codec";
import { subscribe, topicEnds, type KafkaConfig } from "../kafka";
import { errorFields, silentLogger } from "../logger";
import type { Keyring } from "./keyring";

export interface KeyTopicOptions {
  kafka: KafkaConfig;
  /** The service's name: its ACLs allow groups named "<service>.*". */
  service: string;
  topic: string;
  /** Decodes the key events (the schema-registry codec). */
  codec: Codec;
  keyring: Keyring;
  /** Who may write keys (the topic's owner); a record naming another producer is ignored. */
  producer: string;
}

type KeyEvent =
  | { eventType: "CustomerDataKeyIssued"; producer: string; keyId: string; category: string; kekId: string; wrappedKey: string }
  | { eventType: "CustomerDataKeyErased"; producer: string; keyId: string };

export async function followKeyTopic(options: KeyTopicOptions): Promise<{ stop(): Promise<void> }> {
  const { kafka, topic, codec, keyring } = options;
  const logger = kafka.logger ?? silentLogger;
  const startedAt = performance.now();
  let records = 0;
  const ends = await topicEnds(kafka, topic);
  const remaining = new Map([...ends].filter(([, end]) => end > 0));
  let caughtUp!: () => void;
  let failed!: (error: unknown) => void;
  const loaded = new Promise<void>((resolve, reject) => [caughtUp, failed] = [resolve, reject]);
  if (remaining.size === 0) caughtUp();
  loaded.catch(() => {}); // awaited below; a failure before that is not "unhandled"

  const subscription = await subscribe({
    // A throwaway group per process, so no static membership (instanceId): a restart reads the
    // topic again in a new group and would only leave a static member behind in the old one.
    ...kafka, instanceId: undefined, groupId: `${options.service}.keyring.${randomUUID()}`, topics: [topic], fromBeginning: true, commit: false,
    // Refused (no READ on the topic) or crashed for good: before the load, start-up fails; after
    // it, new keys and erasures stop arriving, which an operator must see.
    onFatal(error) {
      failed(error);
      logger.error({ topic, ...errorFields(error) }, "the keyring stopped following the data keys: restart the service");
    },
    async onBatch(batch) {
      for (const message of batch.messages) {
        if (message.value) await apply(message.value, message.offset);
        records += 1;
        const end = remaining.get(batch.partition);
        if (end !== undefined && Number(message.offset) + 1 >= end) remaining.delete(batch.partition);
      }
      if (remaining.size === 0) caughtUp();
      return batch.messages.length;
    },
  });

  async function apply(value: Buffer, offset: string): Promise<void> {
    try {
      const event = (await codec.decode(value)) as KeyEvent;
      if (event.producer !== options.producer) throw new Error(`written by ${event.producer}, not ${options.producer}`);
      if (event.eventType === "CustomerDataKeyIssued") await keyring.issued(event);
      else if (event.eventType === "CustomerDataKeyErased") keyring.erased(event.keyId);
    } catch (error) {
      // Never the key itself in the log: only where the record is and why it was skipped.
      logger.warn({ topic, offset, ...errorFields(error) }, "skipped a data-key record");
    }
  }

  try {
    await loaded;
  } catch (error) {
    await subscription.stop();
    throw error;
  }
  const ms = Math.round(performance.now() - startedAt);
  logger.info({ topic, records, ms }, `read ${records} data-key records to the end of ${topic} in ${ms} ms: following new ones`);
  return subscription;
}
