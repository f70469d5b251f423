/** Every SQL statement of the payment service. Each function takes the connection or transaction to use. */
import type { ClientBase, Pool } from "pg";
import type { PaymentStatus } from "./payments";

/** An order's payment: the facts known about the order so far, and what payment did about them. */
export interface PaymentRow {
  orderId: string;
  status: PaymentStatus;
  /** Cents; null until OrderPlaced arrived. */
  amount: number | null;
  paymentMethod: string | null;
  stockReserved: boolean;
  cancelled: boolean;
  paymentId: string | null;
  reason: string | null;
  refundedAmount: number;
}

const columns = `order_id AS "orderId", status, amount::float8 AS amount, payment_method AS "paymentMethod",
  stock_reserved AS "stockReserved", cancelled, payment_id AS "paymentId", reason, refunded_amount::float8 AS "refundedAmount"`;

/**
 * The order's payment row, created empty by the first fact about the order, and locked until
 * the transaction ends: handlers of the same order (from other topics, or other instances) wait
 * here for each other, so exactly one of them sees the row complete and charges.
 */
export async function lockPayment(tx: ClientBase, orderId: string): Promise<PaymentRow> {
  await tx.query("INSERT INTO payments (order_id) VALUES ($1) ON CONFLICT (order_id) DO NOTHING", [orderId]);
  const { rows } = await tx.query<PaymentRow>(`SELECT ${columns} FROM payments WHERE order_id = $1 FOR UPDATE`, [orderId]);
  return rows[0]!;
}

export async function savePayment(tx: ClientBase, payment: PaymentRow): Promise<void> {
  await tx.query(
    `UPDATE payments SET status = $2, amount = $3, payment_method = $4, stock_reserved = $5, cancelled = $6,
       payment_id = $7, reason = $8, refunded_amount = $9, updated_at = now()
     WHERE order_id = $1`,
    [payment.orderId, payment.status, payment.amount, payment.paymentMethod, payment.stockReserved, payment.cancelled,
      payment.paymentId, payment.reason, payment.refundedAmount]);
}

export async function findPayment(db: ClientBase | Pool, orderId: string): Promise<PaymentRow | undefined> {
  const { rows } = await db.query<PaymentRow>(`SELECT ${columns} FROM payments WHERE order_id = $1`, [orderId]);
  return rows[0];
}
