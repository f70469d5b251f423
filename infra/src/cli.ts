/**
 * pnpm infra up [--detach] | down | status | schemas | reset
 *
 * Runs Kafka, the schema registry and PostgreSQL as native processes for local development
 * (no Docker needed; with Docker, `docker compose up` runs the same components as containers).
 * `up` stays in the foreground and stops everything on Ctrl-C; `up --detach` leaves it running
 * until `pnpm infra down`. Stopping keeps the data (orders, messages, schemas) for the next start;
 * `reset` stops what runs and deletes it.
 * `up` registers the contracts' schemas (services only read them); `schemas` registers them again,
 * e.g. after a new schema version, with the admin credential (docs/decisions/012).
 */
import { describe, devDir, ensureDevEnvironment, writeEnvFile } from "./dev-environment";
import { readRunningSupervisor } from "./control-api";
import { readState, resetNativeEnvironment, schemaRegistryUrlOf, stopNativeEnvironment, writeState, type NativeState } from "./native-environment";
import { startReaper } from "./reaper";
import { registerContractSchemas } from "./register-schemas";
import { registryCredentialsOf } from "./registry-credentials";
import { writeServiceEnvFiles } from "./service-env";
import { untilStopped } from "./signals";

const log = (line: string) => console.log(line);

async function up(detach: boolean): Promise<void> {
  const startedAt = Date.now();
  const { state, started, downloaded } = await ensureDevEnvironment(log);
  await registerSchemas(state);
  if (!started) {
    log(`Already running (pnpm infra down stops it):\n${describe(state)}`);
    return;
  }
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  log(`\nReady in ${seconds} s (${downloaded ? "cold start: downloads included" : "warm start: everything was cached"}).`);
  log(`${describe(state)}\n  Env file: ${writeEnvFile(state)}\n  Env files per service (to start one by hand): ${writeServiceEnvFiles(state)}`);
  if (detach) {
    writeState({ ...state, ownerPid: undefined }); // nobody's: it runs until `pnpm infra down`
    log("\nDetached: `pnpm infra down` stops everything.");
    return;
  }
  startReaper(devDir); // stops everything even if this process is killed
  log("\nPress Ctrl-C to stop.");
  await untilStopped();
  await down();
}

async function down(): Promise<void> {
  if (!readState(devDir)) {
    log("Nothing to stop.");
    return;
  }
  log("Stopping Kafka, the schema registry and PostgreSQL...");
  await stopNativeEnvironment(devDir);
  log("Stopped; the data stays for the next start (`pnpm infra reset` deletes it).");
}

async function reset(): Promise<void> {
  const supervisor = readRunningSupervisor(devDir);
  if (supervisor) throw new Error(`pnpm start is running (pid ${supervisor.pid}): stop it (Ctrl-C) first, then \`pnpm infra reset\`, or use \`pnpm start --reset\`.`);
  log("Stopping what runs and deleting the dev environment's data (orders, messages, schemas, passwords)...");
  await resetNativeEnvironment(devDir);
  log("Reset: the next `pnpm start` or `pnpm infra up` starts from nothing.");
}

async function registerSchemas(state: NativeState): Promise<void> {
  log(await registerContractSchemas(schemaRegistryUrlOf(state), registryCredentialsOf(state).admin));
  log(`Registry credentials (admin: registers schemas; reader: what services get): ${state.registry.credentialsFile}`);
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
  if (command === "reset") return reset();
  if (command === "schemas") {
    const state = readState(devDir);
    if (!state) throw new Error("Not running: `pnpm infra up` (or `pnpm start`) starts the registry and registers the schemas.");
    return registerSchemas(state);
  }
  console.error("usage: pnpm infra up [--detach] | down | status | schemas | reset");
  process.exitCode = 2;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`\n${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
