/**
 * Each service is a real process: it starts from its main.ts, answers /health/live, stops
 * cleanly on SIGTERM, and refuses to start on bad configuration.
 */
import { freePort } from "@shop/infra";
import { serviceDatabases, startService, useEnvironment } from "@shop/testkit";

// Each test starts a service from its main.ts: a process under tsx that reaches PostgreSQL, Kafka and the registry.
jest.setTimeout(60_000);

const infra = useEnvironment();
const environmentOf = (name: string, overrides: Record<string, string> = {}) => ({
  LOG_LEVEL: "info", DATABASE_URL: infra.databaseUrl(name), KAFKA_BROKERS: infra.brokers.join(","),
  SCHEMA_REGISTRY_URL: infra.schemaRegistryUrl,
  SCHEMA_REGISTRY_USERNAME: infra.schemaRegistry.auth.username, SCHEMA_REGISTRY_PASSWORD: infra.schemaRegistry.auth.password, ...overrides,
});

describe.each(serviceDatabases)("the %s service", (name) => {
  test("when started, then it answers /health/live, and on SIGTERM it stops with exit code 0", async () => {
    const service = await startService(name, await freePort(), environmentOf(name));
    try {
      const response = await fetch(`${service.url}/health/live`);
      expect(await response.json()).toEqual({ status: "ok" });
    } finally {
      expect(await service.stop()).toBe(0);
    }
    expect(service.output()).toContain('"msg":"stopped"');
  });

  test("when KAFKA_PASSWORD is empty, then it exits with 1 and a message naming KAFKA_PASSWORD", async () => {
    await expect(startService(name, await freePort(), environmentOf(name, { KAFKA_PASSWORD: "" }))).rejects.toThrow(
      /exited with 1 during start-up:[\s\S]*KAFKA_PASSWORD/,
    );
  });

  test("when PORT is not a number, then it exits with 1 and a message naming PORT", async () => {
    await expect(startService(name, await freePort(), environmentOf(name, { PORT: "eighty" }))).rejects.toThrow(
      /exited with 1 during start-up:[\s\S]*PORT: .*got "eighty"/,
    );
  });
});

describe("the registry credential (services only read the registry)", () => {
  test("when SCHEMA_REGISTRY_PASSWORD is not set, then a service exits with 1 and a message naming it", async () => {
    await expect(startService("payment", await freePort(), environmentOf("payment", { SCHEMA_REGISTRY_PASSWORD: "" }))).rejects.toThrow(
      /exited with 1 during start-up:[\s\S]*SCHEMA_REGISTRY_PASSWORD/,
    );
  });

  test("when the registry refuses the password, then a service exits with 1 and says which variables to check", async () => {
    await expect(startService("payment", await freePort(), environmentOf("payment", { SCHEMA_REGISTRY_PASSWORD: "wrong" }))).rejects.toThrow(
      /exited with 1 during start-up:[\s\S]*401[\s\S]*SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD/,
    );
  });
});
