/**
 * What must hold after any campaign, checked from outside through the services' HTTP APIs (and the
 * DLQ topics, read as admin like the `dlq` command), as differences from a snapshot taken before it,
 * so that a running system's earlier orders do not count:
 *   every accepted order exists (else lost) and is final;
 *   a confirmed order captured exactly its total; a cancelled one kept nothing (captured − refunded = 0);
 *   one mail per final order, of its kind; a mail claimed before a crash whose outcome is unknown
 *     (email's at-most-once rule, services/email/README.md) is counted apart, not as a violation;
 *   shipments scheduled only for confirmed orders;
 *   stock conserved per SKU, nothing left reserved, and sold grew by the confirmed orders' units;
 *   analytics' KPIs grew by exactly the truth (placed, confirmed, cancelled by reason, revenue);
 *   the DLQs grew by exactly the injected bad messages, from every consumer group of their topic
 *     (a group's repeat of the same dead letter after a re-delivery is counted apart).
 */
import { services, topicsConsumedBy } from "@shop/contracts";
import { dlqHeaders, listDeadLetters, type KafkaConfig } from "@shop/messaging";
import { injectionHeader, type Injection } from "./faults";
import type { PlacedOrder } from "./load";

export interface Stock { sku: string; available: number; reserved: number; sold: number }
export interface Kpis { orders: { placed: number; confirmed: number; cancelled: number; inFlight: number }; cancelledByReason: Record<string, number>; revenue: number }
export interface Snapshot { stock: Stock[]; kpis: Kpis; deadLetters: Record<string, number> }
export interface OrderView { orderId: string; status: string; reason?: string; total: number; history: { eventType: string; occurredAt: string }[] }

export interface Verdict {
  violations: string[];
  outcomes: Record<string, number>;
  lost: number;
  doubled: number;
  /** Mails whose outcome is unknown after a crash (email's at-most-once rule), by cause. */
  atMostOnce: Record<string, number>;
  /** An injected message dead-lettered again by the same group after a crash or reset re-delivered it. */
  repeatedDeadLetters: number;
}

const dlqTopics = ["orders", "inventory", "payments", "shipments"];

export async function getJson<T>(url: string): Promise<T | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return (await response.json()) as T;
}

export async function snapshot(urls: Record<string, string>, adminKafka: KafkaConfig): Promise<Snapshot> {
  const deadLetters: Record<string, number> = {};
  for (const topic of dlqTopics) deadLetters[topic] = (await listDeadLetters(adminKafka, topic)).length;
  return { stock: (await getJson<Stock[]>(`${urls.inventory}/stock`))!, kpis: (await getJson<Kpis>(`${urls.analytics}/kpis`))!, deadLetters };
}

/** Runs `work` over `items`, `width` at a time. */
export async function eachLimited<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

