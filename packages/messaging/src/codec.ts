/**
 * How events become message bytes and back. The relay never encodes (the outbox stores bytes);
 * `outbox.add` encodes and the consumer decodes, both through this interface.
 */
import { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import { DecodeError, EncodeError } from "./errors";
import type { Event } from "./event";

export interface Codec {
  /** Throws EncodeError (retriable when the registry could not be reached). */
  encode(topic: string, event: Event): Promise<Buffer>;
  /** Throws DecodeError: retriable when the registry could not be reached, not when the bytes are bad. */
  decode(value: Buffer): Promise<unknown>;
}

export interface SchemaRegistryCodecOptions {
  /** The Confluent-compatible API root, e.g. http://localhost:8080/apis/ccompat/v7 */
  url: string;
  /** HTTP basic credentials; a read-only one is enough: the codec only fetches schemas by id. */
  auth?: { username: string; password: string };
  /** The registered schema id of each event type (lookupSchemaIds in packages/contracts finds them). */
  schemaIds: Readonly<Record<string, number>>;
}

/**
 * Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro body) via
 * @kafkajs/confluent-schema-registry, which fetches each schema once by id and caches it: after
 * the first event of each type, encoding and decoding are local CPU work.
 */
export function schemaRegistryCodec({ url, auth, schemaIds }: SchemaRegistryCodecOptions): Codec {
  const registry = new SchemaRegistry({ host: url, auth });
  return {
    async encode(topic, event) {
      const id = schemaIds[event.eventType];
      if (id === undefined) {
        throw new EncodeError(`cannot encode ${event.eventType} for topic ${topic}: no schema id for that event type`);
      }
      try {
        return await registry.encode(id, event);
      } catch (error) {
        const retriable = registryUnreachable(error);
        throw new EncodeError(`cannot encode ${event.eventType} for topic ${topic} with schema ${id}: ${messageOf(error)}`, { cause: error, retriable });
      }
    },
    async decode(value) {
      try {
        return await registry.decode(value);
      } catch (error) {
        const retriable = registryUnreachable(error);
        throw new DecodeError(`cannot decode: ${messageOf(error)}`, { cause: error, retriable });
      }
    },
  };
}

/**
 * The client reports HTTP answers as ResponseError with the status; a network failure comes as
 * status 400 from its HTTP layer. Only "404 schema not found" says the bytes themselves are wrong.
 */
function registryUnreachable(error: unknown): boolean {
  const { name, status } = (error ?? {}) as { name?: unknown; status?: unknown };
  return name === "ResponseError" && status !== 404;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One message's value as an event, or why it can never be one: "undecodable" (not the wire
 * format, unknown schema) or "invalid" (decoded, but `validate` rejects it). Throws only while
 * the registry cannot be reached: then the bytes may well be fine, and the caller tries again.
 */
export async function readEvent<E>(
  codec: Codec, validate: (value: unknown) => E, value: Buffer | null,
): Promise<{ event: E } | { kind: "undecodable" | "invalid"; error: unknown }> {
  if (value === null) return { kind: "undecodable", error: new DecodeError("the message has no value") };
  let decoded: unknown;
  try {
    decoded = await codec.decode(value);
  } catch (error) {
    if (error instanceof DecodeError && error.retriable) throw error;
    return { kind: "undecodable", error };
  }
  try {
    return { event: validate(decoded) };
  } catch (error) {
    return { kind: "invalid", error };
  }
}
