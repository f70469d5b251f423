import { personalFields, topicOwners, topics, type Service } from "@shop/contracts";
import type { ShutdownStep } from "./shutdown";
import { createKeyring, followKeyTopic, personalDataCodec, type Codec, type KafkaConfig, type KeyEncryptionKey } from "@shop/messaging";

/**
 * For a service that opens personal data (email: contact, warehouse: address; decision 014): a
 * keyring holding the service's key-encryption keys, filled with the customers' data keys from
 * the datakeys topic before the service consumes, and the codec that opens the marked fields with
 * it. Events keep the fields sealed; the service opens one when it needs it. The datakeys reader
 * stops with the service (`onStop`: ServiceContext's).
 */
export async function followPersonalData({ service, kafka, registryCodec, keks, onStop }: {
  service: Service; kafka: KafkaConfig; registryCodec: Codec; keks: Readonly<Record<string, KeyEncryptionKey>>; onStop: (step: ShutdownStep) => void;
}) {
  const keyring = createKeyring(keks);
  const keys = await followKeyTopic({ kafka, service, topic: topics.datakeys, producer: topicOwners.datakeys, codec: registryCodec, keyring });
  const codec = personalDataCodec(registryCodec, { fields: personalFields(), keyring });
  onStop(() => keys.stop());
  return { keyring, codec };
}
