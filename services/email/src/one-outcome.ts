/**
 * One outcome per order: order confirms or cancels an order, never both, so the email service
 * sends a receipt or a cancellation notice, never both. A mail of the other kind than one its
 * order has contradicts the order (a forged event: a credential can leak) and is not sent.
 * Within a batch this file decides; across batches the claim does (db.claimAll).
 */
import type { Kind } from "./emails";

/** What a mail of `kind` contradicts when its order has a mail of the other kind. */
export const contradicted: Record<Kind, string> = { receipt: "the order was cancelled", cancellation: "the order was confirmed" };

/** The batch's mails in order, split: those to send, and those whose order got a mail of the other kind earlier in the batch. */
export function oneOutcomePerOrder<T extends { mail: { orderId: string; kind: Kind } }>(batch: readonly T[]): { mails: T[]; contradicting: T[] } {
  const outcomes = new Map<string, Kind>();
  const mails: T[] = [];
  const contradicting: T[] = [];
  for (const item of batch) {
    const { orderId, kind } = item.mail;
    const outcome = outcomes.get(orderId) ?? kind;
    outcomes.set(orderId, outcome);
    if (outcome === kind) mails.push(item);
    else contradicting.push(item);
  }
  return { mails, contradicting };
}
