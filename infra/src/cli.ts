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
async function startMissing(state: NativeState, progress: (line: string) => void): Promise<NativeState> {
  const running = runningComponents(state);
  const next = { ...state };
  if (!running.kafka) next.kafka = { ...state.kafka, pid: (await startKafka({ ...state.kafka, progress })).pid };
  if (!running.registry) next.registry = { ...state.registry, pid: (await startSchemaRegistry({ ...state.registry, progress })).pid };
  if (!running.postgres) next.postgres = { ...state.postgres, pid: (await startPostgres({ ...state.postgres, progress })).pid };
  writeState(next);
  return next;
}

function describe(state: NativeState): string {
  const running = runningComponents(state);
  const rows = [
    [`Kafka ${state.kafka.version}`, running.kafka, `KAFKA_BROKERS=${brokersOf(state).join(",")}`],
    [`Apicurio Registry ${state.registry.version}`, running.registry, `SCHEMA_REGISTRY_URL=${schemaRegistryUrlOf(state)}`],
    [`PostgreSQL ${state.postgres.version.split(" ")[0]}`, running.postgres, `DATABASE_URL=postgres://postgres@127.0.0.1:${state.postgres.port}/<service>`],
  ] as const;
  return [
    ...rows.map(([name, up, address]) => `  ${name.padEnd(24)} ${(up ? "running" : "STOPPED").padEnd(8)} ${address}`),
    `  Logs and data: ${state.dir}`,
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
  const ports = portsFromEnv(); // a bad value stops here, before anything starts
  const existing = readState(devDir);
  let state: NativeState;
  if (existing && Object.values(runningComponents(existing)).every(Boolean)) {
    log(`Already running (pnpm infra down stops it):\n${describe(existing)}`);
    return;
  }
  let downloaded = false;
  const progress = (line: string) => {
    downloaded ||= line.includes("Downloaded ");
    log(line);
  };
  if (existing) {
    log("Starting the components that are not running...");
    state = await startMissing(existing, progress);
  } else {
    log("Starting Kafka, the schema registry and PostgreSQL (the first start downloads them; later starts reuse the cache)...");
    state = await startNativeEnvironment({ dir: devDir, databases: serviceDatabases, ports, progress });
  }
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  log(`\nReady in ${seconds} s (${downloaded ? "cold start: downloads included" : "warm start: everything was cached"}).`);
  log(`${describe(state)}\n  Env file: ${writeEnvFile(state)}`);
  if (detach) {
    log("\nDetached: `pnpm infra down` stops everything.");
    return;
  }
  startReaper(devDir); // stops everything even if this process is killed
  log("\nPress Ctrl-C to stop.");
  await new Promise<void>((resolve) => {
    // Signal listeners alone do not keep Node running; this timer does, until a signal comes.
    const keepAlive = setInterval(() => {}, 60_000);
    const stop = () => {
      clearInterval(keepAlive);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
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
