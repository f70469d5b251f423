/**
 * The email service's business: a receipt when an order is confirmed, a cancellation notice
 * (saying why) when it is cancelled, each at most once per order, and EmailSent for each. An
 * order has one outcome: a mail of the other kind than one it has contradicts it (a credential
 * can leak), and is reported, not sent.
 *
 * SMTP has no idempotency key and does not take part in a database transaction, so "exactly
 * once" is not on offer: a mail can be accepted by the server and the process die before it
 * records that. sendMails() chooses at most once (a duplicate receipt is worse than a missing
 * one, and a missing one is visible): claim, then send, then record, each step committed on its
 * own. The README explains the guarantee and its limit.
 */
import type { Pool } from "pg";
import { Counter, Gauge } from "prom-client";
import { newEvent, topics, type CancellationReason, type Cents, type EmailKind, type EventOf } from "@shop/contracts";
import { reportContradiction, withTransaction, type Keyring, type Outbox, type TraceContext } from "@shop/messaging";
import type { Logger } from "@shop/observability";
import * as db from "./db";
import { contradicted, oneOutcomePerOrder } from "./one-outcome";
import { describeError, failureOf, sendError, type Mailer } from "./smtp";

export type Kind = Exclude<EmailKind, "unknown">;
/** skipped_erased: the customer's personal data was erased before the mail went: there is no address to send to (decision 014). */
export type EmailStatus = "sending" | "sent" | "failed" | "skipped_erased";

/** A mail before it is sent: what it says and to whom. */
export interface Mail {
  orderId: string;
  kind: Kind;
  /** The address as the event carries it, sealed: opened only to send (and for an authorised GET /emails). */
  to: string;
  subject: string;
  text: string;
}

/** 1999 → "19.99", in integer arithmetic (no float in between). Simplification: one currency, implied. */
const money = (amount: Cents) => `${(amount - (amount % 100)) / 100}.${String(amount % 100).padStart(2, "0")}`;
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
  /** Opens the sealed addresses (the contact category only). */
  keyring: Keyring;
}

/**
 * sent: this call sent it. skipped: sent before, or claimed before with an unknown outcome.
 * unconfirmed: see "unknown" in smtp.ts. skipped_erased: the customer was erased, no address.
 */
export type SendOutcome = "sent" | "skipped" | "unconfirmed" | "skipped_erased";

