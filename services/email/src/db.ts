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
 * Claims the right to send this mail, in one statement: inserts it as 'sending', or takes a
 * 'failed' one back. True when this caller holds the claim; false when the mail was sent, or
 * is claimed by someone else (a send in flight, or one whose outcome is unknown).
 */
export async function claim(db: Db, mail: Mail & { messageId: string }): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO emails (order_id, kind, recipient, subject, message_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (order_id, kind) DO UPDATE
       SET status = 'sending', attempts = emails.attempts + 1, last_error = NULL, updated_at = now()
       WHERE emails.status = 'failed'`,
    [mail.orderId, mail.kind, mail.to, mail.subject, mail.messageId]);
  return rowCount === 1;
}

export async function statusOf(db: Db, orderId: string, kind: Kind): Promise<EmailStatus | undefined> {
  const { rows } = await db.query<{ status: EmailStatus }>("SELECT status FROM emails WHERE order_id = $1 AND kind = $2", [orderId, kind]);
  return rows[0]?.status;
}

/** The server accepted the mail under this Message-ID. */
export async function markSent(db: Db, orderId: string, kind: Kind, messageId: string): Promise<void> {
  await db.query(
    `UPDATE emails SET status = 'sent', message_id = $3, sent_at = now(), updated_at = now()
     WHERE order_id = $1 AND kind = $2 AND status = 'sending'`,
    [orderId, kind, messageId]);
}

/** The mail certainly did not go: the next attempt may claim it again. */
export async function markFailed(db: Db, orderId: string, kind: Kind, error: string): Promise<void> {
  await db.query(
    `UPDATE emails SET status = 'failed', last_error = $3, updated_at = now()
     WHERE order_id = $1 AND kind = $2 AND status = 'sending'`,
    [orderId, kind, error]);
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
