/** The generated files cannot drift from the schemas: they must equal a fresh generation. */
import fs from "node:fs";
import path from "node:path";
import { generateCatalogue, generateTypes, withCatalogue } from "./codegen";
import { schemaFiles, type SchemaFile } from "./schemas";

test("when the types are generated from the schema files, then they equal the committed src/generated.ts (else run pnpm --filter @shop/contracts generate)", () => {
  const committed = fs.readFileSync(path.join(__dirname, "generated.ts"), "utf8");

  expect(committed).toBe(generateTypes(schemaFiles()));
});

test("when the catalogue is generated from the schema files, then it equals the one in the committed README (else run pnpm --filter @shop/contracts generate)", () => {
  const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

  expect(readme).toBe(withCatalogue(readme, generateCatalogue(schemaFiles())));
});

test("when a schema has optional, array, enum, nested record and money fields, then the types are T | null, T[], a literal union, an interface and Cents", () => {
  const file: SchemaFile = {
    topic: "orders", eventType: "OrderPlaced", version: 1, current: true, file: "x.avsc",
    schema: {
      type: "record", name: "OrderPlaced", namespace: "shop.orders", doc: "An example.",
      fields: [
        { name: "eventType", type: "string" },
        { name: "note", type: ["null", "string"], default: null, doc: "Optional." },
        { name: "lines", type: { type: "array", items: { type: "record", name: "Line", fields: [{ name: "cents", type: "long" }] } } },
        { name: "colour", type: { type: "enum", name: "Colour", symbols: ["red", "blue"] } },
        { name: "total", type: "long" },
      ],
    },
  };

  const types = generateTypes([file]);

  expect(types).toContain("export interface Line {\n  cents: number;\n}\n");
  expect(types).toContain('export type Colour = "red" | "blue";\n');
  expect(types).toContain(
    '/** An example. */\nexport interface OrderPlaced {\n  eventType: "OrderPlaced";\n  /** Optional. */\n  note: string | null;\n  lines: Line[];\n  colour: Colour;\n  total: Cents;\n}\n',
  );
});
