/**
 * A PostgreSQL role per service (docs/decisions/013-a-postgresql-role-per-service.md): each service
 * logs in as its own role with its own password, and only that role may connect to its database.
 * The superuser `postgres` (the admin) is for infra, tests and benchmarks. Passwords are random per
 * environment, kept in a file only its owner may read, and checked with SCRAM (pg_hba.conf below).
 *
 * docker compose does the same with infra/postgres/init-databases.sh; change the two together.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Client } from "pg";
import { writePrivateFile } from "./private-files";

/** The superuser of the cluster. */
export const adminRole = "postgres";

/**
 * What docker compose reads from .env for PostgreSQL: the superuser's password, and one per role
 * that init-databases.sh creates (the six services, and Apicurio Registry's storage).
 */
export const postgresComposeSecrets = [
  "POSTGRES_PASSWORD",
  ...["order", "inventory", "payment", "email", "warehouse", "analytics", "registry"].map((role) => `POSTGRES_${role.toUpperCase()}_PASSWORD`),
];

/** Role name → password: the admin's, and one per service database (named like the database). */
export type Passwords = Record<string, string>;

/** Hex: safe in a URL, in SQL and in a shell, with no escaping to get wrong. 192 random bits each. */
export function newPasswords(roles: readonly string[]): Passwords {
  return Object.fromEntries(roles.map((role) => [role, randomBytes(24).toString("hex")]));
}

export function writePasswords(file: string, passwords: Passwords): void {
  writePrivateFile(file, `${JSON.stringify(passwords, null, 2)}\n`);
}

export function readPasswords(file: string | undefined): Passwords {
  if (!file || !fs.existsSync(file)) {
    throw new Error(
      `PostgreSQL's passwords file ${file ?? "(none)"} is missing: this environment was started before PostgreSQL had ` +
        "a role per service, or its files were removed. Stop it (`pnpm infra down`) and start it again.",
    );
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as Passwords;
}

/** The role that owns `database`: the role of the same name (a service's database), or else the admin. */
export function ownerOf(database: string, passwords: Passwords): string {
  return Object.hasOwn(passwords, database) ? database : adminRole;
}

export function roleUrl(host: string, port: number, database: string, role: string, passwords: Passwords): string {
  const password = passwords[role];
  if (password === undefined) throw new Error(`No PostgreSQL role "${role}" in this environment (roles: ${Object.keys(passwords).join(", ")}).`);
  return `postgres://${encodeURIComponent(role)}:${password}@${host}:${port}/${encodeURIComponent(database)}`;
}

/**
 * Who may connect, and how: a SCRAM password over TCP from this machine, and nothing else (no
 * `trust`, no Unix socket: the cluster listens on 127.0.0.1 only). Which database a role may
 * enter is decided by CONNECT privileges (createOwnedDatabase), not here.
 */
export const hbaConf = `# Written by infra/src/postgres-roles.ts after initdb (docs/decisions/013-a-postgresql-role-per-service.md).
# TYPE  DATABASE  USER  ADDRESS       METHOD
host    all       all   127.0.0.1/32  scram-sha-256
`;

export function writeHbaConf(dataDir: string, owner?: { uid: number; gid: number }): void {
  const file = path.join(dataDir, "pg_hba.conf");
  fs.writeFileSync(file, hbaConf, { mode: 0o600 });
  if (owner) fs.chownSync(file, owner.uid, owner.gid);
}

/** One login role per service database (named like it), owning it; only that role (and the admin) may connect. */
export async function createServiceDatabases(admin: Client, passwords: Passwords): Promise<void> {
  for (const [role, password] of Object.entries(passwords)) {
    if (role === adminRole) continue;
    // Identifiers and passwords cannot be parameters; escaped, because `order` is a reserved word.
    await admin.query(`CREATE ROLE ${admin.escapeIdentifier(role)} LOGIN PASSWORD ${admin.escapeLiteral(password)}`);
    await createOwnedDatabase(admin, role, role);
  }
}

/**
 * A database that `owner` owns (it creates its tables in the public schema: PostgreSQL 15+ lets
 * only the database's owner do that) and that no other role may connect to. The admin, a
 * superuser, still can.
 */
export async function createOwnedDatabase(admin: Client, database: string, owner: string): Promise<void> {
  const name = admin.escapeIdentifier(database);
  await admin.query(`CREATE DATABASE ${name} OWNER ${admin.escapeIdentifier(owner)}`);
  // PUBLIC may CONNECT to (and create TEMP tables in) every new database by default.
  await admin.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
}
