/**
 * Who may change the schema registry (docs/decisions/012-schema-registry-credentials.md).
 *
 * Apicurio checks HTTP basic credentials against users listed in its own configuration (Quarkus's
 * embedded users) and authorises by role. Two users, with passwords drawn at random for each
 * environment and kept in a file only this OS user can read:
 *   admin   sr-admin     registers schemas, sets compatibility, deletes: infra, tests, tools
 *   reader  sr-readonly  looks schemas up: the six services, `pnpm peek`, Kafka UI
 * A caller without a credential gets 401 everywhere; the reader gets 403 on every write.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import type { NativeState } from "./native-environment";

/** A type, not an interface: the registry client's auth option wants an index signature. */
export type Credential = { username: string; password: string };

export interface RegistryCredentials {
  admin: Credential;
  reader: Credential;
}

/** Fixed names (docker-compose.yml names the same users); only the passwords are secret. */
export const registryUsernames = { admin: "admin", reader: "reader" } as const;

export function newRegistryCredentials(): RegistryCredentials {
  const password = () => crypto.randomBytes(24).toString("base64url");
  return {
    admin: { username: registryUsernames.admin, password: password() },
    reader: { username: registryUsernames.reader, password: password() },
  };
}

/** Reads the credentials file, creating it with new passwords the first time (mode 0600: this user only). */
export function ensureRegistryCredentials(file: string): RegistryCredentials {
  try {
    fs.writeFileSync(file, `${JSON.stringify(newRegistryCredentials(), null, 2)}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return readRegistryCredentials(file);
}

export function readRegistryCredentials(file: string): RegistryCredentials {
  return JSON.parse(fs.readFileSync(file, "utf8")) as RegistryCredentials;
}

export function registryCredentialsOf(state: NativeState): RegistryCredentials {
  if (!state.registry.credentialsFile) {
    throw new Error(`The environment in ${state.dir} was started before the registry needed credentials: stop it (pnpm infra down) and start it again.`);
  }
  return readRegistryCredentials(state.registry.credentialsFile);
}

/**
 * The registry's auth settings as environment variables, the way docker-compose.yml passes them
 * too. Not as -D flags: a command line is visible to every user of the machine (ps), a process's
 * environment only to its own user and root.
 */
export function registryAuthEnvironment({ admin, reader }: RegistryCredentials): Record<string, string> {
  return {
    // Quarkus asks for HTTP basic credentials and checks them against the users below.
    QUARKUS_HTTP_AUTH_BASIC: "true",
    // Simplification: plain-text passwords in the registry's environment; Quarkus also takes
    // MD5 digests, which would keep the passwords out of it.
    QUARKUS_SECURITY_USERS_EMBEDDED_PLAIN_TEXT: "true",
    [`QUARKUS_SECURITY_USERS_EMBEDDED_USERS_${admin.username}`]: admin.password,
    [`QUARKUS_SECURITY_USERS_EMBEDDED_ROLES_${admin.username}`]: "sr-admin",
    [`QUARKUS_SECURITY_USERS_EMBEDDED_USERS_${reader.username}`]: reader.password,
    [`QUARKUS_SECURITY_USERS_EMBEDDED_ROLES_${reader.username}`]: "sr-readonly",
    // Apicurio maps the roles to what they may do: sr-readonly reads, sr-admin does everything.
    APICURIO_AUTH_ROLE_BASED_AUTHORIZATION: "true",
  };
}

/** The Authorization header for one credential. */
export const basicAuthorization = ({ username, password }: Credential) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
