/**
 * Load shedding: past capacity, POST /orders refuses new orders at the door (503 with
 * Retry-After) instead of taking orders the shop would charge, time out and refund.
 *
 * The signal is the number of sagas in flight: orders not yet confirmed or cancelled, counted in
 * the database, so every order instance sees the same number. By Little's law (in flight =
 * throughput × saga duration), capping it bounds how long an accepted saga waits: at the cap,
 * an order waits about cap ÷ throughput for the ones ahead of it. A timer refreshes the count
 * (refresh()); requests read the last value, so refusing costs no query.
 *
 * Simplification: between two refreshes each instance can take a few orders past the cap
 * (rate × refreshEveryMs: 20 orders at 100/s), small next to the default cap of 500.
 */
import type { Pool } from "pg";
import { Counter, Gauge } from "prom-client";
import { orderByIdempotencyKey, sagasInFlight } from "./db";

/** How often the count is read: fresh enough to follow the load, one cheap query per instance. */
export const refreshEveryMs = 200;

/**
 * What a refused client is told to wait. Slots free as sagas finish, continuously, so a retry
 * soon after has a fair chance; clients add jitter and back off on repeated 503s (the decision record).
 */
export const retryAfterSeconds = 1;

const inFlightGauge = new Gauge({
  name: "sagas_in_flight",
  help: "Orders placed and not yet confirmed or cancelled, all instances together (the load-shedding signal).",
});

const refusedCounter = new Counter({
  name: "orders_refused_total",
  help: "POST /orders answered 503 because MAX_SAGAS_IN_FLIGHT sagas were in flight; nothing was written.",
});

export interface LoadShedder {
  /** Reads the number of sagas in flight from the database; the timer in main.ts calls it. */
  refresh: () => Promise<void>;
  /** Whether to take this order, counting a refusal when not. */
  admit: (idempotencyKey: string | undefined) => Promise<boolean>;
}

/** maxSagasInFlight = 0 takes every order. */
export function loadShedder(pool: Pool, maxSagasInFlight: number): LoadShedder {
  let inFlight = 0;
  const full = () => maxSagasInFlight > 0 && inFlight >= maxSagasInFlight;

  return {
    refresh: async () => {
      inFlight = await sagasInFlight(pool);
      inFlightGauge.set(inFlight);
    },
    admit: async (idempotencyKey) => {
      if (!full()) return true;
      // A retry of an order already taken gets that order back, full or not: the route answers
      // with it and writes nothing. Only this case costs a query, and only when the shop is full.
      if (idempotencyKey !== undefined && (await orderByIdempotencyKey(pool, idempotencyKey))) return true;
      refusedCounter.inc();
      return false;
    },
  };
}
