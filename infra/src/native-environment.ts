/**
 * Kafka, the schema registry and PostgreSQL as native processes, described by one JSON state
 * file. Any process that can read the file can stop or restart a component (a Jest worker
 * injecting a fault, `pnpm infra down` from another terminal, the reaper after a crash).
 */
import fs from "node:fs";
import path from "node:path";
import { kafkaVersion, resolveKafkaClasspath, startKafka, stopKafka } from "./kafka";
import { startKafkaForTheSaga } from "./kafka-setup";
import { assertPortFree, freePort } from "./ports";
import { startPostgres, stopPostgres, postgresUrl, findPostgresBinaries, postgresDataDir } from "./postgres";
import { readPasswords } from "./postgres-roles";
import { isAlive } from "./processes";
import { prefixed, silent, type Progress } from "./progress";
import { installSchemaRegistry, schemaRegistryVersion, startSchemaRegistry, stopSchemaRegistry } from "./schema-registry";

export interface NativeState {
  kind: "native";
  /** Holds state.json, the data dirs and the logs. */
  dir: string;
  /** Removed on stop (test runs); otherwise (the dev environment) stopping keeps the data, and resetNativeEnvironment removes it. */
  disposable: boolean;
  /** The process that started the running components: its reaper stops them if it dies. None once stopped, or when detached. */
  ownerPid?: number;
  /** That owner's reaper, while it runs (reaper.ts): a new owner waits for it to finish before starting again. */
  reaperPid?: number;
  kafka: { pid: number; port: number; controllerPort: number; dataDir: string; logFile: string; version: string };
  /** Stores its schemas in PostgreSQL's `registry` database (as docker compose does), so they survive a restart. */
  registry: { pid: number; port: number; logFile: string; version: string; credentialsFile: string };
  postgres: { pid: number; port: number; dataDir: string; logFile: string; version: string; databases: string[]; fast: boolean; passwordsFile: string };
}

export interface StartOptions {
  dir: string;
  databases: readonly string[];
  /** Fixed ports, e.g. from KAFKA_PORT; a free port is chosen for each one left out. */
  ports?: { kafka?: number; kafkaController?: number; registry?: number; postgres?: number };
  fastPostgres?: boolean;
  /** Remove the data when stopped (test runs). The dev environment keeps it. */
  disposable: boolean;
  progress?: Progress;
}

/** Apicurio Registry's database and role in the environment's PostgreSQL (docker compose: init-databases.sh). */
export const registryDatabase = "registry";

export const stateFileOf = (dir: string) => path.join(dir, "state.json");

export function readState(dir: string): NativeState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFileOf(dir), "utf8")) as NativeState;
  } catch {
    return undefined;
  }
}

export function writeState(state: NativeState): void {
  const file = stateFileOf(state.dir);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  fs.renameSync(`${file}.tmp`, file); // atomic: a reader never sees half a file
}

export const brokersOf = (state: NativeState) => [`127.0.0.1:${state.kafka.port}`];
export const schemaRegistryUrlOf = (state: NativeState) => `http://127.0.0.1:${state.registry.port}/apis/ccompat/v7`;
/** As the role that owns the database (a service's own role for its database), or as `role`: see postgresUrl. */
export const databaseUrlOf = (state: NativeState, name: string, role?: string) => postgresUrl(state.postgres, name, role);

