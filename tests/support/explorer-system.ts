/**
 * The whole system as `pnpm start` runs it, for the explorer's browser test: the six services
 * (fresh databases, the default catalogue) sending their spans to the explorer, an SMTP sink that
 * hands its mails to the explorer, the control API over these processes (control-api.ts), and the
 * explorer itself as its own process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, startSmtpSink, waitFor } from "@shop/infra";
import { freshDatabase, kafkaEnv, startService, useEnvironment, type FreshDatabase, type ServiceProcess } from "@shop/testkit";
import { serveControlApi } from "./control-api";

export const allServices = ["order", "inventory", "payment", "warehouse", "email", "analytics"] as const;

export interface ExplorerSystem {
  explorerUrl: string;
  services: Record<string, ServiceProcess>;
  explorerOutput(): string;
  stop(): Promise<void>;
}

const repoRoot = path.resolve(__dirname, "..", "..");

export async function startExplorerSystem({ sagaTimeoutMs, killBackoffMs }: { sagaTimeoutMs: number; killBackoffMs: number }): Promise<ExplorerSystem> {
  const env = useEnvironment();
  const explorerPort = await freePort();
  const explorerUrl = `http://127.0.0.1:${explorerPort}`;
  const smtp = await startSmtpSink(await freePort(), () => {}, (mail) => void fetch(`${explorerUrl}/api/mails`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(mail),
  }).catch(() => undefined));
  const registry = env.schemaRegistry;
  const common = {
    KAFKA_BROKERS: env.brokers.join(","), SCHEMA_REGISTRY_URL: registry.url,
    SCHEMA_REGISTRY_USERNAME: registry.auth.username, SCHEMA_REGISTRY_PASSWORD: registry.auth.password, LOG_LEVEL: "warn",
  };
  const ports = Object.fromEntries(await Promise.all(allServices.map(async (name) => [name, await freePort()] as const)));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "explorer-e2e-"));
  const supervisorFile = path.join(dir, "supervisor.json");
  let output = "";
  let explorer: ChildProcess | undefined;
  const databases: FreshDatabase[] = [];
  const services: Record<string, ServiceProcess> = {};
  let control: Awaited<ReturnType<typeof serveControlApi>> | undefined;
  const stop = async () => {
    if (explorer && explorer.exitCode === null) {
      const exited = new Promise((resolve) => explorer!.once("exit", resolve));
      explorer.kill("SIGTERM");
      await exited;
    }
    await control?.close();
    await Promise.all(Object.values(services).map((service) => service.stop()));
    await Promise.all(databases.map((database) => database.drop()));
    await smtp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    explorer = spawn(process.execPath, ["--import", "tsx", path.join("packages", "explorer", "src", "main.ts")], {
      cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env, ...common, ...kafkaEnv(env.kafkaCredentials("admin")), EXPLORER_PORT: String(explorerPort), LOG_LEVEL: "info",
        ...Object.fromEntries(allServices.map((name) => [`${name.toUpperCase()}_URL`, `http://127.0.0.1:${ports[name]}`])),
        SUPERVISOR_FILE: supervisorFile, // as pnpm start's supervisor, the control API writes its address there once it listens
      },
    });
    explorer.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    explorer.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await waitFor("the explorer to be ready", async () => {
      if (explorer!.exitCode !== null) throw new Error(`the explorer exited:\n${output}`);
      return (await fetch(`${explorerUrl}/health/ready`).catch(() => undefined))?.ok;
    }, { timeoutMs: 60_000, intervalMs: 200 });

    // Three at a time: six processes compiling TypeScript at once on a busy two-core machine can
    // miss testkit's minute to get ready. Settled, not raced: none is left running on a failure.
    for (const wave of [allServices.slice(0, 3), allServices.slice(3)]) {
      const started = await Promise.allSettled(wave.map(async (name) => {
        const database = await freshDatabase(`explorer_${name}`, undefined, { owner: name });
        databases.push(database);
        services[name] = await startService(name, ports[name]!, {
          ...common, DATABASE_URL: database.url, SMTP_URL: smtp.url,
          OTEL_EXPORTER_OTLP_ENDPOINT: explorerUrl, OTEL_BSP_SCHEDULE_DELAY: "200",
          SAGA_TIMEOUT_MS: String(sagaTimeoutMs), DEADLINE_CHECK_MS: "200", MAX_SAGA_WAIT_MS: "0",
        });
      }));
      const failed = started.find((result) => result.status === "rejected");
      if (failed) throw failed.reason;
    }
    // Order prices from its own copy of the catalogue, built from the catalog topic that inventory
    // fills on its first start: until then the page's orders would be 400s (unknown SKU).
    const skus = (JSON.parse(fs.readFileSync(path.join(repoRoot, "services", "inventory", "catalog.json"), "utf8")) as { sku: string }[]).map((p) => p.sku);
    await waitFor("order to know the catalogue", async () => {
      const known = (await (await fetch(`${services.order!.url}/catalog`)).json()) as { sku: string }[];
      return skus.every((sku) => known.some((entry) => entry.sku === sku));
    }, { timeoutMs: 60_000, intervalMs: 200 });
    // One order through, unwatched: every consumer has joined its group and fetched once, so the
    // test's first order does not wait for that (which, on a busy machine, took seconds).
    const warmUp = await fetch(`${services.order!.url}/orders`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ customerId: "warm-up", items: [{ sku: "STICKERS-10", quantity: 1 }], paymentMethod: "tok_visa", email: "warm@example.com",
        shippingAddress: { name: "Warm Up", line1: "1 Main St", city: "London", postalCode: "N1 9GU", country: "GB" } }),
    });
    const { orderId } = (await warmUp.json()) as { orderId: string };
    await waitFor("the warm-up order to be final", async () => {
      const order = (await (await fetch(`${services.order!.url}/orders/${orderId}`)).json()) as { status: string };
      return order.status === "CONFIRMED" || order.status === "CANCELLED";
    }, { timeoutMs: 120_000, intervalMs: 200 });
    control = await serveControlApi(services, env, { killBackoffMs });
    fs.writeFileSync(supervisorFile, JSON.stringify({ url: control.url, pid: process.pid }));
  } catch (error) {
    await stop();
    throw error;
  }
  return { explorerUrl, services, explorerOutput: () => output, stop };
}
