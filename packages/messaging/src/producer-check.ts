/**
 * The producer check, a consumer step between decoding and the inbox: each topic has one owner,
 * the service that writes it, and every event names its `producer`. An event on a topic whose
 * owner it does not name was not written by the owner's outbox: a bug, a service writing where
 * it must not, or someone with a leaked credential. It is dead-lettered (kind `wrong-producer`),
 * like a message that cannot be decoded, and never reaches the handler.
 *
 * What it cannot catch: a forger who writes the owner's name. Broker ACLs (only the owner may
 * write its topic) and the domain's own checks (a fact that contradicts what a service knows is
 * not acted on) are the other layers.
 */
import { ValidationError } from "./errors";
import type { Event } from "./event";

/** Topic → the producer its events must name, e.g. { payments: "payment" }. */
export type TopicOwners = Readonly<Record<string, string>>;

/** Undefined when `event` names the owner of `topic`; otherwise the reason to dead-letter it. */
export function wrongProducer(topicOwners: TopicOwners, topic: string, event: Event): ValidationError | undefined {
  const owner = topicOwners[topic];
  const { producer } = event as Event & { producer?: unknown };
  if (owner !== undefined && producer === owner) return undefined;
  return new ValidationError(
    `wrong producer: ${event.eventType} ${event.eventId} on topic ${topic} names producer ${JSON.stringify(producer)}, `
    + `but ${owner === undefined ? "no owner is known for that topic" : `the topic's owner is "${owner}"`}`);
}

/** Fails fast at start: a consumer that checks producers must know the owner of every topic it reads. */
export function checkOwnersKnown(topicOwners: TopicOwners, topics: readonly string[]): void {
  const unknown = topics.filter((topic) => topicOwners[topic] === undefined);
  if (unknown.length > 0) throw new Error(`consume(): topicOwners names no owner for ${unknown.join(", ")}`);
}
