/**
 * A PostgreSQL role per service (docs/decisions/013-a-postgresql-role-per-service.md), checked on
 * the test run's PostgreSQL (containers or native processes): each service's role reaches its own
 * database and no other, every connection needs the right password, and nothing is trusted.
 * That the roles can run their migrations is shown by every service starting in
 * services-start.e2e.test.ts and checkout-saga.e2e.test.ts, which connect as the service's role.
 */
import { Client } from "pg";
import { serviceDatabases, useEnvironment } from "@shop/testkit";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

const env = useEnvironment();

/** Connects, runs `sql`, disconnects; rejects with PostgreSQL's error if it refuses. */
async function query<Row>(url: string, sql: string): Promise<Row[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
}

const withPassword = (url: string, password: string) => Object.assign(new URL(url), { password }).toString();
const next = (name: (typeof serviceDatabases)[number]) => serviceDatabases[(serviceDatabases.indexOf(name) + 1) % serviceDatabases.length]!;

test.each(serviceDatabases)("when the %s service connects to its database, then it is its own role, and owns the database", async (name) => {
  const [row] = await query<{ role: string; owner: string }>(
    env.databaseUrl(name),
    "SELECT current_user AS role, pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()",
  );
  expect(row).toEqual({ role: name, owner: name });
});

test.each(serviceDatabases)("when the %s service's role connects to another service's database, then it is refused", async (name) => {
  const other = next(name);
  await expect(query(env.databaseUrl(other, name), "SELECT 1")).rejects.toMatchObject({
    code: "42501", // insufficient_privilege: CONNECT is revoked from PUBLIC, and only the owner has it
    message: `permission denied for database "${other}"`,
  });
});

test("when the admin connects to every service's database, then it may (infra, tests and benchmarks do)", async () => {
  for (const name of serviceDatabases) {
    expect(await query(env.databaseUrl(name, "postgres"), "SELECT current_user AS role")).toEqual([{ role: "postgres" }]);
  }
});

// databaseUrl("order") connects as the order role, databaseUrl("postgres") as the admin.
test.each(["order", "postgres"])("when the %s role gives a wrong password, then it is refused", async (role) => {
  await expect(query(withPassword(env.databaseUrl(role), "wrong"), "SELECT 1")).rejects.toMatchObject({
    code: "28P01", // invalid_password
    message: `password authentication failed for user "${role}"`,
  });
});

test("when a client gives no password, then PostgreSQL asks for one (nothing is trusted)", async () => {
  const url = new URL(env.databaseUrl("order"));
  url.password = "";
  // Without a password the client cannot answer the server's SCRAM challenge; a `trust` rule would have let it in.
  await expect(query(url.toString(), "SELECT 1")).rejects.toThrow(/password/);
});

test("when pg_hba.conf is read, then every rule asks for a SCRAM password: no trust, no plain or MD5 passwords", async () => {
  const rules = await query<{ auth_method: string; error: string | null }>(
    env.databaseUrl("postgres"), "SELECT auth_method, error FROM pg_hba_file_rules",
  );
  expect(rules.length).toBeGreaterThan(0);
  expect(rules.filter((rule) => rule.auth_method !== "scram-sha-256" || rule.error !== null)).toEqual([]);
});
