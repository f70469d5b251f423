/** Prints the figures: one column per phase, the idle system, and the last line scripts read. */
import type { ExplorerHeadline, Headline, IdleFigures, PhaseFigures } from "./figures";

const number = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

export function printPhases(phases: PhaseFigures[], processes: string[], log: (line: string) => void): void {
  const rows: [string, (phase: PhaseFigures) => string][] = [
    ["offered orders/s", (p) => (p.offeredPerS === null ? `burst ×${p.clients}` : String(p.offeredPerS))],
    ["orders sent", (p) => String(p.orders)],
    ["accepted (202)", (p) => String(p.accepted)],
    ["refused (429/503)", (p) => String(p.refused)],
  ];
  if (phases.some((p) => p.abandoned > 0)) rows.push(["  orders given up", (p) => String(p.abandoned)]);
  rows.push(["failed", (p) => String(Object.values(p.failed).reduce((a, b) => a + b, 0))]);
  rows.push(["confirmed", (p) => String(p.confirmed)]);
  const reasons = [...new Set(["timeout", ...phases.flatMap((p) => Object.keys(p.cancelled))])];
  for (const reason of reasons) rows.push([`cancelled: ${reason}`, (p) => String(p.cancelled[reason] ?? 0)]);
  rows.push(
    ["saga p50 ms", (p) => number(p.sagaMs.p50)],
    ["saga p95 ms", (p) => number(p.sagaMs.p95)],
    ["saga p99 ms", (p) => number(p.sagaMs.p99)],
  );
  // Where the time went: each step of the saga, from one event of its history to the next, median.
  const steps = [...new Set(phases.flatMap((p) => Object.keys(p.stepsMs ?? {})))];
  for (const step of steps) rows.push([`  ${step} p50`, (p) => number(p.stepsMs?.[step] ?? NaN)]);
  rows.push(
    ["completed checkouts/s", (p) => number(p.completedPerS, 1)],
    ["CPU ms per checkout", (p) => number(p.cpuMsPerCheckout.total!, 1)],
  );
  for (const name of processes) rows.push([`  ${name}`, (p) => number(p.cpuMsPerCheckout[name] ?? NaN, 1)]);
  rows.push(
    ["PG transactions/checkout", (p) => number(p.pgTransactionsPerCheckout, 1)],
    ["Kafka requests/checkout", (p) => number(p.kafkaRequestsPerCheckout, 1)],
  );
  const apis = Object.entries(phases.reduce<Record<string, number>>((sums, p) => {
    for (const [api, n] of Object.entries(p.totals.kafkaRequests)) sums[api] = (sums[api] ?? 0) + n;
    return sums;
  }, {})).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([api]) => api);
  for (const api of apis) rows.push([`  ${api}`, (p) => number(p.kafkaRequestsPerCheckoutByApi[api] ?? 0, 2)]);
  rows.push(["mails/checkout", (p) => number(p.mailsPerCheckout, 2)]);
  if (phases.some((p) => p.explorer)) {
    // What one open page met, from the phase's first order to its quiet (saga/explorer-watcher.ts).
    const ms = (value: number | undefined) => number(value ?? NaN);
    rows.push(
      ["explorer page: pushes", (p) => String(p.explorer?.pushes ?? "n/a")],
      ["  SSE delay p50 / p99 ms", (p) => `${ms(p.explorer?.sseDelayMs.p50)} / ${ms(p.explorer?.sseDelayMs.p99)}`],
      ["  /api/sagas p50 / p99 ms", (p) => `${ms(p.explorer?.sagasListMs.p50)} / ${ms(p.explorer?.sagasListMs.p99)}`],
      ["  one saga p50 / p99 ms", (p) => `${ms(p.explorer?.sagaDetailMs.p50)} / ${ms(p.explorer?.sagaDetailMs.p99)}`],
    );
  }

  const cells = rows.map(([label, cell]) => [label, ...phases.map(cell)]);
  const widths = phases.map((_, i) => Math.max(...cells.map((row) => row[i + 1]!.length)));
  const labelWidth = Math.max(...cells.map((row) => row[0]!.length));
  for (const row of cells) log(`  ${row[0]!.padEnd(labelWidth)}  ${row.slice(1).map((cell, i) => cell.padStart(widths[i]!)).join("  ")}`);

  for (const phase of phases) {
    const failures = Object.entries(phase.failed).map(([why, n]) => `${n} × ${why}`);
    if (failures.length > 0) log(`  FAILED at ${phase.name}: ${failures.join(", ")}`);
    if (phase.maxLateMs > 100) log(`  note: at ${phase.name} the load generator sent orders up to ${number(phase.maxLateMs)} ms behind schedule`);
  }
}

export function printIdle(idle: IdleFigures, services: string[], log: (line: string) => void): void {
  const pct = (name: string) => `${name} ${number(idle.cpuPct[name] ?? NaN, 2)}`;
  log(`Idle, ${number(idle.seconds)} s after the load, CPU as % of one core:`);
  log(`  six services together ${number(idle.servicesCpuPct, 2)} (${services.map(pct).join(", ")})`);
  const explorer = "explorer" in idle.cpuPct ? [`explorer (one page open) ${number(idle.cpuPct.explorer!, 2)}`] : [];
  log(`  ${[...["kafka", "registry", "postgres", "smtp sink"].map(pct), ...explorer].join(", ")}`);
  log(`  PostgreSQL ${number(idle.pgTransactionsPerS, 1)} transactions/s, Kafka ${number(idle.kafkaRequestsPerS, 1)} requests/s`);
}

/** The last line: `saga-bench: checkouts_per_s=N p99_ms_at_100=N p50_ms_at_10=N idle_cpu_pct=N`. */
export function lastLine(figures: Headline): string {
  return `saga-bench: checkouts_per_s=${number(figures.checkoutsPerS, 1)} p99_ms_at_100=${number(figures.p99MsAt100)} ` +
    `p50_ms_at_10=${number(figures.p50MsAt10)} idle_cpu_pct=${number(figures.idleCpuPct, 2)}`;
}

/** The explorer's own cost in one paragraph (when it ran). */
export function printExplorer(explorer: ExplorerHeadline | null, log: (line: string) => void): void {
  if (!explorer) return log("The saga explorer did not run: BENCH_EXPLORER=1 measures its cost.");
  log(`The saga explorer's own cost: ${number(explorer.cpuMsPerCheckoutAtTopRate, 2)} ms of CPU per checkout at ${explorer.topRate}/s; ` +
    `at 200/s its page got a saga's end ${number(explorer.sseDelayP99MsAt200)} ms after it happened (p99), ` +
    `the list of sagas in ${number(explorer.sagasListP99MsAt200)} ms and one saga in ${number(explorer.sagaDetailP99MsAt200)} ms (p99).`);
}
