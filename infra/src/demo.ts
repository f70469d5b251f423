/**
 * pnpm demo: against a running system (`pnpm start`, or docker compose), places one order for
 * each path of the saga and prints each order's timeline as it completes. The timeout path needs
 * a stopped payment service: see docs/break-it.md.
 */
import { waitFor } from "./wait";

const orderUrl = process.env.ORDER_URL ?? "http://localhost:3001";
const inventoryUrl = process.env.INVENTORY_URL ?? "http://localhost:3002";

interface OrderView { orderId: string; status: string; reason?: string; total: number; history: { eventType: string; occurredAt: string; producer: string }[] }

const address = { name: "Ada Lovelace", line1: "1 Main St", city: "London", postalCode: "N1 9GU", country: "GB" };
const order = (overrides: object) => ({
  customerId: "demo", items: [{ sku: "TSHIRT-BLK-M", quantity: 1 }], paymentMethod: "tok_visa", shippingAddress: address,
  email: "ada@example.com", ...overrides,
});

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function place(title: string, expected: string, body: object): Promise<void> {
  const { orderId } = await json<{ orderId: string }>(await fetch(`${orderUrl}/orders`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  }));
  const final = await waitFor(`order ${orderId} to finish`, async () => {
    const view = await json<OrderView>(await fetch(`${orderUrl}/orders/${orderId}`));
    return ["CONFIRMED", "CANCELLED"].includes(view.status) && view;
  }, { timeoutMs: 60_000, intervalMs: 100 });
  const start = Date.parse(final.history[0]!.occurredAt);
  const outcome = final.reason ? `${final.status} (${final.reason})` : final.status;
  console.log(`\n${title}: ${outcome}${outcome === expected ? "" : `  <-- expected ${expected}`}   order ${orderId}`);
  for (const entry of final.history) {
    console.log(`  +${String(Date.parse(entry.occurredAt) - start).padStart(5)} ms  ${entry.eventType.padEnd(24)} by ${entry.producer}`);
  }
}

async function main(): Promise<void> {
  console.log(`Placing one order per path against ${orderUrl} ...`);
  const poster = await json<{ available: number }>(await fetch(`${inventoryUrl}/stock/LIMITED-POSTER`));
  await place("Happy path (tok_visa)", "CONFIRMED", order({ items: [{ sku: "TSHIRT-BLK-M", quantity: 2 }, { sku: "MUG-KAFKA", quantity: 1 }] }));
  await place(`Out of stock (${poster.available + 1} posters, ${poster.available} available)`, "CANCELLED (out_of_stock)",
    order({ items: [{ sku: "LIMITED-POSTER", quantity: poster.available + 1 }] }));
  await place("Payment declined (tok_decline)", "CANCELLED (payment_declined)", order({ paymentMethod: "tok_decline" }));
  await place("Cannot ship there (country ZZ)", "CANCELLED (fulfillment_failed)", order({ shippingAddress: { ...address, country: "ZZ" } }));
  console.log("\nThe timeout path: stop the payment service, place an order, wait SAGA_TIMEOUT_MS (docs/break-it.md).");
}

main().catch((error: unknown) => {
  console.error(`\n${error instanceof Error ? error.message : String(error)}\nIs the system running? Start it with \`pnpm start\`.`);
  process.exitCode = 1;
});
