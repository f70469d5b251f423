/**
 * The simulated payment provider: stands in for a card processor's API. Deterministic, so a
 * demo or a test picks the outcome with the card token (ARCHITECTURE §5): `tok_decline` is
 * declined, any other token (`tok_visa`) is charged.
 */
import { createHash } from "node:crypto";
import type { Cents } from "@shop/contracts";

export interface ChargeRequest {
  orderId: string;
  amount: Cents;
  /** The card token from the order, e.g. tok_visa. */
  paymentMethod: string;
}

export type ChargeResult =
  | { outcome: "captured"; paymentId: string }
  | { outcome: "declined"; reason: string };

/**
 * Charges the card. The order id is the idempotency key a real provider dedupes on: the same
 * order always gets the same paymentId. That matters because the call is outside our database
 * transaction: if the transaction rolls back after the call, the retry must find the charge
 * already made, not make a second one.
 * Simplification: a real provider is a network call that can time out; its errors would be
 * thrown as RetriableError so the inbox retries the event.
 */
export function charge({ orderId, paymentMethod }: ChargeRequest): ChargeResult {
  if (paymentMethod === "tok_decline") return { outcome: "declined", reason: "card_declined" };
  return { outcome: "captured", paymentId: `pay_${createHash("sha256").update(`charge:${orderId}`).digest("hex").slice(0, 24)}` };
}
