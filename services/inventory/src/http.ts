import { Type } from "@sinclair/typebox";
import { createApp, type ServiceHttpDeps } from "@shop/service-kit";
import { getStock, listStock } from "./stock";

const StockParams = Type.Object({ sku: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

/** Builds the HTTP API without listening, so tests can call it with app.inject(). */
export function buildHttp(deps: ServiceHttpDeps) {
  const app = createApp(deps);

  // Every SKU with its stock: {sku, name, price, available, reserved, sold}, price in cents.
  app.get("/stock", async () => listStock(deps.pool));

  app.get("/stock/:sku", { schema: { params: StockParams } }, async (request, reply) => {
    const stock = await getStock(deps.pool, request.params.sku);
    return stock ?? reply.code(404).send({ error: "Not Found", message: `no sku ${request.params.sku}` });
  });

  return app;
}
