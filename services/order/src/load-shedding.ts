/**
 * Load shedding: past capacity, POST /orders refuses new orders at the door (503 with
 * Retry-After) instead of taking orders the shop would charge, time out and refund.
 *
 * The question at the door: how long would a new order wait for the sagas ahead of it? Little's
 * law answers it from two measurements: wait ≈ sagas in flight ÷ the rate at which sagas finish.
 * A timer (refresh(), every 200 ms) reads the sagas in flight from the database, so every order
 * instance sees the same, and counts how many of the previous reading's sagas have finished
 * since; the finishing rate is the sum over the last rateWindowMs. POST /orders is refused while
 *   - the expected wait is MAX_SAGA_WAIT_MS or more (default 10 s, a third of the deadline): the
 *     door follows the capacity the shop really has, on this machine, today;
 *   - or the oldest saga in flight has waited MAX_SAGA_WAIT_MS already: a stopped service finishes
 *     nothing, and orders placed now could only time out;
 *   - or MAX_SAGAS_IN_FLIGHT sagas are in flight: a hard cap, whatever the rate.
 * While nothing has finished lately (a quiet shop, or right after start) the rate is taken to be
 * at least assumedMinimumRatePerS, so the door is open for a first wave of orders.
 * Requests read the last values, so refusing costs no query. While the shop is idle the reading
 * slows down to every idleRefreshEveryMs (main.ts), and so does the deadline watch.
 *
 * Simplification: between two readings each instance can take a few orders past the limits
 * (rate × refreshEveryMs: 20 orders at 100/s).
 */
import type { Pool } from "pg";
import { Counter, Gauge } from "prom-client";
import { orderByIdempotencyKey, sagasInFlight, type InFlightReading } from "./db";

/** How often the sagas in flight are read: fresh enough to follow the load, one cheap query per instance. */
export const refreshEveryMs = 200;

/**
 * How often they are read while the shop is idle (none in flight at the last reading, no order
 * taken since): an idle service should cost next to nothing. Orders placed through another
 * instance meanwhile are seen within this time.
 */
export const idleRefreshEveryMs = 5_000;

/** The finishing rate is measured over this window: long enough to smooth bursts, short enough to follow the load. */
export const rateWindowMs = 10_000;

/** The rate assumed while fewer sagas have finished lately: with the 10 s default, 100 sagas in flight. */
export const assumedMinimumRatePerS = 10;

/**
 * What a refused client is told to wait. Slots free as sagas finish, continuously, so a retry
 * soon after has a fair chance; clients add jitter and back off on repeated 503s (the decision record).
 */
export const retryAfterSeconds = 1;

const inFlightGauge = new Gauge({
  name: "sagas_in_flight",
  help: "Orders placed and not yet confirmed or cancelled, all instances together.",
});

const finishRateGauge = new Gauge({
  name: "sagas_finished_per_second",
  help: `Sagas that finished (confirmed or cancelled) per second over the last ${rateWindowMs / 1000} s, all instances together.`,
});

const expectedWaitGauge = new Gauge({
  name: "saga_expected_wait_seconds",
  help: "How long a new order would wait for the sagas ahead of it: in flight ÷ finishing rate (the load-shedding signal).",
});

const oldestAgeGauge = new Gauge({
  name: "oldest_saga_in_flight_seconds",
  help: "How long the oldest order not yet confirmed or cancelled has been in flight.",
});

const refusedCounter = new Counter({
  name: "orders_refused_total",
  help: "POST /orders answered 503 (expected wait or oldest saga at MAX_SAGA_WAIT_MS, or MAX_SAGAS_IN_FLIGHT in flight); nothing was written.",
});

export interface LoadShedder {
  /** Reads the sagas in flight from the database; the timer in main.ts calls it. */
  refresh: () => Promise<void>;
  /** No saga was in flight at the last reading, and no order has been taken since. */
  idle: () => boolean;
  /** Whether to take this order, counting a refusal when not. */
  admit: (idempotencyKey: string | undefined) => Promise<boolean>;
}

export interface SheddingLimits {
  /** Refuse while a new order would wait this long (ms), or the oldest has waited this long; 0: no such limit. */
  maxSagaWaitMs: number;
  /** Refuse while this many sagas are in flight; 0: no such limit. */
  maxSagasInFlight: number;
}

/** Both limits 0: every order is taken. */
export function loadShedder(pool: Pool, limits: SheddingLimits): LoadShedder {
  let last: InFlightReading | undefined;
  let finishedLately: { readAt: Date; finished: number }[] = [];
  let expectedWaitMs = 0;
  let admittedSinceReading = false;

  function full(): boolean {
    if (!last) return false;
    const waitTooLong = limits.maxSagaWaitMs > 0 && (expectedWaitMs >= limits.maxSagaWaitMs || last.oldestAgeMs >= limits.maxSagaWaitMs);
    const tooMany = limits.maxSagasInFlight > 0 && last.count >= limits.maxSagasInFlight;
    return waitTooLong || tooMany;
  }

  return {
    refresh: async () => {
      admittedSinceReading = false; // set before the read: an order taken while it runs keeps the shop busy
      const reading = await sagasInFlight(pool, last?.readAt ?? null);
      // Of the sagas in flight at the last reading, those no longer in flight have finished.
      const finished = last ? Math.max(0, last.count - reading.stillInFlightFromBefore) : 0;
      finishedLately = [...finishedLately, { readAt: reading.readAt, finished }]
        .filter((entry) => reading.readAt.getTime() - entry.readAt.getTime() < rateWindowMs);
      const finishRatePerS = finishedLately.reduce((sum, entry) => sum + entry.finished, 0) / (rateWindowMs / 1000);
      expectedWaitMs = (reading.count / Math.max(finishRatePerS, assumedMinimumRatePerS)) * 1000;
      last = reading;

      inFlightGauge.set(reading.count);
      finishRateGauge.set(finishRatePerS);
      expectedWaitGauge.set(expectedWaitMs / 1000);
      oldestAgeGauge.set(reading.oldestAgeMs / 1000);
    },
    idle: () => last !== undefined && last.count === 0 && !admittedSinceReading,
    admit: async (idempotencyKey) => {
      if (!full()) {
        admittedSinceReading = true;
        return true;
      }
      // A retry of an order already taken gets that order back, full or not: the route answers
      // with it and writes nothing. Only this case costs a query, and only when the shop is full.
      if (idempotencyKey !== undefined && (await orderByIdempotencyKey(pool, idempotencyKey))) return true;
      refusedCounter.inc();
      return false;
    },
  };
}
