/**
 * pnpm --filter @shop/contracts register: registers every schema (registerSchemas) with the admin
 * credential. `pnpm start`, `pnpm infra up`, the tests' global setup and docker compose's
 * `schemas` service run it before any service starts; services themselves only read.
 * Reads SCHEMA_REGISTRY_URL, SCHEMA_REGISTRY_ADMIN_USERNAME and SCHEMA_REGISTRY_ADMIN_PASSWORD.
 */
import { registerSchemas } from "./registry";

const variables = ["SCHEMA_REGISTRY_URL", "SCHEMA_REGISTRY_ADMIN_USERNAME", "SCHEMA_REGISTRY_ADMIN_PASSWORD"] as const;

async function main(): Promise<void> {
  const missing = variables.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    console.error(`Not set: ${missing.join(", ")} (the registry's Confluent-compatible API root and its admin credential; see .env.example)`);
    process.exitCode = 2;
    return;
  }
  const env = process.env as Record<(typeof variables)[number], string>;
  const registry = { url: env.SCHEMA_REGISTRY_URL, auth: { username: env.SCHEMA_REGISTRY_ADMIN_USERNAME, password: env.SCHEMA_REGISTRY_ADMIN_PASSWORD } };
  const ids = await registerSchemas(registry);
  console.log(`Registered ${Object.keys(ids).length} event schemas at ${registry.url} (current ids: ${JSON.stringify(ids)})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
