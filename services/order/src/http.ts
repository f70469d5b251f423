import { Type, type Static } from "@sinclair/typebox";
import type { Pool } from "pg";
import { createApp, type Logger, type ReadinessCheck } from "@shop/observability";
import { catalog } from "./db";
import { retryAfterSeconds, type LoadShedder } from "./load-shedding";
import { eraseCustomer, getOrder, IdempotencyKeyReusedError, UnknownSkuError, type OrdersDeps } from "./orders";
import { placementQueue } from "./placement-queue";

/**
 * POST /orders: validated against this schema before the handler runs; a bad field, a wrong type,
 * an unknown field or a string past its limit is a 400 naming the field.
 */
const OrderBody = Type.Object({
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

/** Every other header is allowed; this one is checked. Stripe's limit: a UUID fits many times over. */
const OrderHeaders = Type.Object({ "idempotency-key": Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) });

const CustomerParams = Type.Object({ customerId: OrderBody.properties.customerId }, { additionalProperties: false });

const OrderParams = Type.Object({ id: Type.String({ format: "uuid", maxLength: 36 }) }, { additionalProperties: false });

export interface HttpDeps {
  logger: Logger;
  orders: OrdersDeps;
  pool: Pool;
  shedder: LoadShedder;
  readiness: Record<string, ReadinessCheck>;
}

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: HttpDeps) {
  const app = createApp({ logger: deps.logger, readiness: deps.readiness, clientErrorStatus });
  const placement = placementQueue(deps.orders); // orders arriving together are written together

  app.post<{ Body: Static<typeof OrderBody>; Headers: Static<typeof OrderHeaders> }>(
    "/orders", {
      schema: { body: OrderBody, headers: OrderHeaders },
      // At the door, before the body is read: past capacity, refuse rather than take an order the
      // deadline would cancel after charging it (load-shedding.ts). 503, not 429: the shop is
      // full, whoever asks; the client did nothing wrong and may retry.
      onRequest: async (request, reply) => {
        if (await deps.shedder.admit(request.headers["idempotency-key"])) return;
        return reply.code(503).header("retry-after", String(retryAfterSeconds)).send({
          error: "Service Unavailable",
          message: `The shop is at capacity: it has as many orders in progress as it can finish in time. This order was not placed and nothing was charged; send it again after ${retryAfterSeconds} s.`,
        });
      },
    },
    async (request, reply) => {
      const result = await placement.place({ request: request.body, idempotencyKey: request.headers["idempotency-key"] });
      if ("error" in result) throw result.error; // 400 or 422 (clientErrorStatus)
      return reply.code(202).send(result.order);
    },
  );

  // What order knows of the catalogue (its projection of the catalog topic): the prices it charges.
  app.get("/catalog", async () => catalog(deps.pool));

  app.get<{ Params: Static<typeof OrderParams> }>("/orders/:id", { schema: { params: OrderParams } }, async (request, reply) => {
    const order = await getOrder(deps.pool, request.params.id);
    return order ?? reply.code(404).send({ error: "Not Found", message: `no order ${request.params.id}` });
  });

  // The customer's right to erasure (docs/decisions/014): their data keys are erased, so their
  // personal fields can no longer be read anywhere; the orders and every business fact stay.
  // 200 with what was erased; the same again is harmless (erasedKeys 0).
  app.delete<{ Params: Static<typeof CustomerParams> }>("/customers/:customerId/personal-data", { schema: { params: CustomerParams } },
    async (request) => eraseCustomer(deps.orders, request.params.customerId));

  return app;
}

/** The order service's own client errors: an unknown SKU is a bad request; a key reused with another body, a request that cannot be processed. */
function clientErrorStatus(error: Error): number | undefined {
  if (error instanceof UnknownSkuError) return 400;
  if (error instanceof IdempotencyKeyReusedError) return 422;
  return undefined;
}
