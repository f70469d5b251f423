/**
 * The read model's business: what the KPIs are and how they are named. The numbers come from
 * the tables that events.ts fills (db.ts computes them); this file gives them their shape.
 */
import type { Pool } from "pg";
import { topicSpecs, type CancellationReason, type Cents, type EventType } from "@shop/contracts";
import * as db from "./db";

export interface Kpis {
  /** placed = confirmed + cancelled + inFlight once every order's events are in. */
  orders: { placed: number; confirmed: number; cancelled: number; inFlight: number };
  /** Every reason of the schema, 0 included; `unknown` counts reasons newer than this build. */
  cancelledByReason: Record<CancellationReason, number>;
  /** Every capture minus every refund (cash kept, in-flight orders included). */
  revenue: Cents;
  /** SKUs in the catalogue (the latest ProductListed of each). */
  products: number;
  /** From OrderPlaced to OrderConfirmed or OrderCancelled, finished orders only; null before the first. */
  sagaDurationMs: { p50: number | null; p95: number | null; p99: number | null };
  /** Events handled per type, every type of the history topics (0 included): all but the compacted catalog and datakeys. */
  events: Record<HistoryEventType, number>;
}

const reasons: readonly CancellationReason[] = ["out_of_stock", "payment_declined", "fulfillment_failed", "timeout", "unknown"];
type HistoryEventType = Exclude<EventType, "ProductListed" | "CustomerDataKeyIssued" | "CustomerDataKeyErased">;
const eventTypes = Object.values(topicSpecs).filter((spec) => !spec.compacted).flatMap((spec) => spec.events) as HistoryEventType[];

/** GET /kpis. Percentiles are PostgreSQL's percentile_cont (interpolated), rounded to whole milliseconds. */
export async function getKpis(pool: Pool): Promise<Kpis> {
  const row = await db.readKpis(pool);
  const percentile = (index: number) => (row.percentiles ? Math.round(row.percentiles[index]!) : null);
  return {
    orders: row.orders,
    cancelledByReason: Object.fromEntries(reasons.map((reason) => [reason, row.cancelledByReason[reason] ?? 0])) as Kpis["cancelledByReason"],
    revenue: row.revenue,
    products: row.products,
    sagaDurationMs: { p50: percentile(0), p95: percentile(1), p99: percentile(2) },
    events: Object.fromEntries(eventTypes.map((type) => [type, row.events[type] ?? 0])) as Kpis["events"],
  };
}

/**
 * The consumer group of a build of the read model: the group's committed offsets say how far
 * the read model got, so each build has its own; a new one starts with no offsets and reads
 * every topic from the beginning (see README, "Rebuilding").
 */
export function consumerGroup(buildId: string, base = "analytics"): string {
  return `${base}.${buildId.slice(0, 8)}`;
}
