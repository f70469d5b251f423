/**
 * PostgreSQL as a private cluster: the machine's own server binaries (initdb, postgres),
 * a data dir of ours, a port of ours, listening on 127.0.0.1 only. Never the machine's
 * running PostgreSQL: a new user's machine may have none, and tests must not share state.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Client } from "pg";
import { assertPortFree } from "./ports";
import { spawnDetached, stopProcess, tail } from "./processes";
import { silent, type Progress } from "./progress";
import { waitFor } from "./wait";

export interface PostgresOptions {
  dataDir: string;
  port: number;
  logFile: string;
  /** Databases to create on first start (one per service). */
  databases: readonly string[];
  /**
   * fsync off: a crash of PostgreSQL itself (kill -9) still loses nothing, only an OS crash
   * could. Tests use it to run faster; the dev environment keeps durable defaults.
   */
  fast?: boolean;
  progress?: Progress;
}

export interface PostgresBinaries { binDir: string; version: string }

/** The superuser of our private cluster; trust auth on 127.0.0.1 only. */
export const postgresUser = "postgres";

export function postgresUrl(port: number, database: string): string {
  return `postgres://${postgresUser}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
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
    fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    if (user) fs.chownSync(options.dataDir, user.uid, user.gid);
    const init = spawnSync(
      path.join(binDir, "initdb"),
      ["-D", options.dataDir, "-U", postgresUser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
      { encoding: "utf8", ...(user ? { uid: user.uid, gid: user.gid } : {}) },
    );
    if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}\n${init.stderr}`);
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
      const client = new Client({ connectionString: postgresUrl(options.port, "postgres") });
      await client.connect();
      await client.end();
      return true;
    }, { timeoutMs: 30_000, intervalMs: 100 });
  } catch (error) {
    await stopProcess(pid, { signal: "SIGKILL" });
    throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n--- ${options.logFile} ---\n${tail(options.logFile)}`);
  }
  if (firstStart) await createDatabases(postgresUrl(options.port, "postgres"), options.databases);
  return { pid, version };
}

/** Creates one database per name, connected as a superuser at `adminUrl` (also used for containers). */
export async function createDatabases(adminUrl: string, databases: readonly string[]): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of databases) {
      // Identifiers cannot be parameters; names come from our own list, quoted because `order` is reserved.
      await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    }
  } finally {
    await client.end();
  }
}

/** SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit. */
export async function stopPostgres(pid: number, options: { signal?: NodeJS.Signals } = {}): Promise<void> {
  await stopProcess(pid, { signal: options.signal ?? "SIGINT" });
}
