/**
 * @shop/messaging: the transactional outbox and its relay, the idempotent inbox consumer with
 * retries and a dead letter topic, the schema-registry codec, and W3C trace propagation.
 * README.md states the guarantees and their limits.
 */
export { schemaRegistryCodec, type Codec, type SchemaRegistryCodecOptions } from "./codec";
export { personalDataCodec, type MarkedField, type PersonalDataCodecOptions } from "./personal-data-codec";
export * from "./personal-data";
export { consume, type Consumer, type ConsumeOptions } from "./consumer";
export { reportContradiction, type Contradiction } from "./contradicting-events";
export { dlqHeaders, deadLetterTopic, listDeadLetters, redrive, waitingDeadLetters, type FailureKind } from "./dead-letter";
export {
  classifyError, DecodeError, EncodeError, MessagingError, RetriableError, ValidationError, type ErrorClass,
} from "./errors";
export { validateEvent, type Event } from "./event";
export type { BatchHandler, Handler, HandlerContext, ReceivedEvent } from "./inbox";
export { ensureTopics, kafkaReachable, type IncomingMessage, type KafkaConfig, type TopicToCreate } from "./kafka";
export { silentLogger, type Logger } from "./logger";
export { messagingMigrations, migrate, migrationsIn, type Migration } from "./migrations";
export { createOutbox, outboxBacklog, outboxChannel, type AddOptions, type Outbox, type OutboxOptions, type OutgoingEvent } from "./outbox";
export { type TopicOwners } from "./producer-check";
export { startRelay, type Relay, type RelayOptions } from "./relay";
export { backoffDelay, type Backoff } from "./retry";
export { readTraceContext, traceIdOf, writeTraceContext, type TraceContext } from "./tracing";
export { withTransaction } from "./transaction";