const emailsTotal = new Counter({
  name: "emails_total",
  help: "Mails by kind and outcome (sent, failed, unconfirmed: may or may not have gone, skipped: not sent again, contradicting: the order has the other outcome, skipped_erased: the customer's address was erased)",
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
  causedBy: { eventId: string; eventType: string };
  traceContext?: TraceContext;
}

function reportContradicting({ logger }: EmailsDeps, { mail, causedBy }: MailToSend): void {
  reportContradiction(logger, { event: { ...causedBy, orderId: mail.orderId }, contradicts: contradicted[mail.kind] });
  emailsTotal.inc({ kind: mail.kind, outcome: "contradicting" });
}

/**
 * Sends a batch's mails, each unless one of its kind went (or may have gone) to its order
 * before. Called inside the inbox transaction, but writes with its own: a claim that committed
 * only with the inbox would roll back with it, and the mail, already sent, would be sent again
 * (at least once). A check in memory, then three steps, with a fixed number of statements
 * whatever the batch's size:
 *   0. one outcome per order: a mail that contradicts its order's other mail is reported, not sent;
 *   1. claim: insert the rows as 'sending' (or take them back from 'failed'), one statement
 *      committed at once; no claim, no mail (a mail claimed before is skipped, and so is one
 *      whose order has a mail of the other kind; the log says why, with one more statement
 *      when there is one);
 *   2. send over SMTP, one mail after the other, outside any transaction (sendInTurn);
 *   3. record, in one transaction: every result with one statement ('sent', or 'failed' for the
 *      mails certainly not sent) and one EmailSent per sent mail with one outbox.addMany.
 * At the first mail certainly not sent, sending stops: that mail and the claimed ones not tried
 * turn 'failed' (the next attempt may claim them), the sent ones are recorded, and the error is
 * thrown, so the consumer tries again (a batch handler's failure: one event at a time). A crash,
 * or a broken session, between 1 and 3 leaves 'sending': never resent, shown by GET /emails.
 * Returns each mail's outcome, in the order given.
 */
export async function sendMails(deps: EmailsDeps, batch: readonly MailToSend[]): Promise<SendOutcome[]> {
  const { mails: toSend, contradicting } = oneOutcomePerOrder(batch);
  for (const item of contradicting) reportContradicting(deps, item);
  const mails = toSend.map(({ mail }) => ({ ...mail, messageId: messageIdOf(mail, deps.mailer.domain) }));
  const claimed = await db.claimAll(deps.pool, mails);
  // Ours to send: a claimed mail, the first time the batch names it (an event and its copy with
  // another eventId can come in one batch: the copy sees the first one's claim).
  const ours = mails.map((mail) => claimed.delete(claimKey(mail)));

  const attempts = await sendInTurn(deps, mails, ours);

  const results = resultsOf(mails, attempts);
  if (results.length > 0) {
    await withTransaction(deps.pool, async (tx) => {
      await db.recordResults(tx, results);
      await deps.outbox.addMany(tx, attempts.flatMap((attempt, index) => {
        if (attempt.outcome !== "sent") return [];
        const { orderId, kind } = mails[index]!;
        const { causedBy, traceContext } = toSend[index]!;
        const event = newEvent("EmailSent", { orderId, kind, messageId: attempt.accepted }, { producer: "email", causedBy });
        return [{ event, topic: topics.notifications, key: orderId, traceContext }];
      }));
    });
  }
  await logSkipped(deps, toSend.filter((_item, index) => !ours[index])); // after the record: a copy's status is its original's

  const failure = attempts.find((attempt) => attempt.outcome === "failed");
  if (failure) throw failure.error;
  const outcomes = new Map(toSend.map((item, index) => [item, attempts[index]!.outcome]));
  return batch.map((item) => {
    const outcome = outcomes.get(item) ?? "skipped"; // a contradicting mail is skipped
    return outcome === "sent" || outcome === "unconfirmed" || outcome === "skipped_erased" ? outcome : "skipped";
  });
}

/**
 * What became of one mail of the batch in step 2: not ours (skipped), sent, unconfirmed (the
 * session broke: it may have gone), failed (certainly not sent), or untried (an earlier mail failed).
 */
export type Attempt =
  | { outcome: "skipped" | "unconfirmed" | "skipped_erased" }
  | { outcome: "sent"; accepted: string }
  | { outcome: "failed"; error: Error }
  | { outcome: "untried"; after: Error };

/**
 * Sends the mails that are ours, one after the other, until one certainly did not go: the
 * server is down or refused it, so the next ones would most likely fail too, and they stay
 * untried for the next attempt. A session that broke midway does not stop the batch: that mail
 * may have gone and stays 'sending'; the next one goes over a new session.
 */
async function sendInTurn({ mailer, logger, keyring }: EmailsDeps, mails: readonly (Mail & { messageId: string })[], ours: readonly boolean[]): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  let failed: Error | undefined;
  for (const [index, mail] of mails.entries()) {
    if (!ours[index]) {
      attempts.push({ outcome: "skipped" });
      continue;
    }
    if (failed) {
      attempts.push({ outcome: "untried", after: failed });
      continue;
    }
    const fields = { orderId: mail.orderId, kind: mail.kind, messageId: mail.messageId }; // logs never carry the address
    try {
      const to = keyring.open(mail.to, "customerEmail");
      if (to === undefined) {
        // Erased before the mail went: nothing to send to. Recorded, so the order's one outcome holds.
        logger.info(fields, "customer's personal data erased: no mail sent");
        attempts.push({ outcome: "skipped_erased" });
        emailsTotal.inc({ kind: mail.kind, outcome: "skipped_erased" });
        continue;
      }
      attempts.push({ outcome: "sent", accepted: await mailer.send({ ...mail, to }) });
      logger.debug(fields, "mail sent"); // per mail: debug; the outcome is in emails_total and GET /emails
      emailsTotal.inc({ kind: mail.kind, outcome: "sent" });
    } catch (error) {
      const failure = failureOf(error);
      if (failure === "unknown") {
        logger.error({ ...fields, error: describeError(error) }, "SMTP session broke before the server confirmed the mail; it may have gone: left 'sending', not resent");
        attempts.push({ outcome: "unconfirmed" });
        emailsTotal.inc({ kind: mail.kind, outcome: "unconfirmed" });
        continue;
      }
      failed = sendError(failure, error);
      attempts.push({ outcome: "failed", error: failed });
      emailsTotal.inc({ kind: mail.kind, outcome: "failed" });
    }
  }
  return attempts;
}

