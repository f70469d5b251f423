/**
 * The body of POST /orders, once: the JSON schema Fastify validates it with (a bad field, a wrong
 * type, an unknown field or a string past its limit is a 400 naming the field), and the type the
 * business takes, derived from that schema rather than written a second time.
 */
import { Type, type Static } from "@sinclair/typebox";

export const OrderBody = Type.Object({
  customerId: Type.String({ minLength: 1, maxLength: 100 }),
  items: Type.Array(Type.Object({
    sku: Type.String({ minLength: 1, maxLength: 64 }),
    quantity: Type.Integer({ minimum: 1, maximum: 1000 }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 100 }),
  paymentMethod: Type.String({ minLength: 1, maxLength: 100 }),
  shippingAddress: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 200 }),
    line1: Type.String({ minLength: 1, maxLength: 200 }),
    city: Type.String({ minLength: 1, maxLength: 200 }),
    postalCode: Type.String({ minLength: 1, maxLength: 20 }),
    country: Type.String({ maxLength: 2, pattern: "^[A-Z]{2}$", description: "ISO 3166-1 alpha-2" }),
  }, { additionalProperties: false }),
  email: Type.String({ format: "email", maxLength: 254 }), // 254: the longest address SMTP carries (RFC 5321)
}, { additionalProperties: false });

export type OrderRequest = Static<typeof OrderBody>;
