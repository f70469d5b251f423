/**
 * From counters to figures. Per checkout means per accepted order (a saga that ran to its end,
 * confirmed or cancelled).
 *
 * Two corrections keep each phase to its own work:
 *  - PostgreSQL reports a backend's transactions to pg_stat_database up to 10 s after the backend
 *    goes idle, so a phase's transactions are read after `settleMs`; the benchmark's own queries
 *    are left out.
 *  - The snapshots are taken some seconds after the system went quiet (2 s to see it quiet, and
 *    the settle for transactions): what a resting system uses over that tail, at the rate of the
 *    idle phase, is subtracted.
 */
import type { ExplorerFigures } from "./explorer-watcher";
import type { Outcomes } from "./sagas";
import { percentile } from "./sagas";
import type { Placement } from "./load";
import { difference, type Snapshot } from "./snapshot";

export const settleMs = 11_000;

/** What the benchmark recorded for one phase, before any figure is computed. */
export interface PhaseRecord {
  name: string;
  /** Orders per second offered (open loop); undefined for the burst. */
  offeredPerS?: number;
  clients?: number;
  orders: number;
  placement: Placement;
  outcomes: Outcomes;
  before: Snapshot;
  /** Taken once quiet (CPU, Kafka requests, mails) and after the settle (transactions). */
  atQuiet: Snapshot;
  settled: Snapshot;
  quietAt: number;
  /** What the explorer's page met from the phase's first order to its quiet, when the explorer runs. */
  explorer?: ExplorerFigures;
}

export interface PhaseFigures {
  name: string;
  offeredPerS: number | null;
  clients: number | null;
  orders: number;
  accepted: number;
  refused: number;
  abandoned: number;
  failed: Record<string, number>;
  confirmed: number;
  cancelled: Record<string, number>;
  sagaMs: { p50: number; p95: number; p99: number; max: number };
  /** Where a saga's time went: each step's median, ms (Outcomes.stepsMs). */
  stepsMs: Record<string, number>;
  /** Confirmed orders ÷ (last final event − first final event): the rate sagas ended confirmed. */
  completedPerS: number;
  acceptedPerS: number;
  maxLateMs: number;
  cpuMsPerCheckout: Record<string, number>;
  pgTransactionsPerCheckout: number;
  kafkaRequestsPerCheckout: number;
  kafkaRequestsPerCheckoutByApi: Record<string, number>;
  mailsPerCheckout: number;
  explorer: ExplorerFigures | null;
  /** The corrected counters the per-checkout figures come from. */
  totals: { cpuMs: Record<string, number>; pgTransactions: number; kafkaRequests: Record<string, number>; mails: number };
}

export interface IdleFigures {
  seconds: number;
  /** % of one core, per process, and the six services together. */
  cpuPct: Record<string, number>;
  servicesCpuPct: number;
  pgTransactionsPerS: number;
  kafkaRequestsPerS: number;
}

/** What a resting system uses per ms: CPU ms per process, transactions, Kafka requests by API. */
export interface IdleRates { cpuMs: Record<string, number>; transactions: number; kafkaRequests: Record<string, number> }

export function idleRates(start: Snapshot, end: Snapshot): IdleRates {
  const delta = difference(end, start);
  const perMs = (values: Record<string, number>) => Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value / delta.at]));
  return { cpuMs: perMs(delta.cpuMs), transactions: (delta.transactions - delta.benchQueries) / delta.at, kafkaRequests: perMs(delta.kafkaRequests) };
}

export function idleFigures(start: Snapshot, end: Snapshot, services: string[]): IdleFigures {
  const rates = idleRates(start, end);
  const cpuPct = Object.fromEntries(Object.entries(rates.cpuMs).map(([name, perMs]) => [name, perMs * 100]));
  return {
    seconds: (end.at - start.at) / 1000,
    cpuPct,
    servicesCpuPct: services.reduce((sum, name) => sum + (cpuPct[name] ?? 0), 0),
    pgTransactionsPerS: rates.transactions * 1000,
    kafkaRequestsPerS: Object.values(rates.kafkaRequests).reduce((a, b) => a + b, 0) * 1000,
  };
}

