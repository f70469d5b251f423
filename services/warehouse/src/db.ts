/** Every SQL statement of the warehouse service. Each function takes the connection or transaction to use. */
import type { ClientBase, Pool } from "pg";
import type { ShippingAddress } from "@shop/contracts";
import type { ShipmentStatus } from "./shipments";

/** An order's shipment: the facts known about the order so far, and what the warehouse did about them. */
export interface ShipmentRow {
  orderId: string;
  status: ShipmentStatus;
  /** Null until OrderPlaced arrived. */
  shippingAddress: ShippingAddress | null;
  paid: boolean;
  cancelled: boolean;
  shipmentId: string | null;
  carrier: string | null;
  reason: string | null;
}

const columns = `order_id AS "orderId", status, shipping_address AS "shippingAddress", paid, cancelled,
  shipment_id AS "shipmentId", carrier, reason`;

/**
 * The order's shipment row, created empty by the first fact about the order, and locked until
 * the transaction ends: handlers of the same order (from other topics, or other instances) wait
 * here for each other, so exactly one of them sees the row complete and books the parcel.
 */
export async function lockShipment(tx: ClientBase, orderId: string): Promise<ShipmentRow> {
  await tx.query("INSERT INTO shipments (order_id) VALUES ($1) ON CONFLICT (order_id) DO NOTHING", [orderId]);
  const { rows } = await tx.query<ShipmentRow>(`SELECT ${columns} FROM shipments WHERE order_id = $1 FOR UPDATE`, [orderId]);
  return rows[0]!;
}

export async function saveShipment(tx: ClientBase, shipment: ShipmentRow): Promise<void> {
  await tx.query(
    `UPDATE shipments SET status = $2, shipping_address = $3, paid = $4, cancelled = $5, shipment_id = $6, carrier = $7,
       reason = $8, updated_at = now()
     WHERE order_id = $1`,
    [shipment.orderId, shipment.status, shipment.shippingAddress && JSON.stringify(shipment.shippingAddress), shipment.paid,
      shipment.cancelled, shipment.shipmentId, shipment.carrier, shipment.reason]);
}

export async function findShipment(db: ClientBase | Pool, orderId: string): Promise<ShipmentRow | undefined> {
  const { rows } = await db.query<ShipmentRow>(`SELECT ${columns} FROM shipments WHERE order_id = $1`, [orderId]);
  return rows[0];
}
