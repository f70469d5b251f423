/** `pnpm --filter @shop/contracts generate`: rewrites src/generated.ts and the README's event catalogue from the schemas. */
import fs from "node:fs";
import path from "node:path";
import { generateCatalogue, generateTypes, withCatalogue } from "./codegen";
import { schemaFiles } from "./schemas";

const files = schemaFiles();
const readme = path.join(__dirname, "..", "README.md");
fs.writeFileSync(path.join(__dirname, "generated.ts"), generateTypes(files));
fs.writeFileSync(readme, withCatalogue(fs.readFileSync(readme, "utf8"), generateCatalogue(files)));
console.log(`generated src/generated.ts and the README catalogue from ${files.length} schema files`);
