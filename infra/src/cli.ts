/**
 * pnpm infra up [--detach] | down | status
 *
 * Runs Kafka, the schema registry and PostgreSQL as native processes for local development
 * (no Docker needed; with Docker, `docker compose up` runs the same components as containers).
 * `up` stays in the foreground and stops everything on Ctrl-C; `up --detach` leaves it running
 * until `pnpm infra down`. The environment is disposable: stopping it deletes its data.
 */
import fs from "node:fs";
import path from "node:path";
import { cacheDir } from "./paths";
import { startKafka } from "./kafka";
import { startPostgres } from "./postgres";
import { startSchemaRegistry } from "./schema-registry";
import {
  brokersOf, databaseUrlOf, readState, runningComponents, schemaRegistryUrlOf, startNativeEnvironment,
  stopNativeEnvironment, writeState, type NativeState,
} from "./native-environment";
import { startReaper } from "./reaper";

const devDir = path.join(cacheDir, "infra", "dev");
const serviceDatabases = ["order", "inventory", "payment", "email", "warehouse", "analytics"];
const log = (line: string) => console.log(line);

/** Optional fixed ports from the environment; anything unset gets a free port from the OS. */
function portsFromEnv() {
  const read = (name: string): number | undefined => {
    const raw = process.env[name];
    if (raw === undefined || raw === "") return undefined;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`${name}=${raw} is not a port number (1-65535). Fix it, or unset it to get a free port.`);
    }
    return port;
  };
  return { kafka: read("KAFKA_PORT"), registry: read("SCHEMA_REGISTRY_PORT"), postgres: read("POSTGRES_PORT") };
}

/** Restarts the components of an existing environment that are not running, on their old ports and data. */
async function startMissing(state: NativeState): Promise<NativeState> {
  const running = runningComponents(state);
  const next = { ...state };
  if (!running.kafka) next.kafka = { ...state.kafka, pid: (await startKafka({ ...state.kafka, progress: log })).pid };
  if (!running.registry) next.registry = { ...state.registry, pid: (await startSchemaRegistry({ ...state.registry, progress: log })).pid };
  if (!running.postgres) next.postgres = { ...state.postgres, pid: (await startPostgres({ ...state.postgres, progress: log })).pid };
  writeState(next);
  return next;
}

function describe(state: NativeState): string {
  const running = runningComponents(state);
  const mark = (up: boolean) => (up ? "running" : "STOPPED");
  return [
    `Kafka ${state.kafka.version}            ${mark(running.kafka)}  KAFKA_BROKERS=${brokersOf(state).join(",")}`,
    `Schema registry ${state.registry.version}  ${mark(running.registry)}  SCHEMA_REGISTRY_URL=${schemaRegistryUrlOf(state)}`,
    `PostgreSQL ${state.postgres.version}        ${mark(running.postgres)}  DATABASE_URL=${databaseUrlOf(state, "<service>")}`,
    `Logs and data: ${state.dir}`,
  ].join("\n");
}

/** KEY=value lines a service (or `source`) can read: .cache/infra/dev/infra.env */
function writeEnvFile(state: NativeState): string {
  const file = path.join(state.dir, "infra.env");
  const lines = [
    `KAFKA_BROKERS=${brokersOf(state).join(",")}`,
    `SCHEMA_REGISTRY_URL=${schemaRegistryUrlOf(state)}`,
    ...serviceDatabases.map((db) => `DATABASE_URL_${db.toUpperCase()}=${databaseUrlOf(state, db)}`),
  ];
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

async function up(detach: boolean): Promise<void> {
  const startedAt = Date.now();
  const existing = readState(devDir);
  let state: NativeState;
  if (existing && Object.values(runningComponents(existing)).every(Boolean)) {
    log(`Already running (pnpm infra down stops it):\n${describe(existing)}`);
    return;
  }
  if (existing) {
    log("Starting the components that are not running...");
    state = await startMissing(existing);
  } else {
    log("Starting Kafka, the schema registry and PostgreSQL (the first start downloads them; later starts reuse the cache)...");
    state = await startNativeEnvironment({ dir: devDir, databases: serviceDatabases, ports: portsFromEnv(), progress: log });
  }
  log(`\nReady in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.\n${describe(state)}\nEnv file: ${writeEnvFile(state)}`);
  if (detach) {
    log("\nDetached: `pnpm infra down` stops everything.");
    return;
  }
  startReaper(devDir); // stops everything even if this process is killed
  log("\nPress Ctrl-C to stop.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await down();
}

async function down(): Promise<void> {
  if (!readState(devDir)) {
    log("Nothing to stop.");
    return;
  }
  log("Stopping Kafka, the schema registry and PostgreSQL...");
  await stopNativeEnvironment(devDir);
  log("Stopped; data removed.");
}

function status(): void {
  const state = readState(devDir);
  log(state ? describe(state) : "Not running (pnpm infra up starts it).");
}

async function main(): Promise<void> {
  const [command, ...flags] = process.argv.slice(2);
  if (command === "up") return up(flags.includes("--detach"));
  if (command === "down") return down();
  if (command === "status") return status();
  console.error("usage: pnpm infra up [--detach] | down | status");
  process.exitCode = 2;
}

main().catch((error: unknown) => {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
