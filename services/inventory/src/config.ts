import path from "node:path";
import { Type } from "@sinclair/typebox";
import { serviceConfig } from "@shop/service-kit";

export const { load: loadConfig } = serviceConfig(3002, {
  CATALOG_FILE: Type.String({
    minLength: 1,
    default: path.join(__dirname, "..", "catalog.json"),
    description: "the products (sku, name, price in cents, quantity) seeded into an empty database",
  }),
});