export function phaseFigures(phase: PhaseRecord, idle: IdleRates): PhaseFigures {
  const { placement, outcomes } = phase;
  const work = difference(phase.atQuiet, phase.before);
  const tailMs = phase.atQuiet.at - phase.quietAt;
  const settledWork = difference(phase.settled, phase.before);
  const settledTailMs = phase.settled.at - phase.quietAt;
  const corrected = (values: Record<string, number>, rates: Record<string, number>) =>
    Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Math.max(0, value - (rates[key] ?? 0) * tailMs)]));

  const totals = {
    // The load generator's CPU is its own while placing orders: not its waits and measurements after.
    cpuMs: { ...corrected(work.cpuMs, idle.cpuMs), "load generator": placement.cpuMs },
    pgTransactions: Math.max(0, settledWork.transactions - settledWork.benchQueries - idle.transactions * settledTailMs),
    kafkaRequests: corrected(work.kafkaRequests, idle.kafkaRequests),
    mails: work.mails,
  };
  const accepted = placement.acceptedIds.length;
  const perCheckout = (value: number) => (accepted === 0 ? NaN : value / accepted);
  const perCheckoutEach = (values: Record<string, number>) => Object.fromEntries(Object.entries(values).map(([key, value]) => [key, perCheckout(value)]));
  const sum = (values: Record<string, number>) => Object.values(values).reduce((a, b) => a + b, 0);
  const cpuMsPerCheckout = { ...perCheckoutEach(totals.cpuMs), total: perCheckout(sum(totals.cpuMs)) };

  return {
    name: phase.name,
    offeredPerS: phase.offeredPerS ?? null,
    clients: phase.clients ?? null,
    orders: phase.orders,
    accepted,
    refused: placement.refused,
    abandoned: placement.abandoned,
    failed: placement.failed,
    confirmed: outcomes.confirmed,
    cancelled: outcomes.cancelled,
    sagaMs: {
      p50: percentile(outcomes.durationsMs, 50), p95: percentile(outcomes.durationsMs, 95),
      p99: percentile(outcomes.durationsMs, 99), max: percentile(outcomes.durationsMs, 100),
    },
    stepsMs: outcomes.stepsMs,
    // From the phase's first order placed to its last saga finished: the rate the system really
    // carried. (First to last final event overstated it: a backlog finishing in a rush is not capacity.)
    completedPerS: outcomes.lastFinalAt > outcomes.firstPlacedAt ? outcomes.confirmed / ((outcomes.lastFinalAt - outcomes.firstPlacedAt) / 1000) : NaN,
    acceptedPerS: accepted / (placement.placingMs / 1000),
    maxLateMs: placement.maxLateMs,
    cpuMsPerCheckout,
    pgTransactionsPerCheckout: perCheckout(totals.pgTransactions),
    kafkaRequestsPerCheckout: perCheckout(sum(totals.kafkaRequests)),
    kafkaRequestsPerCheckoutByApi: perCheckoutEach(totals.kafkaRequests),
    mailsPerCheckout: perCheckout(totals.mails),
    explorer: phase.explorer ?? null,
    totals,
  };
}

/** The four figures of the last line (NaN when the phase they need did not run). */
export interface Headline { checkoutsPerS: number; p99MsAt100: number; p50MsAt10: number; idleCpuPct: number }

export function headline(phases: PhaseFigures[], idle: IdleFigures): Headline {
  const at = (rate: number) => phases.find((phase) => phase.offeredPerS === rate);
  return {
    checkoutsPerS: Math.max(...phases.map((phase) => phase.completedPerS).filter(Number.isFinite)),
    p99MsAt100: at(100)?.sagaMs.p99 ?? NaN,
    p50MsAt10: at(10)?.sagaMs.p50 ?? NaN,
    idleCpuPct: idle.servicesCpuPct,
  };
}

/**
 * The explorer's own cost, when it runs: its CPU per checkout at the highest offered rate, and
 * how responsive its page was at 200 orders/s (NaN when that phase did not run).
 */
export interface ExplorerHeadline { cpuMsPerCheckoutAtTopRate: number; topRate: number; sagasListP99MsAt200: number; sagaDetailP99MsAt200: number; sseDelayP99MsAt200: number }

export function explorerHeadline(phases: PhaseFigures[]): ExplorerHeadline | null {
  const rated = phases.filter((phase) => phase.offeredPerS !== null);
  if (!rated.some((phase) => phase.explorer)) return null;
  const top = rated.reduce((a, b) => (b.offeredPerS! > a.offeredPerS! ? b : a));
  const at200 = rated.find((phase) => phase.offeredPerS === 200)?.explorer;
  return {
    cpuMsPerCheckoutAtTopRate: top.cpuMsPerCheckout.explorer ?? NaN, topRate: top.offeredPerS!,
    sagasListP99MsAt200: at200?.sagasListMs.p99 ?? NaN, sagaDetailP99MsAt200: at200?.sagaDetailMs.p99 ?? NaN, sseDelayP99MsAt200: at200?.sseDelayMs.p99 ?? NaN,
  };
}
