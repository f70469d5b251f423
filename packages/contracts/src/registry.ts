/**
 * The schemas in a Confluent-compatible registry (Apicurio's ccompat API, or Confluent's), over
 * plain HTTP: easy to follow in the registry's log.
 *
 * Two sides (docs/decisions/012-schema-registry-credentials.md): infra and tools register the
 * schemas with the admin credential (`registerSchemas`, run by register.ts); services only look
 * up the ids of what is already there with their read-only credential (`lookupSchemaIds`).
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

/** Where the registry is and who asks: HTTP basic credentials, as @kafkajs/confluent-schema-registry takes them. */
export interface SchemaRegistryAccess {
  url: string;
  auth?: { username: string; password: string };
}

class RegistryError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

async function call(registry: SchemaRegistryAccess, method: string, path: string, body: object): Promise<unknown> {
  const url = `${registry.url}${path}`;
  const headers: Record<string, string> = { "Content-Type": contentType };
  if (registry.auth) headers.Authorization = `Basic ${Buffer.from(`${registry.auth.username}:${registry.auth.password}`).toString("base64")}`;
  const response = await fetch(url, { method, headers, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new RegistryError(`${method} ${url}: ${response.status} ${text}`, response.status);
  return JSON.parse(text);
}

/**
 * Sets a subject's compatibility level. Do it before the first registration: a subject without a
 * level of its own gets the registry's global default (Apicurio's is NONE: no check at all).
 */
export async function setCompatibility(registry: SchemaRegistryAccess, subject: string, level: string = compatibility): Promise<void> {
  const put = () => call(registry, "PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: level });
  // When two registrations run at once (two tools, two test suites), Apicurio answers the second
  // of two first PUTs on a subject with 409 "rule already exists". The rule exists by then, so a
  // second PUT updates it.
  await put().catch((error: unknown) => (error instanceof RegistryError && error.status === 409 ? put() : Promise.reject(error)));
}

/**
 * Registers one schema under a subject and returns its id. Registering a schema the subject
 * already has (any version) returns the existing id and adds no version; an incompatible one throws (409).
 */
export async function registerSchema(registry: SchemaRegistryAccess, subject: string, schema: AvroRecord): Promise<number> {
  const path = `/subjects/${encodeURIComponent(subject)}/versions`;
  const { id } = (await call(registry, "POST", path, { schema: JSON.stringify(schema) })) as { id: number };
  return id;
}

/**
 * Registers every schema file, each event's versions oldest first, under `subjectFor(eventType)`,
 * setting each subject's compatibility first. Idempotent: `pnpm start`, `pnpm infra up`, the
 * tests' global setup and docker compose's `schemas` service run it at every start (register.ts).
 * Needs the admin credential. Returns the id of each event's current schema.
 */
export async function registerSchemas(registry: SchemaRegistryAccess): Promise<Record<EventType, number>> {
  const ids: Partial<Record<EventType, number>> = {};
  for (const file of schemaFiles()) {
    const subject = subjectFor(file.eventType);
    if (file.version === 1) await setCompatibility(registry, subject);
    const id = await registerSchema(registry, subject, file.schema);
    if (file.current) ids[file.eventType] = id;
  }
  return ids as Record<EventType, number>;
}

/**
 * The id of one schema already registered under a subject (a read: POST /subjects/<subject>
 * asks "which version is this?"). Throws SchemaNotRegisteredError when the registry does not have it.
 */
export async function lookupSchemaId(registry: SchemaRegistryAccess, subject: string, schema: AvroRecord): Promise<number> {
  try {
    const { id } = (await call(registry, "POST", `/subjects/${encodeURIComponent(subject)}`, { schema: JSON.stringify(schema) })) as { id: number };
    return id;
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) throw new SchemaNotRegisteredError(registry.url, subject);
    if (error instanceof RegistryError && error.status === 401) {
      throw new Error(`${error.message}\nThe registry did not accept the credential: check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD.`);
    }
    throw error;
  }
}

export class SchemaNotRegisteredError extends Error {
  constructor(registryUrl: string, subject: string) {
    super(
      `The schema registry at ${registryUrl} does not have the schema of ${subject}. Services only read the registry: ` +
        "register the schemas first with the admin credential, `pnpm infra schemas` for the registry of pnpm start " +
        "(which registers them at every start), `pnpm --filter @shop/contracts register` for another one " +
        "(docker compose runs it as the `schemas` service).",
    );
  }
}

/**
 * The id of each event's current schema, looked up, never registered: what a service needs to
 * encode, with only the read-only credential. Fails on the first schema the registry lacks.
 */
export async function lookupSchemaIds(registry: SchemaRegistryAccess): Promise<Record<EventType, number>> {
  const ids: Partial<Record<EventType, number>> = {};
  for (const file of schemaFiles().filter((f) => f.current)) {
    ids[file.eventType] = await lookupSchemaId(registry, subjectFor(file.eventType), file.schema);
  }
  return ids as Record<EventType, number>;
}
