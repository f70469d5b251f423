/**
 * The campaign's table: faults by kind, orders by outcome, lost, doubled, saga p99 of the orders
 * placed while a fault was being injected or recovered from, requests refused, and the violations.
 */
import type { CampaignResult } from "./campaign";
import { faultKinds } from "./faults";

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Placed → final, from order's history (OrderPlaced, then OrderConfirmed or OrderCancelled). */
function sagaMs(result: CampaignResult, orderId: string): number | undefined {
  const history = result.orders.get(orderId)?.history ?? [];
  const placed = history.find((entry) => entry.eventType === "OrderPlaced");
  const final = history.find((entry) => entry.eventType === "OrderConfirmed" || entry.eventType === "OrderCancelled");
  return placed && final ? Date.parse(final.occurredAt) - Date.parse(placed.occurredAt) : undefined;
}

export function formatReport(result: CampaignResult): string[] {
  const { faults, load, verdict } = result;
  const lines = [`Chaos campaign: ${result.minutes} min, seed ${result.seed}`, "", "| | |", "|---|---|"];
  const row = (name: string, value: string | number) => lines.push(`| ${name} | ${value} |`);
  for (const kind of faultKinds) row(`faults: ${kind}`, faults.filter((fault) => fault.kind === kind).length);
  const accepted = load.placed.length;
  row("orders accepted", accepted);
  for (const [outcome, count] of Object.entries(verdict.outcomes).sort()) row(`  ${outcome}`, `${count} (${((100 * count) / Math.max(1, accepted)).toFixed(1)} %)`);
  row("lost", verdict.lost);
  row("doubled", verdict.doubled);
  const durations = (during: boolean) => load.placed.filter((order) => order.duringFault === during)
    .map((order) => sagaMs(result, order.orderId)).filter((ms): ms is number => ms !== undefined).sort((a, b) => a - b);
  row("saga p99 during faults", `${percentile(durations(true), 99).toFixed(0)} ms (${durations(true).length} orders)`);
  row("saga p99 otherwise", `${percentile(durations(false), 99).toFixed(0)} ms`);
  row("requests refused (429/503)", load.refused);
  row("requests failed (no answer, or another status)", Object.entries(load.unavailable).map(([why, n]) => `${why}: ${n}`).join(", ") || 0);
  for (const [cause, count] of Object.entries(verdict.atMostOnce)) row(`mails at most once: ${cause}`, count);
  row("dead letters repeated after a re-delivery", verdict.repeatedDeadLetters);
  row("violations", verdict.violations.length);
  if (verdict.violations.length > 0) {
    lines.push("", "Violations:");
    for (const violation of verdict.violations.slice(0, 50)) lines.push(`  - ${violation}`);
    if (verdict.violations.length > 50) lines.push(`  ... and ${verdict.violations.length - 50} more`);
  }
  return lines;
}

/** The share of accepted orders cancelled by the saga deadline, in %. */
export function timeoutShare(result: CampaignResult): number {
  return (100 * (result.verdict.outcomes["cancelled: timeout"] ?? 0)) / Math.max(1, result.load.placed.length);
}
