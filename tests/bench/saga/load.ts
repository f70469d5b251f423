/**
 * The load generator: places orders on POST /orders and sorts the answers.
 *   202           accepted: a saga runs for it
 *   429, 503      refused at the door (overload, with Retry-After): counted, never an error
 *   anything else failed, with the status or the network error, and reported
 * Two shapes of load:
 *   openLoop: order i is sent at start + i/rate whatever the answers (users do not wait for each
 *             other), each order tried once;
 *   burst:    N orders from C clients as fast as they get answers; a refused client waits
 *             Retry-After (plus jitter) and sends the same order again (same Idempotency-Key).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { ownCpuMs } from "./cpu";
import { skus } from "./system";

export type Attempt = { outcome: "accepted"; orderId: string } | { outcome: "refused"; retryAfterS: number } | { outcome: "failed"; why: string };

export interface Placement {
  /** From the first order sent to the last answer. */
  placingMs: number;
  /** CPU the load generator (this process) used meanwhile. */
  cpuMs: number;
  acceptedIds: string[];
  /** Refusals (429/503 answers); in a burst, one order may be refused several times. */
  refused: number;
  /** Burst orders still refused after maxAttemptsPerOrder tries. */
  abandoned: number;
  /** Failed attempts by why ("500", "network: ECONNRESET"). */
  failed: Record<string, number>;
  /** Open loop: the most an order was sent behind its schedule (the generator keeping up, or not). */
  maxLateMs: number;
}

/** An order's body: one unit of a product picked by its idempotency key, so a retry sends the same order. */
function orderBody(idempotencyKey: string): string {
  let hash = 0;
  for (const char of idempotencyKey) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const sku = skus[hash % skus.length]!;
  return JSON.stringify({
    customerId: "bench", items: [{ sku, quantity: 1 }], paymentMethod: "tok_visa",
    shippingAddress: { name: "Ada", line1: "1 Main St", city: "London", postalCode: "N1", country: "GB" }, email: "ada@example.com",
  });
}
const maxAttemptsPerOrder = 30;

export async function placeOrder(orderUrl: string, idempotencyKey: string): Promise<Attempt> {
  try {
    const response = await fetch(`${orderUrl}/orders`, {
      method: "POST", body: orderBody(idempotencyKey), headers: { "content-type": "application/json", "idempotency-key": idempotencyKey },
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text(); // read to the end: frees the connection for the next order
    if (response.status === 202) return { outcome: "accepted", orderId: (JSON.parse(text) as { orderId: string }).orderId };
    if (response.status === 429 || response.status === 503) {
      const retryAfter = Number(response.headers.get("retry-after")); // seconds; an HTTP date or none: 1 s
      return { outcome: "refused", retryAfterS: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 1 };
    }
    return { outcome: "failed", why: String(response.status) };
  } catch (error) {
    // fetch wraps the socket's error (ECONNREFUSED, ECONNRESET...), sometimes one per address tried.
    const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    return { outcome: "failed", why: `network: ${cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message}` };
  }
}

function newPlacement(): Placement {
  return { placingMs: 0, cpuMs: 0, acceptedIds: [], refused: 0, abandoned: 0, failed: {}, maxLateMs: 0 };
}

function record(placement: Placement, attempt: Attempt): void {
  if (attempt.outcome === "accepted") placement.acceptedIds.push(attempt.orderId);
  else if (attempt.outcome === "refused") placement.refused++;
  else placement.failed[attempt.why] = (placement.failed[attempt.why] ?? 0) + 1;
}

/** Logs "sent i of n" every 5 s while `work` runs. */
async function withProgress<T>(log: (line: string) => void, line: () => string, work: Promise<T>): Promise<T> {
  const timer = setInterval(() => log(line()), 5000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

const counts = (p: Placement) => `accepted ${p.acceptedIds.length}, refused ${p.refused}, failed ${Object.values(p.failed).reduce((a, b) => a + b, 0)}`;

export async function openLoop(orderUrl: string, rate: number, seconds: number, log: (line: string) => void): Promise<Placement> {
  const count = Math.round(rate * seconds);
  const placement = newPlacement();
  const start = performance.now();
  const cpuAtStart = ownCpuMs();
  let sent = 0;
  const run = async () => {
    const answers: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const delay = start + (i * 1000) / rate - performance.now(); // computed once: never a negative timeout
      if (delay > 0) await sleep(delay);
      else placement.maxLateMs = Math.max(placement.maxLateMs, -delay);
      answers.push(placeOrder(orderUrl, `bench-${randomUUID()}`).then((attempt) => record(placement, attempt)));
      sent++;
    }
    await Promise.all(answers);
  };
  await withProgress(log, () => `    sent ${sent} of ${count} (${counts(placement)})`, run());
  placement.placingMs = performance.now() - start;
  placement.cpuMs = ownCpuMs() - cpuAtStart;
  return placement;
}

export async function burst(orderUrl: string, orders: number, clients: number, log: (line: string) => void): Promise<Placement> {
  const placement = newPlacement();
  const start = performance.now();
  const cpuAtStart = ownCpuMs();
  let next = 0;
  const client = async () => {
    while (next < orders) {
      next++; // claimed before the first await: exactly `orders` orders in all
      const key = `bench-${randomUUID()}`;
      for (let attempt = 1; ; attempt++) {
        const answer = await placeOrder(orderUrl, key);
        record(placement, answer);
        if (answer.outcome !== "refused") break;
        if (attempt === maxAttemptsPerOrder) {
          placement.abandoned++;
          break;
        }
        await sleep(answer.retryAfterS * 1000 * (1 + 0.2 * Math.random())); // jitter: refused clients do not come back in step
      }
    }
  };
  await withProgress(log, () => `    sent ${next} of ${orders} (${counts(placement)})`, Promise.all(Array.from({ length: clients }, client)));
  placement.placingMs = performance.now() - start;
  placement.cpuMs = ownCpuMs() - cpuAtStart;
  return placement;
}
