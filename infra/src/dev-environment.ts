/**
 * The development environment: the native infrastructure under .cache/infra/dev that
 * `pnpm infra` and `pnpm start` share. Started once, reused while it runs; stopping it keeps its
 * data (orders, messages, schemas) for the next start, and `pnpm infra reset` deletes it.
 */
import path from "node:path";
import { credentialsFileOf, kafkaEnvFileLines } from "./kafka-credentials";
import { cacheDir } from "./paths";
import { ensurePersonalDataSecrets, personalDataEnvFileLines } from "./personal-data-secrets";
import { writePrivateFile } from "./private-files";
import { isAlive } from "./processes";
import { registryCredentialsOf } from "./registry-credentials";
import {
  brokersOf, databaseUrlOf, readState, runningComponents, schemaRegistryUrlOf, startNativeEnvironment, startStoppedComponents,
  stopNativeEnvironment, type NativeState,
} from "./native-environment";
import { waitFor } from "./wait";

export const devDir = path.join(cacheDir, "infra", "dev");
/** One database per service, in every environment (dev, tests, docker compose's init script). */
export const serviceDatabases = ["order", "inventory", "payment", "email", "warehouse", "analytics"] as const;

/** Optional fixed ports from the environment; anything unset gets a free port from the OS. */
export function portsFromEnv() {
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

/**
 * When the last owner died (a kill -9 of `pnpm start`), its reaper is stopping the environment:
 * wait for it, rather than race it (it would stop what we start). An owner that died without a
 * reaper left its components running with nobody to stop them: stop them here.
 */
async function afterDeadOwner(state: NativeState, progress: (line: string) => void): Promise<void> {
  if (state.ownerPid === undefined || state.ownerPid === process.pid || isAlive(state.ownerPid)) return;
  if (isAlive(state.reaperPid)) {
    progress(`The last owner of this environment (pid ${state.ownerPid}) died; waiting for its reaper to stop what it started...`);
    await waitFor("the reaper to finish", () => !isAlive(state.reaperPid), { timeoutMs: 90_000, intervalMs: 200 });
  }
  await stopNativeEnvironment(devDir); // a no-op when the reaper did it; the data stays
}

export function describe(state: NativeState): string {
  const running = runningComponents(state);
  const rows = [
    [`Kafka ${state.kafka.version}`, running.kafka, `KAFKA_BROKERS=${brokersOf(state).join(",")}`],
    [`Apicurio Registry ${state.registry.version}`, running.registry, `SCHEMA_REGISTRY_URL=${schemaRegistryUrlOf(state)}`],
    [`PostgreSQL ${state.postgres.version.split(" ")[0]}`, running.postgres, `DATABASE_URL=postgres://<service>:<password>@127.0.0.1:${state.postgres.port}/<service> (infra.env)`],
  ] as const;
  return [
    ...rows.map(([name, up, address]) => `  ${name.padEnd(24)} ${(up ? "running" : "STOPPED").padEnd(8)} ${address}`),
    `  Kafka users (SASL/SCRAM): admin for tools, one per service; passwords in ${credentialsFileOf(state.kafka.dataDir)} and infra.env`,
    `  Logs and data: ${state.dir}`,
    // As root in a folder PostgreSQL's user cannot enter, its data lives elsewhere (postgresDataDir).
    ...(path.dirname(state.postgres.dataDir) === state.dir ? [] : [`  PostgreSQL data: ${state.postgres.dataDir}`]),
  ].join("\n");
}

/**
 * KEY=value lines for tools and psql: .cache/infra/dev/infra.env (mode 0600: it holds passwords).
 * Kafka's and the registry's addresses, admin's Kafka credential (for the dlq command), each
 * database's URL. A service started by hand reads its own file instead (service-env.ts).
 */
export function writeEnvFile(state: NativeState): string {
  const file = path.join(state.dir, "infra.env");
  const { reader } = registryCredentialsOf(state);
  const lines = [
    `KAFKA_BROKERS=${brokersOf(state).join(",")}`,
    `SCHEMA_REGISTRY_URL=${schemaRegistryUrlOf(state)}`,
    `SCHEMA_REGISTRY_USERNAME=${reader.username}`,
    `SCHEMA_REGISTRY_PASSWORD=${reader.password}`,
    ...serviceDatabases.map((db) => `DATABASE_URL_${db.toUpperCase()}=${databaseUrlOf(state, db)}`),
    `DATABASE_URL_ADMIN=${databaseUrlOf(state, "postgres")}`, // the superuser, for psql and tools
    ...kafkaEnvFileLines(state),
    ...personalDataEnvFileLines(ensurePersonalDataSecrets(state.kafka.dataDir)), // the KEKs and email's admin token (decision 014)
  ];
  writePrivateFile(file, `${lines.join("\n")}\n`); // it holds passwords
  return file;
}

/**
 * Starts what is not running (everything, the first time) and returns the state, whether this
 * call started anything, and whether it downloaded anything (a cold start).
 */
export async function ensureDevEnvironment(progress: (line: string) => void): Promise<{ state: NativeState; started: boolean; downloaded: boolean }> {
  const ports = portsFromEnv(); // a bad value stops here, before anything starts
  const previous = readState(devDir);
  if (previous) await afterDeadOwner(previous, progress);
  const existing = readState(devDir);
  if (existing && Object.values(runningComponents(existing)).every(Boolean)) return { state: existing, started: false, downloaded: false };
  let downloaded = false;
  const report = (line: string) => {
    downloaded ||= line.includes("Downloaded ");
    progress(line);
  };
  if (existing) {
    progress(`Starting the infrastructure components that are not running, on the data of the last run (\`pnpm infra reset\` deletes it)...`);
    return { state: await startStoppedComponents(devDir, report), started: true, downloaded };
  }
  progress("Starting Kafka, the schema registry and PostgreSQL (the first start downloads them; later starts reuse the cache)...");
  const state = await startNativeEnvironment({ dir: devDir, databases: serviceDatabases, ports, disposable: false, progress: report });
  return { state, started: true, downloaded };
}
