/**
 * PostgreSQL as a private cluster: the machine's own server binaries (initdb, postgres),
 * a data dir of ours, a port of ours, listening on 127.0.0.1 only. Never the machine's
 * running PostgreSQL: a new user's machine may have none, and tests must not share state.
 * Every connection needs a password; each service database has a role of its own (postgres-roles.ts).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Client } from "pg";
import { assertPortFree } from "./ports";
import {
  adminRole, createServiceDatabases, newPasswords, ownerOf, readPasswords, roleUrl, writeHbaConf, writePasswords,
} from "./postgres-roles";
import { spawnDetached, stopProcess, tail } from "./processes";
import { silent, type Progress } from "./progress";
import { waitFor } from "./wait";

export interface PostgresOptions {
  dataDir: string;
  port: number;
  logFile: string;
  /** Databases to create on first start (one per service), each with a role of the same name that owns it. */
  databases: readonly string[];
  /** Role → password (mode 0600): written on the first start, read on later ones. */
  passwordsFile: string;
  /**
   * fsync off: a crash of PostgreSQL itself (kill -9) still loses nothing, only an OS crash
   * could. Tests use it to run faster; the dev environment keeps durable defaults.
   */
  fast?: boolean;
  progress?: Progress;
}

export interface PostgresBinaries { binDir: string; version: string }

/**
 * The URL of `database` as `role`, password included; by default as the role that owns it: a
 * service's database as the service's own role, any other (`postgres`, a test's) as the admin.
 */
export function postgresUrl(postgres: { port: number; passwordsFile: string }, database: string, role?: string): string {
  const passwords = readPasswords(postgres.passwordsFile);
  return roleUrl("127.0.0.1", postgres.port, database, role ?? ownerOf(database, passwords), passwords);
}

/** Finds initdb and postgres: $PG_BIN_DIR, then `pg_config --bindir`, then the newest /usr/lib/postgresql/N/bin. */
export function findPostgresBinaries(): PostgresBinaries {
  const candidates: string[] = [];
  if (process.env.PG_BIN_DIR) candidates.push(process.env.PG_BIN_DIR);
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  const debianRoot = "/usr/lib/postgresql";
  if (fs.existsSync(debianRoot)) {
    const majors = fs.readdirSync(debianRoot).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((major) => path.join(debianRoot, major, "bin")));
  }
  for (const binDir of candidates) {
    if (fs.existsSync(path.join(binDir, "initdb")) && fs.existsSync(path.join(binDir, "postgres"))) {
      const version = execFileSync(path.join(binDir, "postgres"), ["--version"], { encoding: "utf8" }).trim();
      return { binDir, version: version.replace(/^postgres \(PostgreSQL\) /, "") };
    }
  }
  throw new Error(
    "PostgreSQL server binaries (initdb, postgres) not found. Install them (Debian/Ubuntu: " +
      "`apt install postgresql`; macOS: `brew install postgresql`), or set PG_BIN_DIR to the folder " +
      "that holds them. Only the binaries are used; no system PostgreSQL needs to run.",
  );
}

/**
 * PostgreSQL refuses to run as root. When we are root (CI here), the cluster runs as the
 * `postgres` user (or `nobody`), and its data dir is handed over to that user.
 */
export function unprivilegedUser(): { uid: number; gid: number; name: string } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ["postgres", "nobody"]) {
    const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
    if (uid.status === 0 && gid.status === 0) {
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name };
    }
  }
  throw new Error("Running as root, but there is no `postgres` or `nobody` user to run PostgreSQL as. Create one (useradd postgres).");
}

/**
 * Where an environment in `environmentDir` keeps PostgreSQL's data: normally `<environmentDir>/postgres`.
 * As root, PostgreSQL runs as another user, and that user must be able to pass through every folder
 * above its data dir. A clone inside a folder only its owner may enter (`mktemp -d`, `/root`) does not
 * allow that, and we will not open the user's folder up; then the data lives in
 * `/var/tmp/checkout-saga-postgres-<hash of environmentDir>` (kept across reboots, like `.cache`).
 * The environment's state.json records the choice, and stopping the environment removes it.
 */
