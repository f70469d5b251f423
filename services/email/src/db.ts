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
 * Claims the right to send these mails, in one statement: inserts each as 'sending', or takes a
 * 'failed' one back. Returns the mails ("orderId/kind") this caller holds the claim for; the others
 * were sent, or are claimed by someone else (a send in flight, or one whose outcome is unknown).
 */
export async function claimAll(db: Db, toClaim: readonly (Mail & { messageId: string })[]): Promise<Set<string>> {
  // One row per mail: an INSERT ... ON CONFLICT DO UPDATE cannot touch a row twice.
  const mails = [...new Map(toClaim.map((mail) => [`${mail.orderId}/${mail.kind}`, mail])).values()];
  if (mails.length === 0) return new Set();
  const { rows } = await db.query<{ orderId: string; kind: Kind }>(
    `INSERT INTO emails (order_id, kind, recipient, subject, message_id)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
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

/** The server accepted each mail under its Message-ID. */
export async function markSent(db: Db, mails: readonly { orderId: string; kind: Kind; messageId: string }[]): Promise<void> {
  await db.query(
    `UPDATE emails SET status = 'sent', message_id = sent.message_id, sent_at = now(), updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS sent (order_id, kind, message_id)
      WHERE emails.order_id = sent.order_id AND emails.kind = sent.kind AND emails.status = 'sending'`,
    [mails.map((m) => m.orderId), mails.map((m) => m.kind), mails.map((m) => m.messageId)]);
}

/** The mails certainly did not go: the next attempt may claim them again. */
export async function markFailed(db: Db, mails: readonly { orderId: string; kind: Kind }[], error: string): Promise<void> {
  await db.query(
    `UPDATE emails SET status = 'failed', last_error = $3, updated_at = now()
      WHERE (order_id, kind) IN (SELECT * FROM unnest($1::uuid[], $2::text[])) AND status = 'sending'`,
    [mails.map((m) => m.orderId), mails.map((m) => m.kind), error]);
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
