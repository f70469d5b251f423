/**
 * One fault campaign: steady mixed load for `minutes`, faults at seeded random times, then the wait
 * for quiescence and the invariant checks. The same seed draws the same orders' paths and the same
 * faults at the same offsets (what the system makes of them still depends on timing).
 *   1. one order taken to its end (the system works before any fault), then a snapshot (stock,
 *      KPIs, DLQ sizes): the checks compare against it;
 *   2. load starts; after a 10 s lead-in, one fault every 12–20 s until 20 s before the end, each
 *      followed by the wait until every service is ready again;
 *   3. load stops; wait until every accepted order is final, nothing is reserved, analytics has
 *      counted every order and no consumer lags (or 3 minutes pass: what is not final is reported);
 *   4. invariants (invariants.ts).
 */
import type { Control } from "@shop/infra/src/control-client";
import type { KafkaConfig } from "@shop/messaging";
import { waitFor } from "@shop/infra";
import { scrape, total } from "../bench/saga/prometheus";
import { faultPlan, inject, untilReady, type Fault, type Injection } from "./faults";
import { checkInvariants, eachLimited, getJson, snapshot, type Kpis, type OrderView, type Stock, type Verdict } from "./invariants";
import { startLoad, type LoadResult } from "./load";

export interface CampaignOptions {
  control: Control;
  adminKafka: KafkaConfig;
  registry: { url: string; auth: { username: string; password: string } };
  minutes: number;
  seed: number;
  ratePerS: number;
  log: (line: string) => void;
}

export interface CampaignResult { faults: Fault[]; load: LoadResult; verdict: Verdict; orders: Map<string, OrderView>; seed: number; minutes: number }

/** mulberry32: a small seeded random source, so that a seed replays the same campaign. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const { control, adminKafka, log } = options;
  const random = seededRandom(options.seed);
  const serviceUrls = Object.fromEntries((await control.services()).map(({ name, port }) => [name, `http://127.0.0.1:${port}`]));
  await untilReady({ serviceUrls });
  const products = (await getJson<Stock[]>(`${serviceUrls.inventory}/stock`))!;
  const scarce = products.reduce((least, product) => (product.available < least.available ? product : least));
  const happySkus = products.filter((product) => product.sku !== scarce.sku).map((product) => product.sku);
  await oneOrderThrough(serviceUrls.order!, happySkus[0]!);
  const before = await snapshot(serviceUrls, adminKafka);

  const nextKind = faultPlan(random); // drawn before the load draws anything: a seed always starts with the same faults
  let faulting = false;
  const load = startLoad({ orderUrl: serviceUrls.order!, ratePerS: options.ratePerS, random, happySkus, scarceSku: scarce.sku, duringFault: () => faulting });
  const injections: Injection[] = [];
  const faults: Fault[] = [];
  const endAt = Date.now() + options.minutes * 60_000;
  const context = { control, serviceUrls, adminKafka, registry: options.registry, random, injections, log };
  let loadResult: LoadResult;
  try {
    let nextAt = Date.now() + 10_000;
    while (nextAt < endAt - 20_000) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextAt - Date.now())));
      const kind = nextKind();
      faulting = true;
      const fault = await inject(kind, context);
      faulting = false;
      faults.push(fault);
      log(`  ${new Date(fault.at).toISOString().slice(11, 19)} ${fault.kind.padEnd(14)} ${fault.target.padEnd(22)} back in ${((fault.recoveredAt - fault.at) / 1000).toFixed(1)} s`);
      nextAt = Math.max(Date.now(), nextAt) + 12_000 + random() * 8000;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, endAt - Date.now())));
  } finally {
    loadResult = await load.stop();
  }
  log(`Load stopped: ${loadResult.placed.length} orders accepted; waiting for every saga to end...`);
  const orders = await untilQuiescent(serviceUrls, loadResult, before, log);
  const verdict = await checkInvariants(serviceUrls, adminKafka, before, loadResult.placed, orders, injections);
  return { faults, load: loadResult, verdict, orders, seed: options.seed, minutes: options.minutes };
}

/**
 * A system that cannot confirm one order before any fault would fail every check for a reason no
 * fault caused: one order first, taken to its end (it counts before the snapshot, not in the campaign).
 */
async function oneOrderThrough(orderUrl: string, sku: string): Promise<void> {
  const response = await fetch(`${orderUrl}/orders`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({
      customerId: "chaos-warm-up", items: [{ sku, quantity: 1 }], paymentMethod: "tok_visa", email: "ada@example.com",
      shippingAddress: { name: "Ada", line1: "1 Main St", city: "London", postalCode: "N1", country: "GB" },
    }),
  });
  if (response.status !== 202) throw new Error(`The warm-up order was refused: ${response.status} ${await response.text()}`);
  const { orderId } = (await response.json()) as { orderId: string };
  await waitFor("the warm-up order to be final (the system works before any fault)", async () =>
    ["CONFIRMED", "CANCELLED"].includes((await getJson<OrderView>(`${orderUrl}/orders/${orderId}`))?.status ?? ""), { timeoutMs: 120_000, intervalMs: 500 });
}

/** Every accepted order final, nothing reserved, analytics caught up; returns the orders as order's API shows them. */
async function untilQuiescent(urls: Record<string, string>, load: LoadResult, before: { kpis: Kpis }, log: (line: string) => void): Promise<Map<string, OrderView>> {
  const orders = new Map<string, OrderView>();
  const pending = () => load.placed.filter(({ orderId }) => !["CONFIRMED", "CANCELLED"].includes(orders.get(orderId)?.status ?? ""));
  try {
    await waitFor("the system to be quiescent", async () => {
      await eachLimited(pending(), 16, async ({ orderId }) => {
        const order = await getJson<OrderView>(`${urls.order}/orders/${orderId}`);
        if (order) orders.set(orderId, order);
      });
      if (pending().length > 0) return false;
      const stock = (await getJson<Stock[]>(`${urls.inventory}/stock`))!;
      const kpis = (await getJson<Kpis>(`${urls.analytics}/kpis`))!;
      const lag = await Promise.all(Object.values(urls).map(async (url) => total(await scrape(url), "consumer_lag_messages") ?? 0));
      return stock.every((product) => product.reserved === 0) && kpis.orders.placed - before.kpis.orders.placed >= load.placed.length &&
        kpis.orders.inFlight === 0 && lag.every((messages) => messages === 0);
    }, { timeoutMs: 180_000, intervalMs: 1000 });
  } catch (error) {
    log(`  not quiescent after 3 minutes (${pending().length} orders not final); checking what there is. ${(error as Error).message}`);
  }
  return orders;
}