export async function checkInvariants(
  urls: Record<string, string>, adminKafka: KafkaConfig, before: Snapshot, placed: PlacedOrder[], orders: Map<string, OrderView>, injections: Injection[],
): Promise<Verdict> {
  const verdict: Verdict = { violations: [], outcomes: {}, lost: 0, doubled: 0, atMostOnce: {}, repeatedDeadLetters: 0 };
  const fail = (line: string) => void verdict.violations.push(line);
  const soldBySku = new Map<string, number>();
  const truth = { confirmed: 0, cancelled: 0, revenue: 0, byReason: {} as Record<string, number> };

  await eachLimited(placed, 16, async ({ orderId, sku }) => {
    const order = orders.get(orderId);
    if (!order) {
      verdict.lost++;
      return;
    }
    const outcome = order.status === "CONFIRMED" ? "confirmed" : order.status === "CANCELLED" ? `cancelled: ${order.reason}` : order.status;
    verdict.outcomes[outcome] = (verdict.outcomes[outcome] ?? 0) + 1;
    if (order.status !== "CONFIRMED" && order.status !== "CANCELLED") {
      fail(`order ${orderId} is not final: ${order.status}`);
      return;
    }
    const confirmed = order.status === "CONFIRMED";
    if (confirmed) {
      truth.confirmed++;
      truth.revenue += order.total;
      soldBySku.set(sku, (soldBySku.get(sku) ?? 0) + 1);
    } else {
      truth.cancelled++;
      truth.byReason[order.reason!] = (truth.byReason[order.reason!] ?? 0) + 1;
    }
    const payment = await getJson<{ capturedAmount: number; refundedAmount: number }>(`${urls.payment}/payments/${orderId}`);
    const captured = payment?.capturedAmount ?? 0;
    const kept = captured - (payment?.refundedAmount ?? 0);
    if (captured > order.total) verdict.doubled++;
    if (confirmed && (captured !== order.total || kept !== order.total)) fail(`confirmed order ${orderId}: captured ${captured}, kept ${kept}, total ${order.total}`);
    if (!confirmed && kept !== 0) fail(`cancelled order ${orderId} (${order.reason}): kept ${kept}`);
    const mails = (await getJson<{ kind: string; status: string }[]>(`${urls.email}/emails?orderId=${orderId}`)) ?? [];
    const kind = confirmed ? "receipt" : "cancellation";
    if (mails.length > 1 || mails.some((mail) => mail.kind !== kind)) fail(`order ${orderId} (${order.status}): mails ${JSON.stringify(mails)}`);
    else if (mails[0]?.status === "sending") verdict.atMostOnce["claimed before a crash, outcome unknown"] = (verdict.atMostOnce["claimed before a crash, outcome unknown"] ?? 0) + 1;
    else if (mails[0]?.status !== "sent") fail(`order ${orderId} (${order.status}): no ${kind} sent (${JSON.stringify(mails)})`);
    const shipment = await getJson<{ status: string }>(`${urls.warehouse}/shipments/${orderId}`);
    if (!confirmed && shipment?.status === "scheduled") fail(`cancelled order ${orderId} has a scheduled shipment`);
    if (confirmed && shipment?.status !== "scheduled") fail(`confirmed order ${orderId}: shipment ${shipment?.status ?? "none"}`);
  });
  if (verdict.lost > 0) fail(`${verdict.lost} accepted orders unknown to the order service (lost)`);

  const after = await snapshot(urls, adminKafka);
  for (const was of before.stock) {
    const now = after.stock.find((entry) => entry.sku === was.sku);
    const total = (s: Stock) => s.available + s.reserved + s.sold;
    if (!now || total(now) !== total(was)) fail(`${was.sku}: stock not conserved (${total(was)} → ${now ? total(now) : "gone"})`);
    else if (now.reserved !== 0) fail(`${was.sku}: ${now.reserved} still reserved`);
    else if (now.sold - was.sold !== (soldBySku.get(was.sku) ?? 0)) {
      if (now.sold - was.sold > (soldBySku.get(was.sku) ?? 0)) verdict.doubled++;
      fail(`${was.sku}: sold ${now.sold - was.sold} units, confirmed orders bought ${soldBySku.get(was.sku) ?? 0}`);
    }
  }

  const kpi = (k: Kpis) => ({ placed: k.orders.placed, confirmed: k.orders.confirmed, cancelled: k.orders.cancelled, revenue: k.revenue });
  const grown = Object.fromEntries(Object.entries(kpi(after.kpis)).map(([key, value]) => [key, value - kpi(before.kpis)[key as keyof ReturnType<typeof kpi>]]));
  const expected = { placed: placed.length - verdict.lost, confirmed: truth.confirmed, cancelled: truth.cancelled, revenue: truth.revenue };
  if (JSON.stringify(grown) !== JSON.stringify(expected)) fail(`analytics KPIs grew by ${JSON.stringify(grown)}, the truth is ${JSON.stringify(expected)}`);
  for (const [reason, count] of Object.entries(truth.byReason)) {
    const counted = (after.kpis.cancelledByReason[reason] ?? 0) - (before.kpis.cancelledByReason[reason] ?? 0);
    if (counted !== count) fail(`analytics counted ${counted} orders cancelled for ${reason}, the truth is ${count}`);
  }

  await checkDeadLetters(adminKafka, before, after, injections, verdict, fail);
  return verdict;
}

/**
 * Each injected message dead-lettered by every consumer group of its topic, and nothing else
 * dead-lettered. A group may dead-letter the same message more than once: a crash or a group reset
 * delivers it again (at least once, like every message), and a message that cannot be decoded never
 * reaches the inbox that would skip it. Those repeats (same group, same source offset) are counted
 * apart; a dead letter from another offset, or for a message nobody injected, is a violation.
 */
async function checkDeadLetters(
  adminKafka: KafkaConfig, before: Snapshot, after: Snapshot, injections: Injection[], verdict: Verdict, fail: (line: string) => void,
): Promise<void> {
  for (const topic of dlqTopics) {
    const letters = await listDeadLetters(adminKafka, topic);
    const consumers = services.filter((service) => topicsConsumedBy[service].includes(topic as never));
    let ours = 0;
    for (const injection of injections.filter((entry) => entry.topic === topic)) {
      const copies = letters.filter((letter) => letter.headers[injectionHeader] === injection.id);
      ours += copies.length;
      const distinct = new Set(copies.map((letter) => `${letter.headers[dlqHeaders.group]}@${letter.headers[dlqHeaders.partition]}:${letter.headers[dlqHeaders.offset]}`));
      verdict.repeatedDeadLetters += copies.length - distinct.size;
      const groups = [...distinct].map((key) => key.split("@")[0]!).sort();
      const once = consumers.every((service) => groups.filter((group) => group === service || group.startsWith(`${service}.`)).length === 1);
      if (!once || groups.length !== consumers.length) {
        fail(`${injection.kind} ${injection.id} on ${topic}: dead-lettered by [${groups.join(", ")}], expected by each of [${consumers.join(", ")}]`);
      }
    }
    const others = after.deadLetters[topic]! - before.deadLetters[topic]! - ours;
    if (others !== 0) fail(`${topic}.dlq: ${others} dead letters besides the injected ones`);
  }
}
