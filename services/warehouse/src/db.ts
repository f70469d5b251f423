/** Every SQL statement of the warehouse service. Each function takes the connection or transaction to use. */
import type { ClientBase, Pool } from "pg";
import { cents, type Cents, type ShippingAddress } from "@shop/contracts";
import type { ShipmentStatus } from "./shipments";

/** An order's shipment: the facts known about the order so far, and what the warehouse did about them. */
export interface ShipmentRow {
  orderId: string;
  status: ShipmentStatus;
  /** Null until OrderPlaced arrived. */
  shippingAddress: ShippingAddress | null;
  /** From OrderPlaced; null until it arrived. */
  orderTotal: Cents | null;
  paid: boolean;
  /** From PaymentCaptured; a parcel is booked only when it equals the order total. */
  capturedAmount: Cents | null;
  cancelled: boolean;
  /** OrderConfirmed arrived: a later OrderCancelled contradicts it. */
  orderConfirmed: boolean;
  shipmentId: string | null;
  carrier: string | null;
  reason: string | null;
}

const columns = `order_id AS "orderId", status, shipping_address AS "shippingAddress", order_total AS "orderTotal", paid,
  captured_amount AS "capturedAmount", cancelled, order_confirmed AS "orderConfirmed", shipment_id AS "shipmentId", carrier, reason`;

/** A shipments row as pg returns it: the amounts are bigint, which comes as text (money.ts in packages/contracts). */
type ShipmentColumns = Omit<ShipmentRow, "orderTotal" | "capturedAmount"> & { orderTotal: string | null; capturedAmount: string | null };
const toShipment = ({ orderTotal, capturedAmount, ...row }: ShipmentColumns): ShipmentRow => ({
  ...row, orderTotal: orderTotal === null ? null : cents(orderTotal), capturedAmount: capturedAmount === null ? null : cents(capturedAmount),
});

/**
 * The shipment rows of these orders, created empty by the first fact about an order, and locked
 * until the transaction ends: handlers of the same order (from other topics, or other
 * instances) wait here for each other, so exactly one of them sees the row complete and books
 * the parcel. Rows are created and locked in order_id order, so two batches sharing orders lock
 * them in the same order and cannot deadlock each other. Two statements for any number of orders.
 */
export async function lockShipments(tx: ClientBase, orderIds: readonly string[]): Promise<Map<string, ShipmentRow>> {
  const ids = [...new Set(orderIds)].sort();
  await tx.query("INSERT INTO shipments (order_id) SELECT unnest($1::uuid[]) ORDER BY 1 ON CONFLICT (order_id) DO NOTHING", [ids]);
  const { rows } = await tx.query<ShipmentColumns>(`SELECT ${columns} FROM shipments WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE`, [ids]);
  return new Map(rows.map((row) => [row.orderId, toShipment(row)]));
}

/** Writes the rows back: one statement for any number of rows. */
export async function saveShipments(tx: ClientBase, shipments: readonly ShipmentRow[]): Promise<void> {
  if (shipments.length === 0) return;
  const column = <K extends keyof ShipmentRow>(key: K) => shipments.map((shipment) => shipment[key]);
  await tx.query(
    `UPDATE shipments SET status = changed.status, shipping_address = changed.shipping_address, order_total = changed.order_total,
       paid = changed.paid, captured_amount = changed.captured_amount, cancelled = changed.cancelled, order_confirmed = changed.order_confirmed,
       shipment_id = changed.shipment_id, carrier = changed.carrier, reason = changed.reason, updated_at = now()
     FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::bigint[], $5::boolean[], $6::bigint[], $7::boolean[], $8::boolean[],
       $9::text[], $10::text[], $11::text[])
       AS changed (order_id, status, shipping_address, order_total, paid, captured_amount, cancelled, order_confirmed, shipment_id, carrier, reason)
     WHERE shipments.order_id = changed.order_id`,
    [column("orderId"), column("status"), shipments.map((s) => s.shippingAddress && JSON.stringify(s.shippingAddress)), column("orderTotal"),
      column("paid"), column("capturedAmount"), column("cancelled"), column("orderConfirmed"), column("shipmentId"), column("carrier"), column("reason")]);
}

export async function findShipment(db: ClientBase | Pool, orderId: string): Promise<ShipmentRow | undefined> {
  const { rows } = await db.query<ShipmentColumns>(`SELECT ${columns} FROM shipments WHERE order_id = $1`, [orderId]);
  return rows[0] && toShipment(rows[0]);
}
