/**
 * Drive it: an order down each path of the saga, by the deterministic triggers of ARCHITECTURE §5
 * (the same as `pnpm demo`), and a burst of N orders with a mix of paths.
 */
import type { ServiceUrls } from "./service-apis";
import type { SupervisorClient } from "./supervisor-client";

export const paths = ["happy", "declined", "out_of_stock", "country_zz", "deadline"] as const;
export type SagaPath = (typeof paths)[number];

const address = { name: "Ada Lovelace", line1: "1 Main St", city: "London", postalCode: "N1 9GU", country: "GB" };
const everyday = ["TSHIRT-BLK-M", "TSHIRT-WHT-L", "MUG-KAFKA", "STICKERS-10", "HOODIE-GRY-M"];
/** The poster is the catalogue's limited edition: asking for one more than is left is the out-of-stock trigger. */
const scarce = "LIMITED-POSTER";

async function orderBody(urls: ServiceUrls, path: Exclude<SagaPath, "deadline">, n: number): Promise<object> {
  const base = {
    customerId: "explorer", email: "ada@example.com", paymentMethod: "tok_visa", shippingAddress: address,
    items: [{ sku: everyday[n % everyday.length]!, quantity: 1 }],
  };
  if (path === "declined") return { ...base, paymentMethod: "tok_decline" };
  if (path === "country_zz") return { ...base, shippingAddress: { ...address, country: "ZZ" } };
  if (path === "out_of_stock") {
    const stock = (await (await fetch(`${urls.inventory}/stock/${scarce}`)).json()) as { available: number };
    return { ...base, items: [{ sku: scarce, quantity: stock.available + 1 }] };
  }
  return base;
}

export interface Placed { status: number; orderId?: string; message?: string }

async function post(urls: ServiceUrls, body: object): Promise<Placed> {
  const response = await fetch(`${urls.order}/orders`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.json().catch(() => ({}))) as { orderId?: string; message?: string };
  return { status: response.status, orderId: answer.orderId, message: answer.message };
}

/**
 * One order down `path`. The deadline path stops payment through the supervisor, places a happy
 * order once payment has exited, and starts payment again once order has cancelled it
 * (SAGA_TIMEOUT_MS later).
 */
export async function placeOrder(urls: ServiceUrls, supervisor: SupervisorClient, path: SagaPath): Promise<Placed> {
  if (path !== "deadline") return post(urls, await orderBody(urls, path, Date.now()));
  await supervisor.service("payment", "stop");
  // The supervisor answers 202 at once and payment then finishes its in-flight messages: an
  // order placed before it has exited could still be paid, and would not meet its deadline.
  await untilStopped(supervisor, "payment");
  const placed = await post(urls, await orderBody(urls, "happy", Date.now()));
  void restartPaymentAfter(urls, supervisor, placed.orderId);
  return placed;
}

async function untilStopped(supervisor: SupervisorClient, name: string): Promise<void> {
  const giveUpAt = Date.now() + 60_000; // the supervisor's SIGKILL comes after 20 s of SIGTERM
  for (;;) {
    const instances = (await supervisor.services()).filter((instance) => instance.name === name);
    if (instances.every((instance) => instance.state === "stopped")) return;
    if (Date.now() > giveUpAt) throw new Error(`${name} did not stop within a minute`);
    await new Promise((resolve) => setTimeout(resolve, 250)); // polling a remote state: there is nothing to wait on
  }
}

async function restartPaymentAfter(urls: ServiceUrls, supervisor: SupervisorClient, orderId: string | undefined): Promise<void> {
  const giveUpAt = Date.now() + 10 * 60_000;
  while (orderId && Date.now() < giveUpAt) {
    const order = (await fetch(`${urls.order}/orders/${orderId}`).then((r) => r.json(), () => ({}))) as { status?: string };
    if (order.status === "CANCELLED" || order.status === "CONFIRMED") break;
    await new Promise((resolve) => setTimeout(resolve, 500)); // polling a remote state: there is nothing to wait on
  }
  await supervisor.service("payment", "start").catch(() => undefined);
}

/** The mix of a burst: mostly happy orders, and each failure path now and then. */
export function pathOfBurstOrder(n: number): Exclude<SagaPath, "deadline"> {
  const mix = ["happy", "happy", "happy", "happy", "happy", "happy", "happy", "declined", "country_zz", "out_of_stock"] as const;
  return mix[n % mix.length]!;
}

/** N orders, 16 at a time; counts what the door accepted (202) and refused (429/503). */
export async function burst(urls: ServiceUrls, count: number): Promise<{ accepted: number; refused: number; failed: number }> {
  const tally = { accepted: 0, refused: 0, failed: 0 };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const n = next++;
      const placed = await post(urls, await orderBody(urls, pathOfBurstOrder(n), n)).catch(() => ({ status: 0 }));
      if (placed.status === 202) tally.accepted++;
      else if (placed.status === 429 || placed.status === 503) tally.refused++;
      else tally.failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, count) }, worker));
  return tally;
}
