/**
 * Generated inputs for property-based HTTP tests (fast-check): what a client could put into a
 * URL, good or bad. Tests send them with app.inject and check the answer is never a 5xx.
 */
import fc from "fast-check";

/** Every byte percent-encoded: a URL carries any text this way, and any bytes, valid UTF-8 or not. */
export function percentEncoded(bytes: Uint8Array): string {
  return [...bytes].map((byte) => `%${byte.toString(16).padStart(2, "0").toUpperCase()}`).join("");
}

/** One path segment or query value: a UUID, any text (NUL included), raw bytes (invalid UTF-8), or a known troublemaker. */
export const anyUrlPart: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  fc.string({ unit: "binary", maxLength: 80 }).map((text) => percentEncoded(Buffer.from(text, "utf8"))),
  fc.uint8Array({ maxLength: 40 }).map(percentEncoded),
  fc.stringMatching(/^[A-Za-z0-9._~-]{0,80}$/),
  fc.constantFrom("%00", "%ED%A0%80", "%", "%zz", "%C0%AF", "..", "%2F", "x".repeat(5_000), "0".repeat(37)),
);

/** A query string: nothing, or one to three `name=value` pairs of generated parts (names repeat). */
export const anyQueryString: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.constantFrom("orderId", "sku", "id", "page", "x", "%00"), anyUrlPart), { maxLength: 3 })
  .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([name, value]) => `${name}=${value}`).join("&")}`));
