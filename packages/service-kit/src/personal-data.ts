import { personalFields, topicOwners, topics, type Service } from "@shop/contracts";
import type { ShutdownStep } from "./shutdown";
import { createKeyring, followKeyTopic, personalDataCodec, type Codec, type KafkaConfig, type KeyEncryptionKey, type Logger } from "@shop/messaging";

/**
 * For a service that opens personal data (email: contact, warehouse: address; decision 014): a
 * keyring holding the service's key-encryption keys, filled with the customers' data keys from
 * the datakeys topic before the service consumes, and the codec that opens the marked fields with
 * it. Events keep the fields sealed; the service opens one when it needs it. The datakeys reader
 * stops with the service (`onStop`: ServiceContext's), and logs to the service's log: how long the
 * keys took to read, a record it skipped, and, loudest, that it stopped following them.
 */
export async function followPersonalData({ service, kafka, logger, registryCodec, keks, onStop }: {
  service: Service; kafka: KafkaConfig; logger: Logger; registryCodec: Codec; keks: Readonly<Record<string, KeyEncryptionKey>>; onStop: (step: ShutdownStep) => void;
}) {
  const keyring = createKeyring(keks);
  const keys = await followKeyTopic({ kafka: { ...kafka, logger }, service, topic: topics.datakeys, producer: topicOwners.datakeys, codec: registryCodec, keyring });
  const codec = personalDataCodec(registryCodec, { fields: personalFields(), keyring });
  onStop(() => keys.stop());
  return { keyring, codec };
}