export function postgresDataDir(environmentDir: string): string {
  const inside = path.join(environmentDir, "postgres");
  const user = unprivilegedUser();
  if (!user || canPassThrough(user, path.dirname(inside))) return inside;
  const hash = createHash("sha256").update(path.resolve(environmentDir)).digest("hex").slice(0, 12);
  return path.join("/var/tmp", `checkout-saga-postgres-${hash}`);
}

/** True when `user` may enter every existing folder on the way to `dir` (the x bit that applies to it). */
export function canPassThrough(user: { uid: number; gid: number }, dir: string): boolean {
  const folders: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    folders.push(d);
    if (path.dirname(d) === d) break;
  }
  return folders.every((folder) => {
    if (!fs.existsSync(folder)) return true; // created later by us, with mode 0755
    const { uid, gid, mode } = fs.statSync(folder);
    if (uid === user.uid) return (mode & 0o100) !== 0;
    if (gid === user.gid) return (mode & 0o010) !== 0;
    return (mode & 0o001) !== 0;
  });
}

export async function startPostgres(options: PostgresOptions): Promise<{ pid: number; version: string }> {
  const progress = options.progress ?? silent;
  const { binDir, version } = findPostgresBinaries();
  await assertPortFree(options.port, "PostgreSQL");
  const user = unprivilegedUser();
  const firstStart = !fs.existsSync(path.join(options.dataDir, "PG_VERSION"));

  if (firstStart) {
    progress(`initdb ${options.dataDir} (PostgreSQL ${version})`);
    const passwords = newPasswords([adminRole, ...options.databases]);
    writePasswords(options.passwordsFile, passwords);
    initdb(binDir, options.dataDir, passwords[adminRole]!, user);
    writeHbaConf(options.dataDir, user); // replaces initdb's: SCRAM over TCP only
  }

  const settings = [
    "listen_addresses=127.0.0.1",
    "unix_socket_directories=", // TCP only: no socket dir permissions to get wrong
    "max_connections=300", // six services' pools, relays, tests
    "shared_buffers=128MB",
    ...(options.fast ? ["fsync=off", "full_page_writes=off"] : []),
  ];
  const pid = spawnDetached({
    command: path.join(binDir, "postgres"),
    args: ["-D", options.dataDir, "-p", String(options.port), ...settings.flatMap((s) => ["-c", s])],
    logFile: options.logFile,
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });

  try {
    await waitFor("PostgreSQL to accept connections", async () => {
      const client = new Client({ connectionString: postgresUrl(options, "postgres") });
      await client.connect();
      await client.end();
      return true;
    }, { timeoutMs: 30_000, intervalMs: 100 });
  } catch (error) {
    await stopProcess(pid, { signal: "SIGKILL" });
    throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n--- ${options.logFile} ---\n${tail(options.logFile)}`);
  }
  if (firstStart) {
    const admin = new Client({ connectionString: postgresUrl(options, "postgres") });
    await admin.connect();
    await createServiceDatabases(admin, readPasswords(options.passwordsFile)).finally(() => admin.end());
  }
  return { pid, version };
}

/**
 * A new cluster whose superuser has a password from the start: initdb reads it from a file, and
 * every connection must give one (SCRAM), so there is never a moment without authentication.
 */
function initdb(binDir: string, dataDir: string, adminPassword: string, user?: { uid: number; gid: number }): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // initdb wants an empty data dir, and runs as `user` when we are root: the password file goes in a
  // folder of its own beside the data dir, which `user` can reach (postgresDataDir), and is removed at once.
  const folder = fs.mkdtempSync(path.join(path.dirname(dataDir), ".initdb-"));
  const passwordFile = path.join(folder, "password");
  fs.writeFileSync(passwordFile, `${adminPassword}\n`, { mode: 0o600 });
  if (user) for (const owned of [dataDir, folder, passwordFile]) fs.chownSync(owned, user.uid, user.gid);
  try {
    const init = spawnSync(
      path.join(binDir, "initdb"),
      ["-D", dataDir, "-U", adminRole, `--pwfile=${passwordFile}`, "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"],
      { encoding: "utf8", ...(user ? { uid: user.uid, gid: user.gid } : {}) },
    );
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}\n${init.stderr}`);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/** SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit. */
export async function stopPostgres(pid: number, options: { signal?: NodeJS.Signals } = {}): Promise<void> {
  await stopProcess(pid, { signal: options.signal ?? "SIGINT" });
}
