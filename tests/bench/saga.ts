/**
 * pnpm bench:saga — the whole system under load, measured, asserted nothing: order, inventory,
 * payment and warehouse as processes on fresh infrastructure. Two phases:
 *   1. latency: orders placed at a steady rate (BENCH_RATE, default 100/s) for BENCH_SECONDS;
 *      saga duration p50/p95/p99 = OrderConfirmed's time − OrderPlaced's time (order's history);
 *   2. throughput: BENCH_BURST orders (default 3000) placed as fast as 64 clients can; completed
 *      checkouts per second from the first placement to the last confirmation.
 * Targets (README): ≥ 300 checkouts/s; p99 ≤ 250 ms at 100/s.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, waitFor } from "@shop/infra";
import { environmentVariable, freshDatabase, startEnvironment, startService, type ServiceProcess } from "@shop/testkit";

const rate = Number(process.env.BENCH_RATE ?? 100);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const burst = Number(process.env.BENCH_BURST ?? 3000);
const body = JSON.stringify({
  customerId: "bench", items: [{ sku: "TSHIRT-BLK-M", quantity: 1 }], paymentMethod: "tok_visa",
  shippingAddress: { name: "Ada", line1: "1 Main St", city: "London", postalCode: "N1", country: "GB" }, email: "ada@example.com",
});

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function place(orderUrl: string): Promise<string> {
  const response = await fetch(`${orderUrl}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body });
  return ((await response.json()) as { orderId: string }).orderId;
}

/** Waits until every order is final; returns each saga's duration in ms and the last final time. */
async function durations(orderUrl: string, ids: string[]): Promise<{ ms: number[]; lastFinal: number }> {
  const ms: number[] = [];
  let lastFinal = 0;
  for (const id of ids) {
    const history = await waitFor(`order ${id} to be final`, async () => {
      const order = (await (await fetch(`${orderUrl}/orders/${id}`)).json()) as { status: string; history: { eventType: string; occurredAt: string }[] };
      return ["CONFIRMED", "CANCELLED"].includes(order.status) && order.history;
    }, { timeoutMs: 120_000, intervalMs: 50 });
    const at = (type: string) => Date.parse(history.find((entry) => entry.eventType === type)!.occurredAt);
    const end = Math.max(...history.map((entry) => Date.parse(entry.occurredAt)));
    ms.push(end - at("OrderPlaced"));
    lastFinal = Math.max(lastFinal, end);
  }
  return { ms: ms.sort((a, b) => a - b), lastFinal };
}

async function main(): Promise<void> {
  console.log(`Machine: ${os.cpus()[0]?.model} × ${os.cpus().length}, Node ${process.version}. Starting infrastructure...`);
  const { environment, descriptorFile } = await startEnvironment((line) => console.log(`  ${line}`));
  process.env[environmentVariable] = descriptorFile; // so freshDatabase() finds this environment
  const services: ServiceProcess[] = [];
  // Enough stock that every order can be confirmed: the benchmark measures the happy path.
  const catalogFile = path.join(os.tmpdir(), `bench-catalog-${process.pid}.json`);
  fs.writeFileSync(catalogFile, JSON.stringify([{ sku: "TSHIRT-BLK-M", name: "T-shirt", price: 1999, quantity: 10_000_000 }]));
  try {
    for (const name of ["order", "inventory", "payment", "warehouse"]) {
      const database = await freshDatabase(`bench_${name}`);
      services.push(await startService(name, await freePort(), {
        DATABASE_URL: database.url, KAFKA_BROKERS: environment.brokers.join(","), SCHEMA_REGISTRY_URL: environment.schemaRegistryUrl,
        LOG_LEVEL: "warn", SAGA_TIMEOUT_MS: "120000", CATALOG_FILE: catalogFile,
      }));
      console.log(`  ${name} ready`);
    }
    const orderUrl = services[0]!.url;
    await waitFor("order to know the catalogue", async () => ((await (await fetch(`${orderUrl}/catalog`)).json()) as unknown[]).length > 0);
    await durations(orderUrl, await Promise.all(Array.from({ length: 50 }, () => place(orderUrl)))); // warm-up

    console.log(`\nPhase 1: ${rate} orders/s for ${seconds} s...`);
    const ids: Promise<string>[] = [];
    const started = Date.now();
    for (let i = 0; i < rate * seconds; i++) {
      const due = started + (i * 1000) / rate;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      ids.push(place(orderUrl));
    }
    const steady = await durations(orderUrl, await Promise.all(ids));
    console.log(`  saga duration (OrderPlaced → final): p50 ${percentile(steady.ms, 50)} ms, p95 ${percentile(steady.ms, 95)} ms, p99 ${percentile(steady.ms, 99)} ms (${steady.ms.length} orders)`);

    console.log(`\nPhase 2: ${burst} orders as fast as 64 clients can place them...`);
    const burstIds: string[] = [];
    const burstStart = Date.now();
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (burstIds.length < burst) {
        burstIds.push(""); // claim a slot before the await, so exactly `burst` orders are placed
        burstIds[burstIds.length - 1] = await place(orderUrl);
      }
    }));
    const placedIn = (Date.now() - burstStart) / 1000;
    const done = await durations(orderUrl, burstIds);
    const total = (done.lastFinal - burstStart) / 1000;
    console.log(`  placed in ${placedIn.toFixed(1)} s (${(burst / placedIn).toFixed(0)}/s accepted); all final after ${total.toFixed(1)} s`);
    console.log(`  throughput: ${(burst / total).toFixed(0)} completed checkouts/s; saga p50 ${percentile(done.ms, 50)} ms, p99 ${percentile(done.ms, 99)} ms under that load`);
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    await environment.stop();
    fs.rmSync(catalogFile, { force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
