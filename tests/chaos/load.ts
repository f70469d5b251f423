/**
 * The campaign's steady mixed load: orders at a fixed rate, each on one of the saga's paths
 * (ARCHITECTURE §5, "Deterministic failure triggers"), drawn from the seeded random source:
 *   happy          tok_visa to GB, one unit of a well-stocked product          70 %
 *   declined       paymentMethod tok_decline                                    10 %
 *   undeliverable  shippingAddress.country ZZ                                  10 %
 *   scarce         one unit of the product with the least stock: it runs out,   10 %
 *                  and from then on every such order is out of stock
 * Each order is sent once. 429 and 503 are refusals at the door; an order service that is down
 * (killed by the campaign) answers nothing: "unavailable". Neither is a violation.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";

export type OrderPath = "happy" | "declined" | "undeliverable" | "scarce";

export interface PlacedOrder { orderId: string; path: OrderPath; sku: string; sentAt: number; duringFault: boolean }

export interface LoadResult {
  placed: PlacedOrder[];
  /** 429 and 503 answers. */
  refused: number;
  /** No answer or another status, by why ("network: ECONNREFUSED", "500"). */
  unavailable: Record<string, number>;
}

export interface LoadOptions {
  orderUrl: string;
  ratePerS: number;
  random: () => number;
  happySkus: string[];
  scarceSku: string;
  /** Whether a fault is being injected or recovered from right now (for "p99 during faults"). */
  duringFault: () => boolean;
}

function pick(random: () => number, options: LoadOptions): { path: OrderPath; body: Record<string, unknown> } {
  const draw = random();
  const path: OrderPath = draw < 0.7 ? "happy" : draw < 0.8 ? "declined" : draw < 0.9 ? "undeliverable" : "scarce";
  const sku = path === "scarce" ? options.scarceSku : options.happySkus[Math.floor(random() * options.happySkus.length)]!;
  return {
    path,
    body: {
      customerId: "chaos", items: [{ sku, quantity: 1 }], paymentMethod: path === "declined" ? "tok_decline" : "tok_visa",
      shippingAddress: { name: "Ada", line1: "1 Main St", city: "London", postalCode: "N1", country: path === "undeliverable" ? "ZZ" : "GB" },
      email: "ada@example.com",
    },
  };
}

/** Starts sending; `stop()` stops, waits for the answers in flight and returns what happened. */
export function startLoad(options: LoadOptions): { stop(): Promise<LoadResult> } {
  const result: LoadResult = { placed: [], refused: 0, unavailable: {} };
  const answers = new Set<Promise<void>>();
  const start = performance.now();
  let sent = 0;
  let stopped = false;

  const send = async () => {
    const { path, body } = pick(options.random, options);
    const sentAt = Date.now();
    const duringFault = options.duringFault();
    try {
      const response = await fetch(`${options.orderUrl}/orders`, {
        method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(30_000),
        headers: { "content-type": "application/json", "idempotency-key": `chaos-${randomUUID()}` },
      });
      const text = await response.text();
      if (response.status === 202) {
        const { orderId } = JSON.parse(text) as { orderId: string };
        result.placed.push({ orderId, path, sku: (body.items as { sku: string }[])[0]!.sku, sentAt, duringFault });
      } else if (response.status === 429 || response.status === 503) result.refused++;
      else result.unavailable[String(response.status)] = (result.unavailable[String(response.status)] ?? 0) + 1;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      result.unavailable[`network: ${cause}`] = (result.unavailable[`network: ${cause}`] ?? 0) + 1;
    }
  };

  // Open loop: order i goes at start + i/rate, whatever the answers (customers do not wait for each other).
  const loop = (async () => {
    while (!stopped) {
      const delay = start + (sent * 1000) / options.ratePerS - performance.now();
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      if (stopped) break;
      sent++;
      const answer = send();
      answers.add(answer);
      void answer.finally(() => answers.delete(answer));
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
      await Promise.all(answers);
      return result;
    },
  };
}
