/**
 * The simulated carrier: stands in for booking a parcel with a shipping company. Deterministic,
 * so a demo or a test picks the outcome with the destination (ARCHITECTURE §5): the carrier
 * cannot ship to country ZZ, and ships anywhere else.
 */
import { createHash } from "node:crypto";
import type { ShippingAddress } from "@shop/contracts";

export type Booking =
  | { outcome: "booked"; shipmentId: string; carrier: string }
  | { outcome: "refused"; reason: string };

/**
 * Books the parcel. The order id is the idempotency key a real carrier API would dedupe on: the
 * same order always gets the same shipmentId, so a booking repeated after our transaction rolled
 * back is recognised rather than made twice.
 * Simplification: one carrier for every country, and a booking that cannot time out.
 */
export function book(orderId: string, address: ShippingAddress): Booking {
  if (address.country === "ZZ") return { outcome: "refused", reason: "cannot ship to ZZ" };
  return { outcome: "booked", shipmentId: `shp_${createHash("sha256").update(`booking:${orderId}`).digest("hex").slice(0, 24)}`, carrier: "DHL" };
}
