/**
 * Sealing one field's value with a customer's data key: AES-256-GCM, a fresh 12-byte IV per
 * value, and the key id and field path as additional authenticated data, so a sealed value
 * cannot be moved to another field or passed off as another key's. The result is a string, so a
 * sealed field keeps its Avro type (string) and the schema stays compatible:
 *
 *     pii:v1:<keyId>:<base64(iv | ciphertext | tag)>
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** A customer's data key for one category: 32 random bytes and the id that names it. */
export interface DataKey {
  keyId: string;
  key: Buffer;
}

const prefix = "pii:v1:";
const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const sealedPattern = new RegExp(`^pii:v1:(${uuid}):([A-Za-z0-9+/]+={0,2})$`);

/** Sealing failed for good: a value altered, sealed for another field, or not sealed at all. Says nothing of the value. */
export class SealError extends Error {}

/** True for a value in the sealed format: an erased customer's field stays like this. */
export function isSealed(value: unknown): value is string {
  return typeof value === "string" && sealedPattern.test(value);
}

/** The id of the key that sealed the value. Throws SealError for a value that is not sealed. */
export function keyIdOf(sealed: string, field: string): string {
  const match = sealedPattern.exec(sealed);
  if (!match) throw new SealError(`${field} is personal data and is not sealed`);
  return match[1]!;
}

export function seal(plaintext: string, { keyId, key }: DataKey, field: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(aadOf(keyId, field));
  const body = Buffer.concat([iv, cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${prefix}${keyId}:${body.toString("base64")}`;
}

/** The plaintext. Throws SealError when the value was altered, sealed for another field, or with another key. */
export function open(sealed: string, { keyId, key }: DataKey, field: string): string {
  if (keyIdOf(sealed, field) !== keyId) throw new SealError(`${field} was sealed with another key than ${keyId}`);
  const body = Buffer.from(sealed.slice(prefix.length + keyId.length + 1), "base64");
  if (body.length < 12 + 16) throw new SealError(`${field}: the sealed value is too short`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, body.subarray(0, 12)).setAAD(aadOf(keyId, field));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(12, body.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    throw new SealError(`${field}: the sealed value does not authenticate (altered, or sealed for another field)`);
  }
}

const aadOf = (keyId: string, field: string) => Buffer.from(`${keyId}|${field}`);

/**
 * A copy of the record with each listed field sealed with its category's key: what a producer
 * calls on an event before the outbox (whose codec refuses a personal field left in clear).
 */
export function sealFields<T>(record: T, fields: readonly { path: string; category: string }[], keyFor: (category: string) => DataKey): T {
  const copy = structuredClone(record) as Record<string, unknown>;
  for (const { path, category } of fields) {
    const names = path.split(".");
    const parent = names.slice(0, -1).reduce<Record<string, unknown>>((value, name) => value[name] as Record<string, unknown>, copy);
    const last = names[names.length - 1]!;
    const value = parent[last];
    if (typeof value !== "string") throw new SealError(`${path} is personal data and is not a string`);
    if (!isSealed(value)) parent[last] = seal(value, keyFor(category), path);
  }
  return copy as T;
}