/** Starts all three in parallel. If one fails, the others are stopped and the error says which and why. */
export async function startNativeEnvironment(options: StartOptions): Promise<NativeState> {
  const progress = options.progress ?? silent;
  const ports = {
    kafka: options.ports?.kafka ?? (await freePort()),
    kafkaController: options.ports?.kafkaController ?? (await freePort()),
    registry: options.ports?.registry ?? (await freePort()),
    postgres: options.ports?.postgres ?? (await freePort()),
  };
  // Fail fast, before minutes of downloads, on what can be checked up front.
  findPostgresBinaries();
  await assertPortFree(ports.kafka, "Kafka broker (KAFKA_PORT)");
  await assertPortFree(ports.kafkaController, "Kafka controller");
  await assertPortFree(ports.registry, "Schema registry (SCHEMA_REGISTRY_PORT)");
  await assertPortFree(ports.postgres, "PostgreSQL (POSTGRES_PORT)");
  // 0755: when we run as root, PostgreSQL runs as another user and must reach its data dir.
  fs.mkdirSync(options.dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(options.dir, 0o755);

  const kafka = {
    port: ports.kafka, controllerPort: ports.kafkaController, version: kafkaVersion,
    dataDir: path.join(options.dir, "kafka"), logFile: path.join(options.dir, "kafka.log"),
  };
  const registry = {
    port: ports.registry, version: schemaRegistryVersion, logFile: path.join(options.dir, "schema-registry.log"),
    credentialsFile: path.join(options.dir, "registry-credentials.json"), // registry-credentials.ts
  };
  const postgres = {
    port: ports.postgres, dataDir: postgresDataDir(options.dir), logFile: path.join(options.dir, "postgres.log"),
    databases: [...options.databases, registryDatabase], fast: options.fastPostgres ?? false,
    passwordsFile: path.join(options.dir, "postgres-passwords.json"), // 0600; see postgres-roles.ts
  };

  let postgresStarted: Promise<unknown> = Promise.resolve();
  const started = await Promise.allSettled([
    (async () => {
      await resolveKafkaClasspath(prefixed("kafka", progress));
      return startKafkaForTheSaga({ ...kafka, progress: prefixed("kafka", progress) }); // with the topics and ACLs (decision 011)
    })(),
    (postgresStarted = startPostgres({ ...postgres, progress: prefixed("postgres", progress) })),
    (async () => {
      await installSchemaRegistry(prefixed("schema-registry", progress));
      await postgresStarted; // the registry keeps its schemas there
      return startSchemaRegistry({ ...registry, storage: registryStorage(postgres), progress: prefixed("schema-registry", progress) });
    })(),
  ]);
  const [k, p, r] = started;
  if (k.status === "rejected" || r.status === "rejected" || p.status === "rejected") {
    if (k.status === "fulfilled") await stopKafka(k.value.pid);
    if (r.status === "fulfilled") await stopSchemaRegistry(r.value.pid);
    if (p.status === "fulfilled") await stopPostgres(p.value.pid);
    const reasons = started.flatMap((s, i) =>
      s.status === "rejected" ? [`${["Kafka", "PostgreSQL", "Schema registry"][i]}: ${(s.reason as Error).message}`] : [],
    );
    // Nothing half-started is left for the next run.
    fs.rmSync(options.dir, { recursive: true, force: true });
    fs.rmSync(postgres.dataDir, { recursive: true, force: true });
    throw new Error(`Could not start the infrastructure:\n${reasons.join("\n\n")}`);
  }
  const state: NativeState = {
    kind: "native",
    dir: options.dir,
    disposable: options.disposable,
    ownerPid: process.pid,
    kafka: { ...kafka, pid: k.value.pid },
    registry: { ...registry, pid: r.value.pid },
    postgres: { ...postgres, pid: p.value.pid, version: p.value.version },
  };
  writeState(state);
  return state;
}

export type Component = "kafka" | "registry" | "postgres";
export const components: readonly Component[] = ["kafka", "registry", "postgres"];

export function runningComponents(state: NativeState): Record<Component, boolean> {
  return { kafka: isAlive(state.kafka.pid), registry: isAlive(state.registry.pid), postgres: isAlive(state.postgres.pid) };
}

/** Where the registry keeps its schemas: PostgreSQL's `registry` database, as its own role. */
function registryStorage(postgres: NativeState["postgres"] | Omit<NativeState["postgres"], "pid" | "version">) {
  const password = readPasswords(postgres.passwordsFile)[registryDatabase];
  if (!password) throw new Error(`PostgreSQL in ${postgres.dataDir} has no "${registryDatabase}" role: it was made before the registry kept its schemas there. \`pnpm infra reset\` starts afresh.`);
  return { jdbcUrl: `jdbc:postgresql://127.0.0.1:${postgres.port}/${registryDatabase}`, username: registryDatabase, password };
}

/** Starts one component of an existing environment on its old port and data, and records its new pid. */
export async function startComponent(dir: string, component: Component, progress?: Progress): Promise<void> {
  const state = mustRead(dir);
  const pid =
    component === "kafka" ? (await startKafka({ ...state.kafka, progress })).pid
    : component === "registry" ? (await startSchemaRegistry({ ...state.registry, storage: registryStorage(state.postgres), progress })).pid
    : (await startPostgres({ ...state.postgres, progress })).pid;
  const latest = mustRead(dir); // another component may have changed meanwhile
  writeState({ ...latest, [component]: { ...latest[component], pid } });
}

/**
 * Starts the components of an existing environment that are not running, on their old ports and
 * data: PostgreSQL first (the registry keeps its schemas there), Kafka meanwhile. This process
 * becomes the owner: its reaper stops them all if it dies.
 */
export async function startStoppedComponents(dir: string, progress?: Progress): Promise<NativeState> {
  const state = mustRead(dir);
  const running = runningComponents(state);
  writeState({ ...state, ownerPid: process.pid, reaperPid: undefined });
  await Promise.all([
    running.kafka ? undefined : startComponent(dir, "kafka", progress),
    (async () => {
      if (!running.postgres) await startComponent(dir, "postgres", progress);
      if (!running.registry) await startComponent(dir, "registry", progress);
    })(),
  ]);
  return mustRead(dir);
}

/** Stops one component: cleanly, or with SIGKILL (a crash, for experiments and tests). */
export async function stopComponent(dir: string, component: Component, { kill = false } = {}): Promise<void> {
  const state = mustRead(dir);
  const signal = kill ? { signal: "SIGKILL" as const } : {};
  if (component === "kafka") await stopKafka(state.kafka.pid, signal);
  if (component === "registry") await stopSchemaRegistry(state.registry.pid, signal);
  if (component === "postgres") await stopPostgres(state.postgres.pid, signal);
}

export const stopBroker = (dir: string, options: { kill?: boolean } = {}) => stopComponent(dir, "kafka", options);
export const startBroker = (dir: string) => startComponent(dir, "kafka");

export async function restartDatabase(dir: string): Promise<void> {
  await stopComponent(dir, "postgres");
  await startComponent(dir, "postgres");
}

/**
 * Stops every component: Kafka and the registry, then PostgreSQL, which holds the registry's
 * schemas. A disposable environment (a test run's) is then removed with its data; any other keeps
 * its data for the next start, and has no owner any more.
 */
export async function stopNativeEnvironment(dir: string): Promise<void> {
  const state = readState(dir);
  if (state) {
    await Promise.all([stopKafka(state.kafka.pid), stopSchemaRegistry(state.registry.pid)]);
    await stopPostgres(state.postgres.pid);
    if (!state.disposable) return writeState({ ...state, ownerPid: undefined, reaperPid: undefined });
  }
  removeNativeEnvironment(dir, state);
}

/** Stops what runs and deletes every file: data, logs, passwords (`pnpm infra reset`). */
export async function resetNativeEnvironment(dir: string): Promise<void> {
  const state = readState(dir);
  if (state) await stopNativeEnvironment(dir);
  removeNativeEnvironment(dir, state);
}

function removeNativeEnvironment(dir: string, state: NativeState | undefined): void {
  if (state) fs.rmSync(state.postgres.dataDir, { recursive: true, force: true }); // may live outside `dir` (see postgresDataDir)
  fs.rmSync(dir, { recursive: true, force: true });
}

function mustRead(dir: string): NativeState {
  const state = readState(dir);
  if (!state) throw new Error(`No native environment in ${dir} (state.json missing): was it started?`);
  return state;
}
