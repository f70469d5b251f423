import { Type } from "@sinclair/typebox";
import { createApp, type ServiceHttpDeps } from "@shop/service-kit";
import { catalog } from "./db";
import { retryAfterSeconds, type LoadShedder } from "./load-shedding";
import { eraseCustomer, getOrder, IdempotencyKeyReusedError, UnknownSkuError, type OrdersDeps } from "./orders";
import { OrderBody } from "./order-request";
import { placementQueue } from "./placement-queue";

/** Every other header is allowed; this one is checked. Stripe's limit: a UUID fits many times over. */
const OrderHeaders = Type.Object({ "idempotency-key": Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) });

const CustomerParams = Type.Object({ customerId: OrderBody.properties.customerId }, { additionalProperties: false });

const OrderParams = Type.Object({ id: Type.String({ format: "uuid", maxLength: 36 }) }, { additionalProperties: false });

export interface HttpDeps extends Omit<ServiceHttpDeps, "clientErrorStatus"> {
  orders: OrdersDeps;
  shedder: LoadShedder;
}

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: HttpDeps) {
  const app = createApp({ ...deps, clientErrorStatus });
  const placement = placementQueue(deps.orders); // orders arriving together are written together

  app.post(
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

  app.get("/orders/:id", { schema: { params: OrderParams } }, async (request, reply) => {
    const order = await getOrder(deps.pool, request.params.id);
    return order ?? reply.code(404).send({ error: "Not Found", message: `no order ${request.params.id}` });
  });

  // The customer's right to erasure (docs/decisions/014): their data keys are erased, so their
  // personal fields can no longer be read anywhere; the orders and every business fact stay.
  // 200 with what was erased; the same again is harmless (erasedKeys 0).
  app.delete("/customers/:customerId/personal-data", { schema: { params: CustomerParams } },
    async (request) => eraseCustomer(deps.orders, request.params.customerId));

  return app;
}

/** The order service's own client errors: an unknown SKU is a bad request; a key reused with another body, a request that cannot be processed. */
function clientErrorStatus(error: Error): number | undefined {
  if (error instanceof UnknownSkuError) return 400;
  if (error instanceof IdempotencyKeyReusedError) return 422;
  return undefined;
}
