/**
 * Load shedding: past capacity, POST /orders refuses new orders at the door (503 with
 * Retry-After) instead of taking orders the shop would charge, time out and refund.
 *
 * Two signals, both read from the database so every order instance sees the same:
 *   - the age of the oldest saga in flight (MAX_OLDEST_SAGA_MS, default a third of the 30 s
 *     deadline). It measures the queue directly: sagas are served roughly in order, so a new order
 *     waits about as long as the oldest one has. It adapts to whatever the machine manages: no
 *     capacity figure to configure, and a slow disk or a busy neighbour lowers the door by itself.
 *   - the number of sagas in flight (MAX_SAGAS_IN_FLIGHT): a hard cap, so a sudden flood cannot
 *     pile up thousands of orders before the oldest has had time to age.
 * A timer refreshes both (refresh()); requests read the last values, so refusing costs no query.
 *
 * Simplification: between two refreshes each instance can take a few orders past the limits
 * (rate × refreshEveryMs: 20 orders at 100/s), small next to them.
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

const oldestAgeGauge = new Gauge({
  name: "oldest_saga_in_flight_seconds",
  help: "How long the oldest order not yet confirmed or cancelled has been in flight (the main load-shedding signal).",
});

const inFlightGauge = new Gauge({
  name: "sagas_in_flight",
  help: "Orders placed and not yet confirmed or cancelled, all instances together (the load-shedding signal).",
});

const refusedCounter = new Counter({
  name: "orders_refused_total",
  help: "POST /orders answered 503 because the oldest saga in flight was MAX_OLDEST_SAGA_MS old or MAX_SAGAS_IN_FLIGHT were in flight; nothing was written.",
});

export interface LoadShedder {
  /** Reads the number of sagas in flight from the database; the timer in main.ts calls it. */
  refresh: () => Promise<void>;
  /** Whether to take this order, counting a refusal when not. */
  admit: (idempotencyKey: string | undefined) => Promise<boolean>;
}

export interface SheddingLimits {
  /** Refuse while the oldest saga in flight is at least this old (ms); 0: no such limit. */
  maxOldestSagaMs: number;
  /** Refuse while this many sagas are in flight; 0: no such limit. */
  maxSagasInFlight: number;
}

/** Both limits 0: every order is taken. */
export function loadShedder(pool: Pool, limits: SheddingLimits): LoadShedder {
  let inFlight = { count: 0, oldestAgeMs: 0 };
  const full = () =>
    (limits.maxOldestSagaMs > 0 && inFlight.oldestAgeMs >= limits.maxOldestSagaMs) ||
    (limits.maxSagasInFlight > 0 && inFlight.count >= limits.maxSagasInFlight);

  return {
    refresh: async () => {
      inFlight = await sagasInFlight(pool);
      inFlightGauge.set(inFlight.count);
      oldestAgeGauge.set(inFlight.oldestAgeMs / 1000);
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
