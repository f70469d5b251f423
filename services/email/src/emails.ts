/**
 * The email service's business: a receipt when an order is confirmed, a cancellation notice
 * (saying why) when it is cancelled, each at most once per order, and EmailSent for each.
 *
 * SMTP has no idempotency key and does not take part in a database transaction, so "exactly
 * once" is not on offer: a mail can be accepted by the server and the process die before it
 * records that. sendMails() chooses at most once (a duplicate receipt is worse than a missing
 * one, and a missing one is visible): claim, then send, then record, each step committed on its
 * own. The README explains the guarantee and its limit.
 */
import type { Pool } from "pg";
import { Counter, Gauge } from "prom-client";
import { newEvent, topics, type CancellationReason, type EmailKind, type EventOf } from "@shop/contracts";
import { withTransaction, type Outbox, type TraceContext } from "@shop/messaging";
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

/** A mail to send, and what caused it: its EmailSent's causation and trace. */
export interface MailToSend {
  mail: Mail;
  causedBy: { eventId: string };
  traceContext?: TraceContext;
}

/**
 * Sends a batch's mails, each unless one of its kind went (or may have gone) to its order
 * before. Called inside the inbox transaction, but writes with its own: a claim that committed
 * only with the inbox would roll back with it, and the mail, already sent, would be sent again
 * (at least once). With a fixed number of statements per batch:
 *   1. claim: insert the rows as 'sending' (or take them back from 'failed'), committed at once;
 *      no claim, no mail;
 *   2. send over SMTP, one mail after the other, outside any transaction;
 *   3. record: 'sent' and EmailSent in the outbox for every mail that went, in one transaction.
 * At the first mail certainly not sent, sending stops: that mail, and the claimed ones not tried,
 * turn 'failed' (the next attempt may claim them), the sent ones are recorded, and the error is
 * thrown, so the consumer tries again (a batch handler's failure: one event at a time). A crash,
 * or a broken session, between 1 and 3 leaves 'sending': never resent, shown by GET /emails.
 * Returns each mail's outcome, in the order given.
 */
export async function sendMails(deps: EmailsDeps, toSend: readonly MailToSend[]): Promise<SendOutcome[]> {
  const { pool, outbox, mailer, logger } = deps;
  const mails = toSend.map(({ mail }) => ({ ...mail, messageId: messageIdOf(mail, mailer.domain) }));
  const claimed = await db.claimAll(pool, mails);
  // Ours to send: a claimed mail, the first time the batch names it (an event and its copy with
  // another eventId can come in one batch).
  const ours = mails.map((mail) => claimed.delete(claimKey(mail)));
  const outcomes: SendOutcome[] = [];
  const sent: { index: number; accepted: string }[] = [];
  let failure: { index: number; error: Error } | undefined;

  for (const [index, mail] of mails.entries()) {
    const fields = { orderId: mail.orderId, kind: mail.kind, messageId: mail.messageId }; // logs never carry the address
    if (!ours[index]) {
      outcomes.push("skipped");
      continue;
    }
    if (failure) {
      outcomes.push("skipped"); // not tried: given back below
      continue;
    }
    try {
      sent.push({ index, accepted: await mailer.send(mail) });
      logger.debug(fields, "mail sent"); // per mail: debug; the outcome is in emails_total and GET /emails
      outcomes.push("sent");
      emailsTotal.inc({ kind: mail.kind, outcome: "sent" });
    } catch (error) {
      const kind = failureOf(error);
      if (kind === "unknown") {
        logger.error({ ...fields, error: describeError(error) }, "SMTP session broke before the server confirmed the mail; it may have gone: left 'sending', not resent");
        outcomes.push("unconfirmed");
        emailsTotal.inc({ kind: mail.kind, outcome: "unconfirmed" });
        continue;
      }
      failure = { index, error: sendError(kind, error) };
      outcomes.push("skipped");
      emailsTotal.inc({ kind: mail.kind, outcome: "failed" });
    }
  }

  await logSkipped(deps, mails.filter((_mail, index) => !ours[index]));
  if (sent.length > 0) {
    await withTransaction(pool, async (tx) => {
      await db.markSent(tx, sent.map(({ index, accepted }) => ({ orderId: mails[index]!.orderId, kind: mails[index]!.kind, messageId: accepted })));
      await outbox.addMany(tx, sent.map(({ index, accepted }) => {
        const { orderId, kind } = mails[index]!;
        const event = newEvent("EmailSent", { orderId, kind, messageId: accepted }, { producer: "email", causedBy: toSend[index]!.causedBy });
        return { event, topic: topics.notifications, key: orderId, traceContext: toSend[index]!.traceContext };
      }));
    });
  }
  if (failure) {
    // The failed mail and the claimed ones after it that were not tried: certainly not sent.
    const givenBack = mails.filter((_mail, index) => index >= failure!.index && ours[index]);
    await db.markFailed(pool, givenBack.map(({ orderId, kind }) => ({ orderId, kind })), describeError(failure.error));
    throw failure.error;
  }
  return outcomes;
}

/** One mail on its own (a batch of one). */
export async function sendOnce(deps: EmailsDeps, mail: Mail, causedBy: { eventId: string }): Promise<SendOutcome> {
  return (await sendMails(deps, [{ mail, causedBy }]))[0]!;
}

const claimKey = ({ orderId, kind }: { orderId: string; kind: Kind }) => `${orderId}/${kind}`;

/** Says why the mails not claimed were not sent: sent before, or claimed before with an unknown outcome. */
async function logSkipped({ pool, logger }: EmailsDeps, mails: readonly (Mail & { messageId: string })[]): Promise<void> {
  if (mails.length === 0) return;
  const statuses = await db.statusesOf(pool, mails);
  for (const mail of mails) {
    const fields = { orderId: mail.orderId, kind: mail.kind, messageId: mail.messageId };
    const status = statuses.get(claimKey(mail));
    if (status === "sent") logger.info(fields, "mail sent before; not sending it again");
    else logger.warn({ ...fields, status }, "mail claimed before, outcome unknown; not sending it again (at most once)");
    emailsTotal.inc({ kind: mail.kind, outcome: "skipped" });
  }
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
