/**
 * Test environments: `startEnvironment()` starts Kafka, the schema registry and PostgreSQL once
 * per test run (Jest globalSetup); `useEnvironment()` gives tests that same environment.
 *
 * Containers (testcontainers) when a Docker engine answers, native processes otherwise.
 * Force one with SHOP_TEST_INFRA=containers or SHOP_TEST_INFRA=native.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { readState, registerContractSchemas, startNativeEnvironment, startReaper, type NativeState } from "@shop/infra";
import { containerEnvironment, dockerAvailable, startContainerEnvironment, type ContainerState } from "./containers";
import { serviceDatabases, type Environment } from "./environment";
import { nativeEnvironment } from "./native";

export type { Environment, SchemaRegistryAccess } from "./environment";
export { kafkaEnv, saslOf, type KafkaCredentials, type KafkaPrincipal } from "@shop/infra";
export { serviceDatabases } from "./environment";
export { freshDatabase, type FreshDatabase } from "./fresh-database";
export { anyQueryString, anyUrlPart, percentEncoded } from "./http-inputs";
export { startService, type ServiceProcess } from "./service-process";
export { statementsDuring } from "./statements";

/** Where globalSetup tells test workers how to reach the environment (a JSON descriptor file). */
export const environmentVariable = "SHOP_TEST_ENVIRONMENT";

type Descriptor = { kind: "native"; dir: string } | { kind: "containers"; state: ContainerState };

async function chooseKind(): Promise<"native" | "containers"> {
  const forced = process.env.SHOP_TEST_INFRA;
  if (forced === "native" || forced === "containers") return forced;
  if (forced) throw new Error(`SHOP_TEST_INFRA=${forced} is not valid: use "native" or "containers" (or unset it to choose automatically).`);
  return (await dockerAvailable()) ? "containers" : "native";
}

export interface EnvironmentOptions {
  /**
   * PostgreSQL with fsync on, as `pnpm start` runs it. Off by default: tests do not survive OS
   * crashes anyway, and fsync off makes PostgreSQL several times faster. The saga benchmark
   * turns it on, to measure the system as users run it.
   */
  durablePostgres?: boolean;
}

/** Starts a fresh environment and returns it with the path of its descriptor file. */
export async function startEnvironment(
  progress: (line: string) => void = () => {},
  { durablePostgres = false }: EnvironmentOptions = {},
): Promise<{ environment: Environment; descriptorFile: string }> {
  const kind = await chooseKind();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "checkout-saga-test-"));
  const descriptorFile = path.join(dir, "environment.json");
  let descriptor: Descriptor;
  if (kind === "native") {
    // Stopping the environment removes `dir`, descriptor included.
    await startNativeEnvironment({ dir, databases: serviceDatabases, fastPostgres: !durablePostgres, disposable: true, progress });
    startReaper(dir); // stops it if this process dies before globalTeardown
    descriptor = { kind, dir };
  } else {
    descriptor = { kind, state: await startContainerEnvironment(progress, { durablePostgres }) };
  }
  fs.writeFileSync(descriptorFile, JSON.stringify(descriptor, null, 2));
  const environment = fromDescriptor(descriptor);
  // The contracts' schemas, as `pnpm start` registers them: services (and their tests) only look them up.
  progress(await registerContractSchemas(environment.schemaRegistryAdmin.url, environment.schemaRegistryAdmin.auth));
  return { environment, descriptorFile };
}

/** The processes of a native environment (pids, ports, data dirs); undefined for containers. */
export function nativeStateOf(descriptorFile: string): NativeState | undefined {
  const descriptor = JSON.parse(fs.readFileSync(descriptorFile, "utf8")) as Descriptor;
  return descriptor.kind === "native" ? readState(descriptor.dir) : undefined;
}

/** The environment this test run started (in globalSetup). */
export function useEnvironment(): Environment {
  const file = process.env[environmentVariable];
  if (!file) {
    throw new Error(`${environmentVariable} is not set: run tests through Jest from the repository root (pnpm test), whose globalSetup starts the environment.`);
  }
  return fromDescriptor(JSON.parse(fs.readFileSync(file, "utf8")) as Descriptor);
}

function fromDescriptor(descriptor: Descriptor): Environment {
  return descriptor.kind === "native" ? nativeEnvironment(descriptor.dir) : containerEnvironment(descriptor.state);
}
