/**
 * The fingerprint of a POST /orders body, stored with the order: a retry with the same
 * Idempotency-Key must carry the same body (Stripe's rule), and comparing fingerprints tells.
 */
import { createHash } from "node:crypto";

/** SHA-256 (hex) of the body's canonical JSON: the same data gives the same hash, whatever the order of its keys. */
export function bodySha256(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
}

/** JSON with every object's keys sorted and no spaces; arrays keep their order (a list's order is data). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
