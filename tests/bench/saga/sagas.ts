/**
 * What became of the orders, read after a phase from order's database (no polling over HTTP
 * while the load runs): final status and reason, and each saga's duration, from order_history:
 * the final OrderConfirmed/OrderCancelled's occurred_at minus OrderPlaced's; and where that time
 * went: the median wait between one event of a saga and the next (each step, by its two events).
 * And the wait between phases: every accepted order final, then the whole system quiet.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { serviceDatabases } from "@shop/testkit";
import type { BenchDatabases } from "./databases";
import { scrape, total } from "./prometheus";
import type { System } from "./system";

export interface Outcomes {
  confirmed: number;
  /** Cancelled orders by reason (timeout, out_of_stock, ...). */
  cancelled: Record<string, number>;
  /** Saga durations of the final orders, ms, sorted. */
  durationsMs: number[];
  /**
   * Median ms from one event of an order's history to the next ("OrderPlaced→StockReserved": the
   * hop to inventory and its work), for the steps that at least half the orders took.
   */
  stepsMs: Record<string, number>;
  /** Wall-clock ms of the first OrderPlaced, and of the first and the last final event. */
  firstPlacedAt: number;
  firstFinalAt: number;
  lastFinalAt: number;
}

export async function outcomes(databases: BenchDatabases, orderIds: string[]): Promise<Outcomes> {
  const rows = await databases.query<{ status: string; reason: string | null; ms: number | null; final_at: number | null; placed_at: number }>("order", `
    SELECT o.status, o.reason,
           (extract(epoch FROM f.occurred_at - p.occurred_at) * 1000)::float8 AS ms,
           (extract(epoch FROM f.occurred_at) * 1000)::float8 AS final_at,
           (extract(epoch FROM p.occurred_at) * 1000)::float8 AS placed_at
      FROM orders o
      JOIN order_history p ON p.order_id = o.id AND p.event_type = 'OrderPlaced'
      LEFT JOIN order_history f ON f.order_id = o.id AND f.event_type IN ('OrderConfirmed', 'OrderCancelled')
     WHERE o.id = ANY($1::uuid[])`, [orderIds]);
  const result: Outcomes = {
    confirmed: 0, cancelled: {}, durationsMs: [], stepsMs: await stepsMs(databases, orderIds), firstPlacedAt: Infinity, firstFinalAt: Infinity, lastFinalAt: 0,
  };
  for (const row of rows) {
    if (row.status === "CONFIRMED") result.confirmed++;
    if (row.status === "CANCELLED") result.cancelled[row.reason ?? "?"] = (result.cancelled[row.reason ?? "?"] ?? 0) + 1;
    if (row.ms !== null) result.durationsMs.push(row.ms);
    result.firstPlacedAt = Math.min(result.firstPlacedAt, row.placed_at);
    if (row.final_at !== null) result.firstFinalAt = Math.min(result.firstFinalAt, row.final_at);
    if (row.final_at !== null) result.lastFinalAt = Math.max(result.lastFinalAt, row.final_at);
  }
  result.durationsMs.sort((a, b) => a - b);
  return result;
}

/** Each step's median, from the events' occurred_at (each set by its producer, on one machine's clock). */
async function stepsMs(databases: BenchDatabases, orderIds: string[]): Promise<Record<string, number>> {
  const rows = await databases.query<{ step: string; p50: number }>("order", `
    SELECT step, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::float8 AS p50
      FROM (SELECT lag(event_type) OVER saga || '→' || event_type AS step,
                   extract(epoch FROM occurred_at - lag(occurred_at) OVER saga) * 1000 AS ms
              FROM order_history
             WHERE order_id = ANY($1::uuid[])
            WINDOW saga AS (PARTITION BY order_id ORDER BY occurred_at, event_type)) AS steps
     WHERE step IS NOT NULL
     GROUP BY step
    HAVING count(*) * 2 >= $2
     ORDER BY p50 DESC`, [orderIds, orderIds.length]);
  return Object.fromEntries(rows.map((row) => [row.step, Math.round(row.p50)]));
}

