/**
 * The registry's credentials: one file per environment that only its user can read, and the
 * same auth settings on both paths (docker-compose.yml cannot be run here, so it is checked
 * against the native path's variables instead).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "./paths";
import { ensureRegistryCredentials, newRegistryCredentials, registryAuthEnvironment, registryUsernames } from "./registry-credentials";

const compose = fs.readFileSync(path.join(repoRoot, "docker-compose.yml"), "utf8");
/** The `KEY: value` lines of one service's block in docker-compose.yml. */
function composeBlock(service: string): string {
  const start = compose.indexOf(`\n  ${service}:\n`);
  const end = compose.slice(start + 1).search(/\n  [a-z-]+:\n/);
  return compose.slice(start, end < 0 ? undefined : start + 1 + end);
}
const valueIn = (block: string, key: string) => new RegExp(`^\\s+${key}: (.*)$`, "m").exec(block)?.[1];

test("when an environment's credentials are created, then the file is this user's alone and later starts reuse it", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "registry-credentials-"));
  try {
    const file = path.join(dir, "registry-credentials.json");

    const first = ensureRegistryCredentials(file);

    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(first.admin.password).not.toBe(first.reader.password);
    expect(first.admin.password.length).toBeGreaterThanOrEqual(32);
    expect(ensureRegistryCredentials(file)).toEqual(first);
    expect(newRegistryCredentials().admin.password).not.toBe(first.admin.password);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("when docker-compose.yml configures the registry, then it sets the native path's variables, passwords from .env", () => {
  const block = composeBlock("schema-registry");
  const placeholders = { admin: "${SCHEMA_REGISTRY_ADMIN_PASSWORD:?", reader: "${SCHEMA_REGISTRY_PASSWORD:?" };
  const credentials = {
    admin: { username: registryUsernames.admin, password: placeholders.admin },
    reader: { username: registryUsernames.reader, password: placeholders.reader },
  };

  for (const [key, value] of Object.entries(registryAuthEnvironment(credentials))) {
    const composed = valueIn(block, key);
    if (value.startsWith("${")) expect([key, composed?.startsWith(value)]).toEqual([key, true]);
    else expect([key, composed?.replace(/^"(.*)"$/, "$1")]).toEqual([key, value]);
  }
});

test("when docker-compose.yml hands out credentials, then the services, the explorer and Kafka UI get the reader, only `schemas` the admin", () => {
  expect([...compose.matchAll(/^\s+SCHEMA_REGISTRY_USERNAME: (.*)$/gm)].map((match) => match[1])).toEqual(["reader", "reader"]); // x-service, for all six; the explorer
  expect(valueIn(composeBlock("kafka-ui"), "KAFKA_CLUSTERS_0_SCHEMAREGISTRYAUTH_USERNAME")).toBe("reader");
  expect(valueIn(composeBlock("schemas"), "SCHEMA_REGISTRY_ADMIN_USERNAME")).toBe("admin");
  expect([...compose.matchAll(/SCHEMA_REGISTRY_ADMIN_PASSWORD:\?/g)]).toHaveLength(2); // the registry and `schemas`, nobody else
});
