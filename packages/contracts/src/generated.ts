// Generated from schemas/**/*.avsc by `pnpm --filter @shop/contracts generate`. Do not edit.

import type { Cents } from "./money";

export interface OrderLine {
  sku: string;
  quantity: number;
  /** Cents, as priced when the order was placed. */
  unitPrice: Cents;
}

export interface ShippingAddress {
  name: string;
  line1: string;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2; the warehouse cannot ship to ZZ. Not sealed: the ZZ rule and analytics need it, and a country alone names no one. */
  country: string;
}

/** unknown is never written: a reader sees it for a reason added after its schema version. */
export type CancellationReason = "out_of_stock" | "payment_declined" | "fulfillment_failed" | "timeout" | "unknown";

export interface StockLine {
  sku: string;
  quantity: number;
}

/** unknown is never written: a reader sees it for a kind added after its schema version. */
export type EmailKind = "receipt" | "cancellation" | "unknown";

/** A product is for sale at this price. Keyed by sku on a compacted topic: the latest per sku is the catalogue. */
export interface ProductListed {
  eventId: string;
  eventType: "ProductListed";
  eventVersion: number;
  occurredAt: string;
  causationId: string | null;
  producer: string;
  sku: string;
  name: string;
  /** Cents. */
  price: Cents;
}

/** A customer placed an order: the saga starts. Carries no e-mail address; the address lines are sealed (see the README on personal data). */
export interface OrderPlacedV1 {
  eventId: string;
  eventType: "OrderPlaced";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  customerId: string;
  items: OrderLine[];
  /** Cents: the sum of quantity × unitPrice. */
  total: Cents;
  /** A payment token: tok_visa is charged, tok_decline is declined. */
  paymentMethod: string;
  shippingAddress: ShippingAddress;
}

/** A customer placed an order: the saga starts. Carries no e-mail address; the address lines are sealed (see the README on personal data). */
export interface OrderPlaced {
  eventId: string;
  eventType: "OrderPlaced";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  customerId: string;
  items: OrderLine[];
  /** Cents: the sum of quantity × unitPrice. */
  total: Cents;
  /** A payment token: tok_visa is charged, tok_decline is declined. */
  paymentMethod: string;
  shippingAddress: ShippingAddress;
  /** Added in v2: a promotion code the customer entered, if any. */
  couponCode: string | null;
}

/** Stock reserved, payment captured, shipment scheduled: the order is final. Carries what a receipt needs. */
export interface OrderConfirmed {
  eventId: string;
  eventType: "OrderConfirmed";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  /** For the e-mail service, the only reader holding the contact key. */
  customerEmail: string;
  items: OrderLine[];
  /** Cents. */
  total: Cents;
}

/** The order is final and will not be fulfilled; each service undoes its own work for it. */
export interface OrderCancelled {
  eventId: string;
  eventType: "OrderCancelled";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  reason: CancellationReason;
  /** For the e-mail service, the only reader holding the contact key. */
  customerEmail: string;
}

/** Every line of the order is reserved (all or nothing). */
export interface StockReserved {
  eventId: string;
  eventType: "StockReserved";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  items: StockLine[];
}

/** A line could not be reserved, so none is. */
export interface StockReservationFailed {
  eventId: string;
  eventType: "StockReservationFailed";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  /** For people: why, e.g. not enough stock. */
  reason: string;
  /** The first line that could not be reserved. */
  sku: string | null;
}

/** A reservation was given back: the compensation for StockReserved. */
export interface StockReleased {
  eventId: string;
  eventType: "StockReleased";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  items: StockLine[];
}

/** A reservation became a sale, once the shipment was scheduled. */
export interface StockCommitted {
  eventId: string;
  eventType: "StockCommitted";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  items: StockLine[];
}

/** The order total was charged. */
export interface PaymentCaptured {
  eventId: string;
  eventType: "PaymentCaptured";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  paymentId: string;
  /** Cents. */
  amount: Cents;
}

/** The charge was declined; nothing was charged. */
export interface PaymentFailed {
  eventId: string;
  eventType: "PaymentFailed";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  /** For people: why, e.g. card declined. */
  reason: string;
}

/** A captured payment was paid back: the compensation for PaymentCaptured. */
export interface PaymentRefunded {
  eventId: string;
  eventType: "PaymentRefunded";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  paymentId: string;
  /** Cents. */
  amount: Cents;
}

/** The warehouse will ship the order. */
export interface ShipmentScheduled {
  eventId: string;
  eventType: "ShipmentScheduled";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  shipmentId: string;
  carrier: string | null;
}

/** The warehouse cannot ship the order. */
export interface ShipmentFailed {
  eventId: string;
  eventType: "ShipmentFailed";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  /** For people: why, e.g. no carrier serves the country. */
  reason: string;
}

/** An e-mail went to the customer. Carries no address. */
export interface EmailSent {
  eventId: string;
  eventType: "EmailSent";
  eventVersion: number;
  occurredAt: string;
  orderId: string;
  causationId: string | null;
  producer: string;
  kind: EmailKind;
  /** The SMTP Message-ID. */
  messageId: string;
}

/** A customer's data key for one category of personal data, wrapped by that category's key-encryption key. Keyed by keyId on the compacted datakeys topic; only services holding the KEK can unwrap it. */
export interface CustomerDataKeyIssued {
  eventId: string;
  eventType: "CustomerDataKeyIssued";
  eventVersion: number;
  occurredAt: string;
  causationId: string | null;
  producer: string;
  /** Named in every value sealed with this key (pii:v1:<keyId>:...). */
  keyId: string;
  customerId: string;
  /** contact (e-mail) or address: the personalData mark of the fields it seals. */
  category: string;
  /** Which key-encryption key wrapped it (rotation: a reader picks its KEK by this id). */
  kekId: string;
  /** base64(iv | AES-256-GCM ciphertext of the 32-byte data key | tag). */
  wrappedKey: string;
}

/** The customer asked for erasure: this data key is gone, and so is every value it sealed (crypto-shredding). Supersedes CustomerDataKeyIssued under compaction and stays as the marker that tells erased from not yet arrived. */
export interface CustomerDataKeyErased {
  eventId: string;
  eventType: "CustomerDataKeyErased";
  eventVersion: number;
  occurredAt: string;
  causationId: string | null;
  producer: string;
  keyId: string;
  customerId: string;
  category: string;
}

/** The events on the catalog topic. */
export type CatalogEvent = ProductListed;

/** The events on the orders topic. */
export type OrdersEvent = OrderPlaced | OrderConfirmed | OrderCancelled;

/** The events on the inventory topic. */
export type InventoryEvent = StockReserved | StockReservationFailed | StockReleased | StockCommitted;

/** The events on the payments topic. */
export type PaymentsEvent = PaymentCaptured | PaymentFailed | PaymentRefunded;

/** The events on the shipments topic. */
export type ShipmentsEvent = ShipmentScheduled | ShipmentFailed;

/** The events on the notifications topic. */
export type NotificationsEvent = EmailSent;

/** The events on the datakeys topic. */
export type DatakeysEvent = CustomerDataKeyIssued | CustomerDataKeyErased;

/** Every event, told apart by eventType. */
export type ShopEvent = CatalogEvent | OrdersEvent | InventoryEvent | PaymentsEvent | ShipmentsEvent | NotificationsEvent | DatakeysEvent;

export type EventType = ShopEvent["eventType"];