/** Nearest-rank percentile of sorted values; NaN for none. */
export function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** How long nothing may move before the system counts as quiet. */
const quietForMs = 2000;
/** Gives up when sagas stay in flight and nothing moves this long (the saga deadline is 30 s). */
const stalledAfterMs = 120_000;

/**
 * Waits until the system rests: every order final; every outbox row published; every order's
 * mail received by the SMTP sink and counted by analytics (the end of the chain: order → email
 * → analytics); no consumer reporting lag; and nothing published, consumed or retried for 2 s.
 * Returns the wall-clock ms when the rest began.
 */
export async function waitUntilQuiet(system: System, databases: BenchDatabases, log: (line: string) => void): Promise<number> {
  let last = "";
  let lastMoved = Date.now();
  let quietSince = Date.now();
  let lastLog = Date.now();
  for (;;) {
    system.assertRunning();
    const state = await systemState(system, databases);
    const moved = state.progress !== last;
    last = state.progress;
    if (moved) lastMoved = Date.now();
    if (moved || state.waitingFor) quietSince = Date.now();
    if (Date.now() - quietSince >= quietForMs) return quietSince;
    if (Date.now() - lastMoved > stalledAfterMs) throw new Error(`Stuck: nothing moved for ${stalledAfterMs / 1000} s, waiting for ${state.waitingFor}`);
    if (Date.now() - lastLog >= 5000) {
      lastLog = Date.now();
      log(`    waiting for ${state.waitingFor || "2 s of quiet"}`);
    }
    await sleep(500);
  }
}

/** What the system still has to do (empty when nothing), and a fingerprint of its progress. */
async function systemState(system: System, databases: BenchDatabases): Promise<{ waitingFor: string; progress: string }> {
  const [orders] = await databases.query<{ total: number; in_flight: number }>("order",
    "SELECT count(*)::int AS total, (count(*) FILTER (WHERE status NOT IN ('CONFIRMED', 'CANCELLED')))::int AS in_flight FROM orders");
  if (orders!.in_flight > 0) return { waitingFor: `${orders!.in_flight} sagas to finish`, progress: String(orders!.in_flight) };
  // The rest only once every order is final: less load on the system while sagas drain.
  let unpublished = 0;
  for (const name of serviceDatabases) {
    unpublished += (await databases.query<{ n: number }>(name, "SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL"))[0]!.n;
  }
  const metrics = (await Promise.all(system.services.map((service) => scrape(service.url)))).flat();
  const flow = ["relay_published_messages_total", "consumer_events_total", "consumer_retries_total"].reduce((sum, name) => sum + (total(metrics, name) ?? 0), 0);
  const lag = total(metrics, "consumer_lag_messages") ?? 0;
  const analytics = system.services.find((service) => service.name === "analytics")!;
  const kpis = (await (await fetch(`${analytics.url}/kpis`)).json()) as { orders: { confirmed: number; cancelled: number }; events: { EmailSent: number } };

  const waiting = [
    unpublished > 0 && `${unpublished} outbox rows to be published`,
    lag > 0 && `consumers to catch up (lag ${lag})`,
    system.mails() < orders!.total && `mails (${system.mails()} of ${orders!.total} received)`,
    kpis.orders.confirmed + kpis.orders.cancelled < orders!.total && `analytics (${kpis.orders.confirmed + kpis.orders.cancelled} of ${orders!.total} final orders counted)`,
    kpis.events.EmailSent < orders!.total && `analytics (${kpis.events.EmailSent} of ${orders!.total} EmailSent counted)`,
  ].filter(Boolean);
  return { waitingFor: waiting.join(", "), progress: `0 ${flow} ${system.mails()} ${kpis.events.EmailSent}` };
}
