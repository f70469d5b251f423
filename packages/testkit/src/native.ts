import {
  brokersOf, databaseUrlOf, ensurePersonalDataSecrets, kafkaCredentialsOf, personalDataEnv, readState, registryCredentialsOf, restartDatabase, schemaRegistryUrlOf, startBroker, stopBroker,
  stopNativeEnvironment, type NativeState,
} from "@shop/infra";
import type { Environment } from "./environment";

/** The Environment interface over a native environment's state dir (see infra/src/native-environment.ts). */
export function nativeEnvironment(dir: string): Environment {
  const state = readState(dir);
  if (!state) throw new Error(`No native test environment in ${dir}: was it started by Jest's globalSetup?`);
  const kafkaCredentials = kafkaCredentialsOf(state); // read once: every test process builds this environment
  const registryCredentials = registryCredentialsOf(state);
  const personalDataSecrets = ensurePersonalDataSecrets(state.kafka.dataDir);
  return {
    kind: "native",
    description: describeNative(state),
    brokers: brokersOf(state),
    kafkaCredentials: (principal) => kafkaCredentials[principal],
    personalDataEnv: (service) => personalDataEnv(service, personalDataSecrets),
    schemaRegistryUrl: schemaRegistryUrlOf(state),
    schemaRegistry: { url: schemaRegistryUrlOf(state), auth: registryCredentials.reader },
    schemaRegistryAdmin: { url: schemaRegistryUrlOf(state), auth: registryCredentials.admin },
    databaseUrl: (name, role) => databaseUrlOf(state, name, role),
    stopBroker: (options) => stopBroker(dir, options),
    startBroker: () => startBroker(dir),
    restartDatabase: () => restartDatabase(dir),
    stop: () => stopNativeEnvironment(dir),
  };
}

function describeNative(state: NativeState): string {
  return [
    `native processes in ${state.dir}`,
    `  Kafka ${state.kafka.version} (KRaft) at ${brokersOf(state).join(",")} (pid ${state.kafka.pid})`,
    `  Apicurio Registry ${state.registry.version} at ${schemaRegistryUrlOf(state)} (pid ${state.registry.pid})`,
    `  PostgreSQL ${state.postgres.version} at 127.0.0.1:${state.postgres.port} (pid ${state.postgres.pid}), databases: ${state.postgres.databases.join(", ")}`,
  ].join("\n");
}
