/**
 * Registers the schemas in a Confluent-compatible registry (Apicurio's ccompat API, or Confluent's),
 * over plain HTTP: two calls per schema, easy to follow in the registry's log.
 */
import type { EventType } from "./generated";
import { schemaFiles, subjectFor, type AvroRecord } from "./schemas";

/**
 * Why FULL_TRANSITIVE rather than the registry's usual BACKWARD: in a choreography the producer
 * cannot know when its consumers upgrade, so old consumers must read new events (FORWARD) and new
 * consumers old ones (BACKWARD); and analytics rebuilds and DLQ re-drives read events of every
 * version ever written (TRANSITIVE). The price is that only fields with a default may be added
 * or removed, which is the evolution rule anyway (see the README).
 */
export const compatibility = "FULL_TRANSITIVE";

const contentType = "application/vnd.schemaregistry.v1+json";

class RegistryError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

async function call(method: string, url: string, body: object): Promise<unknown> {
  const response = await fetch(url, { method, headers: { "Content-Type": contentType }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new RegistryError(`${method} ${url}: ${response.status} ${text}`, response.status);
  return JSON.parse(text);
}

/**
 * Sets a subject's compatibility level. Do it before the first registration: a subject without a
 * level of its own gets the registry's global default (Apicurio's is NONE: no check at all).
 */
export async function setCompatibility(registryUrl: string, subject: string, level: string = compatibility): Promise<void> {
  const put = () => call("PUT", `${registryUrl}/config/${encodeURIComponent(subject)}`, { compatibility: level });
  // When services start together, Apicurio answers the second of two first PUTs on a subject with
  // 409 "rule already exists". The rule exists by then, so a second PUT updates it.
  await put().catch((error: unknown) => (error instanceof RegistryError && error.status === 409 ? put() : Promise.reject(error)));
}

/**
 * Registers one schema under a subject and returns its id. Registering a schema the subject
 * already has (any version) returns the existing id and adds no version; an incompatible one throws (409).
 */
export async function registerSchema(registryUrl: string, subject: string, schema: AvroRecord): Promise<number> {
  const url = `${registryUrl}/subjects/${encodeURIComponent(subject)}/versions`;
  const { id } = (await call("POST", url, { schema: JSON.stringify(schema) })) as { id: number };
  return id;
}

/**
 * Registers every schema file, each event's versions oldest first, under `subjectFor(eventType)`,
 * setting each subject's compatibility first. Idempotent: run it at every start.
 * Returns the id of each event's current schema, the one producers encode with.
 */
export async function registerSchemas(registryUrl: string): Promise<Record<EventType, number>> {
  const ids: Partial<Record<EventType, number>> = {};
  for (const file of schemaFiles()) {
    const subject = subjectFor(file.eventType);
    if (file.version === 1) await setCompatibility(registryUrl, subject);
    const id = await registerSchema(registryUrl, subject, file.schema);
    if (file.current) ids[file.eventType] = id;
  }
  return ids as Record<EventType, number>;
}
