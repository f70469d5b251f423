/**
 * The codec with personal data in mind (docs/decisions/014), wrapped around another codec:
 * - encode refuses an event whose personal field is not sealed: plaintext personal data never
 *   reaches the outbox, whoever forgot to seal it (the producer seals, personal-data/sealing.ts,
 *   in the transaction where it has the customer's key);
 * - decode makes sure this service can open what it may open: a field of a category it holds
 *   the KEK of, sealed with a key not yet read from the datakeys topic, is a retriable
 *   DecodeError (the consumer waits for the key; never the DLQ, never taken for erased). A
 *   personal field that is not sealed is undecodable (DLQ). Fields stay sealed in the event:
 *   a handler opens one when it uses it (keyring.open), so no plaintext lands in a table, a log
 *   line or a dead letter by accident.
 * Error messages name the field and key, never the value.
 */
import type { Codec } from "./codec";
import { DecodeError, EncodeError } from "./errors";
import type { Keyring } from "./personal-data/keyring";
import { isSealed, keyIdOf } from "./personal-data/sealing";

/** A marked field of an event type: its path (dots into nested records) and category. */
export interface MarkedField {
  path: string;
  category: string;
}

export interface PersonalDataCodecOptions {
  /** The marked fields per event type (@shop/contracts' personalFields()). */
  fields: Readonly<Partial<Record<string, readonly MarkedField[]>>>;
  /** The service's keyring; none for a service that opens no personal data. */
  keyring?: Keyring;
}

export function personalDataCodec(inner: Codec, { fields, keyring }: PersonalDataCodecOptions): Codec {
  return {
    async encode(topic, event) {
      for (const { path } of fields[event.eventType] ?? []) {
        if (!isSealed(valueAt(event, path))) throw new EncodeError(`cannot encode ${event.eventType}: ${path} is personal data and is not sealed`);
      }
      return inner.encode(topic, event);
    },
    async decode(value) {
      const decoded = await inner.decode(value);
      const { eventType } = (decoded ?? {}) as { eventType?: unknown };
      for (const { path, category } of fields[String(eventType)] ?? []) {
        const field = valueAt(decoded, path);
        if (!isSealed(field)) throw new DecodeError(`${String(eventType)}: ${path} is personal data and is not sealed`);
        if (!keyring?.categories.includes(category)) continue; // not ours to open: it stays ciphertext
        const keyId = keyIdOf(field, path);
        const status = keyring.status(keyId);
        if (status === "unknown") throw new DecodeError(`${String(eventType)}: ${path} is sealed with key ${keyId}, not received yet`, { retriable: true });
        if (status === "not-ours") throw new DecodeError(`${String(eventType)}: ${path} is sealed with key ${keyId} of another category`);
      }
      return decoded;
    },
  };
}

function valueAt(record: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((value, name) => (typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined), record);
}
