import { Type } from "@sinclair/typebox";
import { createApp, type ServiceHttpDeps } from "@shop/service-kit";
import { getShipment } from "./shipments";

const ShipmentParams = Type.Object({ orderId: Type.String({ format: "uuid", maxLength: 36 }) }, { additionalProperties: false });

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: ServiceHttpDeps) {
  const app = createApp(deps);

  app.get("/shipments/:orderId", { schema: { params: ShipmentParams } }, async (request, reply) => {
    const shipment = await getShipment(deps.pool, request.params.orderId);
    return shipment ?? reply.code(404).send({ error: "Not Found", message: `no shipment for order ${request.params.orderId}` });
  });

  return app;
}
