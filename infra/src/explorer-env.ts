/**
 * What `pnpm start` gives the saga explorer (packages/explorer): Kafka as admin (an outside tool
 * that reads every topic and group, and writes the poison message), the registry's read-only
 * user (it only decodes), and where the supervisor's control API says it listens.
 */
import path from "node:path";
import { kafkaCredentialsOf, kafkaEnv } from "./kafka-credentials";
import { brokersOf, schemaRegistryUrlOf, type NativeState } from "./native-environment";
import { registryCredentialsOf } from "./registry-credentials";

export const defaultExplorerPort = 3000;

export function explorerEnvironment(state: NativeState, port: number): NodeJS.ProcessEnv {
  const { reader } = registryCredentialsOf(state);
  return {
    EXPLORER_PORT: String(port), KAFKA_BROKERS: brokersOf(state).join(","), ...kafkaEnv(kafkaCredentialsOf(state).admin),
    SCHEMA_REGISTRY_URL: schemaRegistryUrlOf(state), SCHEMA_REGISTRY_USERNAME: reader.username, SCHEMA_REGISTRY_PASSWORD: reader.password,
    SUPERVISOR_FILE: path.join(state.dir, "supervisor.json"),
  };
}

/** What each service adds to its environment to send its spans to the explorer (OTLP/HTTP JSON), within a second. */
export function tracesTo(explorerUrl: string): NodeJS.ProcessEnv {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: explorerUrl, OTEL_BSP_SCHEDULE_DELAY: "1000" };
}

/** Hands a mail the SMTP sink received to the explorer's Mails panel; an explorer that is down loses it. */
export function mailTo(explorerUrl: string) {
  return (mail: object) => void fetch(`${explorerUrl}/api/mails`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(mail), signal: AbortSignal.timeout(2000),
  }).catch(() => undefined);
}
