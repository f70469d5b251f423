import { Type, type Static } from "@sinclair/typebox";
import type { Pool } from "pg";
import { createApp, type Logger, type ReadinessCheck } from "@shop/observability";
import { getPayment } from "./payments";

const PaymentParams = Type.Object({ orderId: Type.String({ format: "uuid", maxLength: 36 }) }, { additionalProperties: false });

export interface HttpDeps {
  logger: Logger;
  pool: Pool;
  readiness: Record<string, ReadinessCheck>;
}

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: HttpDeps) {
  const app = createApp({ logger: deps.logger, readiness: deps.readiness });

  app.get<{ Params: Static<typeof PaymentParams> }>("/payments/:orderId", { schema: { params: PaymentParams } }, async (request, reply) => {
    const payment = await getPayment(deps.pool, request.params.orderId);
    return payment ?? reply.code(404).send({ error: "Not Found", message: `no payment for order ${request.params.orderId}` });
  });

  return app;
}
