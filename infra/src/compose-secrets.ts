/**
 * pnpm compose:secrets: gives every secret docker compose needs a random value in .env (docker
 * compose reads .env; git ignores it): an empty `NAME=` line is filled in, a missing one added.
 * Values already set are kept: Kafka made its users and PostgreSQL its roles from them when their
 * volumes were first initialised (decisions 011 and 013).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { personalDataCategories, services } from "@shop/contracts";
import { repoRoot } from "./paths";
import { postgresComposeSecrets } from "./postgres-roles";

/**
 * Every secret docker-compose.yml reads from .env: the Kafka principals' passwords (admin's, and one per
 * service; decision 011), PostgreSQL's roles' (013), the registry's two users' (012), and the
 * personal-data KEKs and email's admin token (014). 32 random bytes as hex: a KEK is an AES-256 key.
 */
export const composeSecrets = [
  "KAFKA_ADMIN_PASSWORD", ...services.map((service) => `KAFKA_PASSWORD_${service.toUpperCase()}`),
  ...postgresComposeSecrets,
  "SCHEMA_REGISTRY_PASSWORD", "SCHEMA_REGISTRY_ADMIN_PASSWORD",
  // Personal data (decision 014): a key-encryption key per category, and email's admin token.
  ...personalDataCategories.map((category) => `PERSONAL_DATA_KEK_${category.toUpperCase()}`), "EMAIL_ADMIN_TOKEN",
];

/** The text of .env with every secret set, and the names of those it set. */
export function withSecrets(existing: string, newSecret = () => randomBytes(32).toString("hex")): { text: string; added: string[] } {
  const added: string[] = [];
  const lines = (existing === "" ? [] : existing.replace(/\n$/, "").split("\n")).map((line) => {
    const name = /^([A-Z0-9_]+)=\s*$/.exec(line)?.[1];
    if (!name || !composeSecrets.includes(name) || added.includes(name)) return line;
    added.push(name);
    return `${name}=${newSecret()}`;
  });
  const present = new Set(lines.flatMap((line) => /^([A-Z0-9_]+)=/.exec(line)?.[1] ?? []));
  for (const name of composeSecrets.filter((secret) => !present.has(secret))) {
    added.push(name);
    lines.push(`${name}=${newSecret()}`);
  }
  return { text: lines.length === 0 ? "" : `${lines.join("\n")}\n`, added };
}

function main(): void {
  const file = path.join(repoRoot, ".env");
  const { text, added } = withSecrets(fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600); // also when the file was there before
  console.log(added.length === 0 ? `${file} has every secret already.` : `Set ${added.join(", ")} in ${file}.`);
}

if (require.main === module) main();
