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
  /** OrderConfirmed arrived: a later cancellation contradicts it. */
  orderConfirmed: boolean;
  paymentId: string | null;
  reason: string | null;
  refundedAmount: number;
}

const columns = `order_id AS "orderId", status, amount::float8 AS amount, payment_method AS "paymentMethod",
  stock_reserved AS "stockReserved", cancelled, order_confirmed AS "orderConfirmed", payment_id AS "paymentId", reason, refunded_amount::float8 AS "refundedAmount"`;

/**
 * The payment rows of these orders, created empty by the first fact about an order, and locked
 * until the transaction ends: handlers of the same order (from other topics, or other
 * instances) wait here for each other, so exactly one of them sees the row complete and
 * charges. Rows are created and locked in order_id order, so two batches sharing orders lock
 * them in the same order and cannot deadlock each other. Two statements for any number of orders.
 */
export async function lockPayments(tx: ClientBase, orderIds: readonly string[]): Promise<Map<string, PaymentRow>> {
  const ids = [...new Set(orderIds)].sort();
  await tx.query("INSERT INTO payments (order_id) SELECT unnest($1::uuid[]) ORDER BY 1 ON CONFLICT (order_id) DO NOTHING", [ids]);
  const { rows } = await tx.query<PaymentRow>(`SELECT ${columns} FROM payments WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE`, [ids]);
  return new Map(rows.map((row) => [row.orderId, row]));
}

/** Writes the rows back: one statement for any number of rows. */
export async function savePayments(tx: ClientBase, payments: readonly PaymentRow[]): Promise<void> {
  if (payments.length === 0) return;
  const column = <K extends keyof PaymentRow>(key: K) => payments.map((payment) => payment[key]);
  await tx.query(
    `UPDATE payments SET status = changed.status, amount = changed.amount, payment_method = changed.payment_method,
       stock_reserved = changed.stock_reserved, cancelled = changed.cancelled, order_confirmed = changed.order_confirmed,
       payment_id = changed.payment_id, reason = changed.reason, refunded_amount = changed.refunded_amount, updated_at = now()
     FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::boolean[], $6::boolean[], $7::boolean[], $8::text[], $9::text[], $10::bigint[])
       AS changed (order_id, status, amount, payment_method, stock_reserved, cancelled, order_confirmed, payment_id, reason, refunded_amount)
     WHERE payments.order_id = changed.order_id`,
    [column("orderId"), column("status"), column("amount"), column("paymentMethod"), column("stockReserved"), column("cancelled"),
      column("orderConfirmed"), column("paymentId"), column("reason"), column("refundedAmount")]);
}

export async function findPayment(db: ClientBase | Pool, orderId: string): Promise<PaymentRow | undefined> {
  const { rows } = await db.query<PaymentRow>(`SELECT ${columns} FROM payments WHERE order_id = $1`, [orderId]);
  return rows[0];
}
