/**
 * docker compose's side of decision 013, checked here because CI has no Docker: every PostgreSQL
 * secret the compose file reads is documented in .env.example (empty, to be filled in), and
 * init-databases.sh creates a role for every service with the password compose passes it.
 */
import fs from "node:fs";
import path from "node:path";
import { serviceDatabases } from "./dev-environment";
import { repoRoot } from "./paths";
import { postgresComposeSecrets } from "./postgres-roles";

const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), "utf8");
const compose = read("docker-compose.yml");

test("when docker-compose.yml reads a PostgreSQL password, then it is one of postgresComposeSecrets, required, and empty in .env.example", () => {
  const used = [...new Set([...compose.matchAll(/\$\{(POSTGRES_[A-Z_]*PASSWORD)([^}]*)\}/g)].map(([, name, rest]) => `${name}${rest!.slice(0, 2)}`))];
  expect(used.sort()).toEqual(postgresComposeSecrets.map((name) => `${name}:?`).sort()); // ":?": compose stops when it is missing
  const example = read(".env.example");
  for (const name of postgresComposeSecrets) expect(example).toMatch(new RegExp(`^${name}=$`, "m"));
});

test.each(serviceDatabases)("when compose starts the %s service, then it connects as its own role, whose password init-databases.sh sets", (name) => {
  const variable = `POSTGRES_${name.toUpperCase()}_PASSWORD`;
  expect(compose).toContain(`DATABASE_URL: postgres://${name}:\${${variable}:?`);
  expect(compose).toMatch(new RegExp(`@postgres:5432/${name}\\n`));
  expect(read("infra/postgres/init-databases.sh")).toContain(`create_owned_database ${name} "$${variable}"`);
});

test("when compose initialises PostgreSQL, then every pg_hba rule asks for a SCRAM password", () => {
  expect(compose).toContain("POSTGRES_HOST_AUTH_METHOD: scram-sha-256");
  expect(compose).toContain("POSTGRES_INITDB_ARGS: --auth-local=scram-sha-256 --auth-host=scram-sha-256");
  expect(compose).not.toMatch(/AUTH_METHOD:\s*trust|--auth[a-z-]*=trust/);
});
