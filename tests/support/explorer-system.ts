/**
 * The whole system as `pnpm start` runs it (infra/src/start.ts), for the explorer's browser test:
 * the real supervisor runs the six services (fresh databases, the default catalogue) and the
 * explorer as supervised instances, the services send their spans to the explorer, an SMTP sink
 * hands it its mails, and the real control API serves the explorer's Break-it panel: its kill,
 * stop and start reach these processes, and its broker and PostgreSQL buttons the test run's
 * infrastructure (infraControl over the native environment's state, as `pnpm start` over its own).
 * Ports are free ones, not 3000-3006: another `pnpm start` may run on this machine.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  freePort, infraControl, startControlApi, startSmtpSink, Supervisor, waitFor, type InstanceSpec,
} from "@shop/infra";
import { environmentVariable, freshDatabase, kafkaEnv, nativeStateOf, useEnvironment, type FreshDatabase } from "@shop/testkit";
import { environmentInfraControl } from "./environment-infra-control";

export const allServices = ["order", "inventory", "payment", "warehouse", "email", "analytics"] as const;

export interface ExplorerSystem {
  explorerUrl: string;
  serviceUrls: Record<string, string>;
  /** The last lines the supervised processes wrote (the explorer's and the services'), for a failure's report. */
  output(): string;
  stop(): Promise<void>;
}

const repoRoot = path.resolve(__dirname, "..", "..");

export async function startExplorerSystem({ sagaTimeoutMs }: { sagaTimeoutMs: number }): Promise<ExplorerSystem> {
  const env = useEnvironment();
  const explorerPort = await freePort();
  const explorerUrl = `http://127.0.0.1:${explorerPort}`;
  const mailTo = (mail: object) => void fetch(`${explorerUrl}/api/mails`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(mail),
  }).catch(() => undefined);
  const smtp = await startSmtpSink(await freePort(), () => {}, mailTo);
  const registry = { SCHEMA_REGISTRY_URL: env.schemaRegistry.url, SCHEMA_REGISTRY_USERNAME: env.schemaRegistry.auth.username, SCHEMA_REGISTRY_PASSWORD: env.schemaRegistry.auth.password };
  const ports = Object.fromEntries(await Promise.all(allServices.map(async (name) => [name, await freePort()] as const)));
  const serviceUrls = Object.fromEntries(allServices.map((name) => [name, `http://127.0.0.1:${ports[name]}`]));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "explorer-e2e-"));
  const databases: FreshDatabase[] = [];
  let lines: string[] = [];
  let supervisor: Supervisor | undefined;
  let api: Awaited<ReturnType<typeof startControlApi>> | undefined;

  const stop = async () => {
    await supervisor?.stopAll(); // the services first, then the explorer (stopsLast), as pnpm start does
    await api?.close();
    await Promise.all(databases.map((database) => database.drop()));
    await smtp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    const specs: InstanceSpec[] = [];
    for (const name of allServices) {
      const database = await freshDatabase(`explorer_${name}`, undefined, { owner: name });
      databases.push(database);
      specs.push({
        name, instance: 1, port: ports[name]!,
        env: {
          LOG_LEVEL: "warn", DATABASE_URL: database.url, KAFKA_BROKERS: env.brokers.join(","), ...registry, SMTP_URL: smtp.url,
          ...kafkaEnv(env.kafkaCredentials(name)), ...env.personalDataEnv(name), // its own principal and keys, as pnpm start gives it
          OTEL_EXPORTER_OTLP_ENDPOINT: explorerUrl, OTEL_BSP_SCHEDULE_DELAY: "200", // traces to the explorer; quicker than pnpm start's 1 s
          SAGA_TIMEOUT_MS: String(sagaTimeoutMs), DEADLINE_CHECK_MS: "200", MAX_SAGA_WAIT_MS: "0",
        },
      });
    }
    const controlPort = await freePort();
    specs.push({
      name: "explorer", instance: 1, port: explorerPort, entry: path.join("packages", "explorer", "src", "main.ts"), stopsLast: true,
      env: {
        EXPLORER_PORT: String(explorerPort), LOG_LEVEL: "info", KAFKA_BROKERS: env.brokers.join(","), ...kafkaEnv(env.kafkaCredentials("admin")), ...registry,
        ...Object.fromEntries(allServices.map((name) => [`${name.toUpperCase()}_URL`, serviceUrls[name]])),
        SUPERVISOR_URL: `http://127.0.0.1:${controlPort}`,
      },
    });
    supervisor = new Supervisor(specs, (spec, line) => {
      lines.push(`${spec.name}: ${line}`);
      if (lines.length > 400) lines = lines.slice(-200);
    });
    // Native infrastructure: the very infraControl of `pnpm start`, over the test run's state file.
    // Containers (Docker): the same contract over the environment's fault hooks.
    const nativeDir = nativeStateOf(process.env[environmentVariable]!)?.dir;
    const infra = nativeDir ? infraControl(nativeDir, () => {}) : environmentInfraControl(env);
    api = await startControlApi({ supervisor, infra, port: controlPort, dir });
    supervisor.startAll();
    // The supervisor waits for ever (pnpm start's user sees the logs); a test gives up, and stops what it started.
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([supervisor.whenAllReady(), new Promise((_, reject) => {
      giveUp = setTimeout(() => reject(new Error(`not every process was ready in 4 minutes: ${JSON.stringify(supervisor!.list().map((i) => [i.name, i.state]))}`)), 240_000);
    })]).finally(() => clearTimeout(giveUp));

    // Order prices from its own copy of the catalogue, built from the catalog topic that inventory
    // fills on its first start: until then the page's orders would be 400s (unknown SKU).
    const skus = (JSON.parse(fs.readFileSync(path.join(repoRoot, "services", "inventory", "catalog.json"), "utf8")) as { sku: string }[]).map((p) => p.sku);
    await waitFor("order to know the catalogue", async () => {
      const known = (await (await fetch(`${serviceUrls.order}/catalog`)).json()) as { sku: string }[];
      return skus.every((sku) => known.some((entry) => entry.sku === sku));
    }, { timeoutMs: 60_000, intervalMs: 200 });
    // One order through, unwatched: every consumer has joined its group and fetched once, so the
    // test's first order does not wait for that (which, on a busy machine, took seconds).
    const warmUp = await fetch(`${serviceUrls.order}/orders`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ customerId: "warm-up", items: [{ sku: "STICKERS-10", quantity: 1 }], paymentMethod: "tok_visa", email: "warm@example.com",
        shippingAddress: { name: "Warm Up", line1: "1 Main St", city: "London", postalCode: "N1 9GU", country: "GB" } }),
    });
    const { orderId } = (await warmUp.json()) as { orderId: string };
    await waitFor("the warm-up order to be final", async () => {
      const order = (await (await fetch(`${serviceUrls.order}/orders/${orderId}`)).json()) as { status: string };
      return order.status === "CONFIRMED" || order.status === "CANCELLED";
    }, { timeoutMs: 120_000, intervalMs: 200 });
  } catch (error) {
    console.log(`the system's last lines:\n${lines.slice(-60).join("\n")}`);
    await stop();
    throw error;
  }
  return { explorerUrl, serviceUrls, output: () => lines.slice(-80).join("\n"), stop };
}
