/**
 * The email service's business: a receipt when an order is confirmed, a cancellation notice
 * (saying why) when it is cancelled, each at most once per order, and EmailSent for each.
 *
 * SMTP has no idempotency key and does not take part in a database transaction, so "exactly
 * once" is not on offer: a mail can be accepted by the server and the process die before it
 * records that. sendOnce() chooses at most once (a duplicate receipt is worse than a missing
 * one, and a missing one is visible): claim, then send, then record, each step committed on its
 * own. The README explains the guarantee and its limit.
 */
import type { Pool } from "pg";
import { Counter, Gauge } from "prom-client";
import { newEvent, topics, type CancellationReason, type EmailKind, type EventOf } from "@shop/contracts";
import { withTransaction, type Outbox } from "@shop/messaging";
import type { Logger } from "@shop/observability";
import * as db from "./db";
import { describeError, failureOf, sendError, type Mailer } from "./smtp";

export type Kind = Exclude<EmailKind, "unknown">;
export type EmailStatus = "sending" | "sent" | "failed";

/** A mail before it is sent: what it says and to whom. */
export interface Mail {
  orderId: string;
  kind: Kind;
  to: string;
  subject: string;
  text: string;
}

const money = (cents: number) => (cents / 100).toFixed(2); // Simplification: one currency, implied
const shortId = (orderId: string) => orderId.slice(0, 8);

export function receipt(event: EventOf<"OrderConfirmed">): Mail {
  const lines = event.items.map((line) => `  ${line.quantity} x ${line.sku} at ${money(line.unitPrice)}`);
  return {
    orderId: event.orderId, kind: "receipt", to: event.customerEmail,
    subject: `Your order ${shortId(event.orderId)} is confirmed`,
    text: [`Thank you for your order ${event.orderId}.`, "", ...lines, "", `Total: ${money(event.total)}`, ""].join("\n"),
  };
}

/** Why an order was cancelled, in words a customer reads; undefined when the reason is not known. */
export const reasonInWords: Record<CancellationReason, string | undefined> = {
  out_of_stock: "an item was out of stock",
  payment_declined: "your payment was declined",
  fulfillment_failed: "we cannot ship to your address",
  timeout: "it took too long to complete",
  unknown: undefined, // a reason newer than this service's schema: say less rather than guess
};

export function cancellationNotice(event: EventOf<"OrderCancelled">): Mail {
  const words = reasonInWords[event.reason];
  return {
    orderId: event.orderId, kind: "cancellation", to: event.customerEmail,
    subject: `Your order ${shortId(event.orderId)} was cancelled`,
    text: [
      `We are sorry: we cancelled your order ${event.orderId}`,
      words ? `because ${words}.` : "because we could not complete it.",
      "", "If you were charged for it, the money is on its way back to you.", "",
    ].join("\n"),
  };
}

/** Derived from the order and the kind only, so every attempt and every instance uses the same one. */
export const messageIdOf = (mail: Pick<Mail, "orderId" | "kind">, domain: string) => `<${mail.kind}.${mail.orderId}@${domain}>`;

export interface EmailsDeps {
  pool: Pool;
  outbox: Outbox;
  mailer: Mailer;
  logger: Logger;
}

/** sent: this call sent it. skipped: sent before, or claimed before with an unknown outcome. unconfirmed: see "unknown" in smtp.ts. */
export type SendOutcome = "sent" | "skipped" | "unconfirmed";

const emailsTotal = new Counter({
  name: "emails_total", help: "Mails by kind and outcome (sent, failed, unconfirmed: may or may not have gone, skipped: not sent again)",
  labelNames: ["kind", "outcome"],
});

/** For /metrics: claims still 'sending' after a minute, mails that may or may not have gone (README, "The limit"). */
export function watchUnconfirmed(pool: Pool): Gauge {
  return new Gauge({
    name: "emails_unconfirmed", help: "Mails claimed over a minute ago whose outcome is unknown: never resent, for an operator to settle",
    async collect() {
      await db.countUnconfirmed(pool, 60).then((count) => this.set(count), () => {}); // database down: keep the last value
    },
  });
}

/**
 * Sends the mail unless one of its kind went (or may have gone) to this order before. Called
 * inside the inbox transaction, but writes with its own: a claim that committed only with the
 * inbox would roll back with it, and the mail, already sent, would be sent again (at least once).
 *   1. claim: insert the row as 'sending' (or take it back from 'failed'), committed at once;
 *      no claim, no mail;
 *   2. send over SMTP, outside any transaction;
 *   3. record: 'sent' and EmailSent in the outbox, in one transaction.
 * A mail certainly not sent turns the row 'failed' and throws, so the consumer tries again. A
 * crash, or a broken session, between 1 and 3 leaves 'sending': never resent, shown by GET /emails.
 */
export async function sendOnce(deps: EmailsDeps, mail: Mail, causedBy: { eventId: string }): Promise<SendOutcome> {
  const { pool, outbox, mailer, logger } = deps;
  const { orderId, kind } = mail;
  const messageId = messageIdOf(mail, mailer.domain);
  const fields = { orderId, kind, messageId }; // logs never carry the address

  if (!(await db.claim(pool, { ...mail, messageId }))) {
    const status = await db.statusOf(pool, orderId, kind);
    if (status === "sent") logger.info(fields, "mail sent before; not sending it again");
    else logger.warn({ ...fields, status }, "mail claimed before, outcome unknown; not sending it again (at most once)");
    emailsTotal.inc({ kind, outcome: "skipped" });
    return "skipped";
  }

  let accepted: string;
  try {
    accepted = await mailer.send({ ...mail, messageId });
  } catch (error) {
    const failure = failureOf(error);
    if (failure === "unknown") {
      logger.error({ ...fields, error: describeError(error) }, "SMTP session broke before the server confirmed the mail; it may have gone: left 'sending', not resent");
      emailsTotal.inc({ kind, outcome: "unconfirmed" });
      return "unconfirmed";
    }
    await db.markFailed(pool, orderId, kind, `${failure}: ${describeError(error)}`);
    emailsTotal.inc({ kind, outcome: "failed" });
    throw sendError(failure, error);
  }

  await withTransaction(pool, async (tx) => {
    await db.markSent(tx, orderId, kind, accepted);
    const event = newEvent("EmailSent", { orderId, kind, messageId: accepted }, { producer: "email", causedBy });
    await outbox.add(tx, event, { topic: topics.notifications, key: orderId });
  });
  logger.debug(fields, "mail sent"); // per mail: debug; the outcome is in emails_total and GET /emails
  emailsTotal.inc({ kind, outcome: "sent" });
  return "sent";
}

/** GET /emails?orderId=: the order's mails, oldest first. */
export interface EmailView {
  orderId: string;
  kind: Kind;
  to: string;
  subject: string;
  status: EmailStatus;
  messageId: string;
  sentAt: string | null;
}

export async function listEmails(pool: Pool, orderId: string): Promise<EmailView[]> {
  const rows = await db.findEmails(pool, orderId);
  return rows.map((row) => ({ ...row, sentAt: row.sentAt?.toISOString() ?? null }));
}
