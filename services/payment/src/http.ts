import { Type } from "@sinclair/typebox";
import { createApp, type ServiceHttpDeps } from "@shop/service-kit";
import { getPayment } from "./payments";

const PaymentParams = Type.Object({ orderId: Type.String({ format: "uuid", maxLength: 36 }) }, { additionalProperties: false });

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: ServiceHttpDeps) {
  const app = createApp(deps);

  app.get("/payments/:orderId", { schema: { params: PaymentParams } }, async (request, reply) => {
    const payment = await getPayment(deps.pool, request.params.orderId);
    return payment ?? reply.code(404).send({ error: "Not Found", message: `no payment for order ${request.params.orderId}` });
  });

  return app;
}
