/** Every SQL statement of the email service. Each function takes the connection or transaction to use. */
import type { ClientBase, Pool } from "pg";
import type { EmailStatus, Kind, Mail } from "./emails";

export interface EmailRow {
  orderId: string;
  kind: Kind;
  to: string;
  subject: string;
  status: EmailStatus;
  messageId: string;
  sentAt: Date | null;
}

type Db = Pool | ClientBase;

/**
 * Claims the right to send these mails, in one statement committed on its own: inserts each as
 * 'sending', or takes a 'failed' one back. Returns the mails ("orderId/kind") this caller holds
 * the claim for; the others were sent, or are claimed by someone else (a send in flight, or one
 * whose outcome is unknown), or contradict their order: a mail of the other kind is there
 * already (an order is confirmed or cancelled, never both), and no row is written for them.
 * Rows are inserted in key order, so two instances claiming overlapping batches wait for each
 * other instead of deadlocking.
 */
export async function claimAll(db: Db, toClaim: readonly (Mail & { messageId: string })[]): Promise<Set<string>> {
  // One row per mail: an INSERT ... ON CONFLICT DO UPDATE cannot touch a row twice.
  const mails = [...new Map(toClaim.map((mail) => [`${mail.orderId}/${mail.kind}`, mail])).values()];
  if (mails.length === 0) return new Set();
  const { rows } = await db.query<{ orderId: string; kind: Kind }>(
    `INSERT INTO emails (order_id, kind, recipient, subject, message_id)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS mail (order_id, kind, recipient, subject, message_id)
      WHERE NOT EXISTS (SELECT 1 FROM emails other WHERE other.order_id = mail.order_id AND other.kind <> mail.kind)
      ORDER BY order_id, kind
     ON CONFLICT (order_id, kind) DO UPDATE
       SET status = 'sending', attempts = emails.attempts + 1, last_error = NULL, updated_at = now()
       WHERE emails.status = 'failed'
     RETURNING order_id AS "orderId", kind`,
    [mails.map((m) => m.orderId), mails.map((m) => m.kind), mails.map((m) => m.to), mails.map((m) => m.subject), mails.map((m) => m.messageId)]);
  return new Set(rows.map((row) => `${row.orderId}/${row.kind}`));
}

/** One mail's claim (a batch of one): true when this caller holds it. */
export async function claim(db: Db, mail: Mail & { messageId: string }): Promise<boolean> {
  return (await claimAll(db, [mail])).size === 1;
}

/** The status of each of these mails ("orderId/kind" → status). */
export async function statusesOf(db: Db, mails: readonly { orderId: string; kind: Kind }[]): Promise<Map<string, EmailStatus>> {
  const { rows } = await db.query<{ orderId: string; kind: Kind; status: EmailStatus }>(
    `SELECT order_id AS "orderId", kind, status FROM emails
      WHERE (order_id, kind) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))`,
    [mails.map((m) => m.orderId), mails.map((m) => m.kind)]);
  return new Map(rows.map((row) => [`${row.orderId}/${row.kind}`, row.status]));
}

/** What became of a claimed mail: sent (accepted under messageId), or failed (certainly not sent, and why). */
export type MailResult =
  | { orderId: string; kind: Kind; status: "sent"; messageId: string }
  | { orderId: string; kind: Kind; status: "failed"; error: string }
  | { orderId: string; kind: Kind; status: "skipped_erased" };

/**
 * Records what became of these claimed mails, in one statement: 'sent' with the Message-ID the
 * server accepted, or 'failed', which the next attempt may claim again. Only rows still
 * 'sending' change: a claim is ours until we record it.
 */
export async function recordResults(db: Db, results: readonly MailResult[]): Promise<void> {
  if (results.length === 0) return;
  await db.query(
    `UPDATE emails SET status = result.status, message_id = coalesce(result.message_id, emails.message_id),
            last_error = result.error, sent_at = CASE WHEN result.status = 'sent' THEN now() END, updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS result (order_id, kind, status, message_id, error)
      WHERE emails.order_id = result.order_id AND emails.kind = result.kind AND emails.status = 'sending'`,
    [results.map((r) => r.orderId), results.map((r) => r.kind), results.map((r) => r.status),
      results.map((r) => (r.status === "sent" ? r.messageId : null)), results.map((r) => (r.status === "failed" ? r.error : null))]);
}

export async function countUnconfirmed(db: Db, olderThanSeconds: number): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    "SELECT count(*)::int AS count FROM emails WHERE status = 'sending' AND updated_at < now() - make_interval(secs => $1)",
    [olderThanSeconds]);
  return rows[0]!.count;
}

export async function findEmails(db: Db, orderId: string): Promise<EmailRow[]> {
  const { rows } = await db.query<EmailRow>(
    `SELECT order_id AS "orderId", kind, recipient AS "to", subject, status, message_id AS "messageId", sent_at AS "sentAt"
     FROM emails WHERE order_id = $1 ORDER BY created_at, kind`,
    [orderId]);
  return rows;
}
