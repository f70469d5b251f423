/** Every SQL statement of the payment service. Each function takes the connection or transaction to use. */
import type { ClientBase, Pool } from "pg";
import { cents, type Cents } from "@shop/contracts";
import type { PaymentStatus } from "./payments";

/** What OrderPlaced tells payment: the order total to charge, and the card. */
export interface OrderToCharge { amount: Cents; paymentMethod: string }

/** The provider's one capture of the order: its id and the amount charged (the order total). */
export interface Capture { paymentId: string; amount: Cents }

/**
 * An order's payment: the facts known about the order so far, and what payment did about them.
 * A captured or refunded payment always has its capture, and a pending, declined or cancelled
 * one never has: the type cannot say otherwise. A refund is always the whole capture.
 */
export type PaymentRow = {
  orderId: string;
  /** From OrderPlaced; null until it arrived. */
  order: OrderToCharge | null;
  stockReserved: boolean;
  cancelled: boolean;
  /** OrderConfirmed arrived: a later cancellation contradicts it. */
  orderConfirmed: boolean;
  /** Why the charge was declined. */
  reason: string | null;
} & ({ status: "pending" | "declined" | "cancelled"; capture: null } | { status: "captured" | "refunded"; capture: Capture });

const columns = `order_id AS "orderId", status, amount, payment_method AS "paymentMethod",
  stock_reserved AS "stockReserved", cancelled, order_confirmed AS "orderConfirmed", payment_id AS "paymentId", reason`;

/** A payments row as pg returns it: one column per fact, amount (bigint) as text. */
interface PaymentColumns {
  orderId: string; status: PaymentStatus; amount: string | null; paymentMethod: string | null;
  stockReserved: boolean; cancelled: boolean; orderConfirmed: boolean; paymentId: string | null; reason: string | null;
}

/** The columns as a PaymentRow. The table's CHECKs hold what the type says; a row that breaks them throws here, once. */
function toPayment({ amount, paymentMethod, paymentId, status, ...facts }: PaymentColumns): PaymentRow {
  const order = amount !== null && paymentMethod !== null ? { amount: cents(amount), paymentMethod } : null;
  if (status === "pending" || status === "declined" || status === "cancelled") return { ...facts, order, status, capture: null };
  if (paymentId === null || order === null) throw new Error(`payments row of order ${facts.orderId} is ${status} without a payment id and amount`);
  return { ...facts, order, status, capture: { paymentId, amount: order.amount } };
}

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
  const { rows } = await tx.query<PaymentColumns>(`SELECT ${columns} FROM payments WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE`, [ids]);
  return new Map(rows.map((row) => [row.orderId, toPayment(row)]));
}

/** Writes the rows back: one statement for any number of rows. */
export async function savePayments(tx: ClientBase, payments: readonly PaymentRow[]): Promise<void> {
  if (payments.length === 0) return;
  const column = <T>(pick: (payment: PaymentRow) => T) => payments.map(pick);
  await tx.query(
    `UPDATE payments SET status = changed.status, amount = changed.amount, payment_method = changed.payment_method,
       stock_reserved = changed.stock_reserved, cancelled = changed.cancelled, order_confirmed = changed.order_confirmed,
       payment_id = changed.payment_id, reason = changed.reason, refunded_amount = changed.refunded_amount, updated_at = now()
     FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::boolean[], $6::boolean[], $7::boolean[], $8::text[], $9::text[], $10::bigint[])
       AS changed (order_id, status, amount, payment_method, stock_reserved, cancelled, order_confirmed, payment_id, reason, refunded_amount)
     WHERE payments.order_id = changed.order_id`,
    [column((p) => p.orderId), column((p) => p.status), column((p) => p.order?.amount ?? null), column((p) => p.order?.paymentMethod ?? null),
      column((p) => p.stockReserved), column((p) => p.cancelled), column((p) => p.orderConfirmed), column((p) => p.capture?.paymentId ?? null),
      column((p) => p.reason), column(refundedAmount)]);
}

export async function findPayment(db: ClientBase | Pool, orderId: string): Promise<PaymentRow | undefined> {
  const { rows } = await db.query<PaymentColumns>(`SELECT ${columns} FROM payments WHERE order_id = $1`, [orderId]);
  return rows[0] && toPayment(rows[0]);
}

/** What went back to the customer: the whole capture once refunded, else nothing. */
export function refundedAmount(payment: PaymentRow): Cents {
  return payment.status === "refunded" ? payment.capture.amount : 0;
}