/**
 * What step 3 records: 'sent' for each mail that went, 'failed' (free to claim again) for the one
 * certainly not sent and the ones not tried after it. A skipped mail is not ours to change, and
 * an unconfirmed one stays 'sending'. Sorted by key, the order in which claims lock rows (db.claimAll).
 */
export function resultsOf(mails: readonly { orderId: string; kind: Kind }[], attempts: readonly Attempt[]): db.MailResult[] {
  const results = attempts.flatMap((attempt, index): db.MailResult[] => {
    const { orderId, kind } = mails[index]!;
    switch (attempt.outcome) {
      case "sent": return [{ orderId, kind, status: "sent", messageId: attempt.accepted }];
      case "failed": return [{ orderId, kind, status: "failed", error: describeError(attempt.error) }];
      case "skipped_erased": return [{ orderId, kind, status: "skipped_erased" }];
      case "untried": return [{ orderId, kind, status: "failed", error: `not tried, an earlier mail failed: ${describeError(attempt.after)}` }];
      default: return [];
    }
  });
  return results.sort((a, b) => (claimKey(a) < claimKey(b) ? -1 : 1)); // keys are unique: never equal
}

const claimKey = ({ orderId, kind }: { orderId: string; kind: Kind }) => `${orderId}/${kind}`;

/**
 * Says why the mails not claimed are not sent: sent before, claimed before with an unknown
 * outcome, or (no row of their own) their order has a mail of the other kind: a contradiction.
 */
async function logSkipped(deps: EmailsDeps, skipped: readonly MailToSend[]): Promise<void> {
  if (skipped.length === 0) return;
  const statuses = await db.statusesOf(deps.pool, skipped.map(({ mail }) => mail));
  for (const item of skipped) {
    const { orderId, kind } = item.mail;
    const fields = { orderId, kind, messageId: messageIdOf(item.mail, deps.mailer.domain) };
    const status = statuses.get(claimKey(item.mail));
    if (status === undefined) {
      reportContradicting(deps, item);
      continue;
    }
    if (status === "sent") deps.logger.info(fields, "mail sent before; not sending it again");
    else if (status === "skipped_erased") deps.logger.info(fields, "customer erased before; no mail");
    else deps.logger.warn({ ...fields, status }, "mail claimed before, outcome unknown; not sending it again (at most once)");
    emailsTotal.inc({ kind, outcome: "skipped" });
  }
}

/** GET /emails?orderId=: the order's mails, oldest first; a row as JSON, its time as an ISO string. */
export type EmailView = Omit<db.EmailRow, "sentAt"> & { sentAt: string | null };

/**
 * The order's mails with the address as the caller may see it: `reveal` turns the stored, sealed
 * address into the full address, a masked one, or "(erased)" (http.ts decides which).
 */
export async function listEmails(pool: Pool, orderId: string, reveal: (sealed: string) => string): Promise<EmailView[]> {
  const rows = await db.findEmails(pool, orderId);
  return rows.map((row) => ({ ...row, to: reveal(row.to), sentAt: row.sentAt?.toISOString() ?? null }));
}
