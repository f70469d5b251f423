/**
 * One valid event of each type, for tests and docs: typed by the generated types and, in
 * schemas.test.ts, encoded with the schemas, so a drift between the two fails a test.
 */
import type { EventOf } from "./events";
import type { EventType } from "./generated";

const envelope = {
  eventVersion: 1,
  occurredAt: "2025-01-31T12:00:00.000Z",
  orderId: "6f1c2a4e-8a0b-4c57-9d2e-1b3f5a7c9e01",
  causationId: "0b8e5d0c-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
  eventId: "9a7b5c3d-1e2f-4a6b-8c0d-2e4f6a8b0c1d",
};
const items = [{ sku: "BOOK-1", quantity: 2, unitPrice: 1999 }, { sku: "MUG-1", quantity: 1, unitPrice: 899 }];
const stock = items.map(({ sku, quantity }) => ({ sku, quantity }));

export const examples: { [T in EventType]: EventOf<T> } = {
  ProductListed: {
    eventId: envelope.eventId, eventType: "ProductListed", eventVersion: 1, occurredAt: envelope.occurredAt, causationId: null,
    producer: "inventory", sku: "BOOK-1", name: "A Book", price: 1999,
  },
  OrderPlaced: {
    ...envelope, eventType: "OrderPlaced", eventVersion: 2, causationId: null, producer: "order",
    customerId: "customer-1", items, total: 4897, paymentMethod: "tok_visa",
    shippingAddress: { name: "Ada Lovelace", line1: "12 St James's Square", city: "London", postalCode: "SW1Y 4JH", country: "GB" },
    couponCode: "WELCOME10",
  },
  OrderConfirmed: { ...envelope, eventType: "OrderConfirmed", producer: "order", customerEmail: "ada@example.com", items, total: 4897 },
  OrderCancelled: { ...envelope, eventType: "OrderCancelled", producer: "order", reason: "payment_declined", customerEmail: "ada@example.com" },
  StockReserved: { ...envelope, eventType: "StockReserved", producer: "inventory", items: stock },
  StockReservationFailed: { ...envelope, eventType: "StockReservationFailed", producer: "inventory", reason: "only 1 of BOOK-1 available", sku: "BOOK-1" },
  StockReleased: { ...envelope, eventType: "StockReleased", producer: "inventory", items: stock },
  StockCommitted: { ...envelope, eventType: "StockCommitted", producer: "inventory", items: stock },
  PaymentCaptured: { ...envelope, eventType: "PaymentCaptured", producer: "payment", paymentId: "pay-1", amount: 4897 },
  PaymentFailed: { ...envelope, eventType: "PaymentFailed", producer: "payment", reason: "card declined" },
  PaymentRefunded: { ...envelope, eventType: "PaymentRefunded", producer: "payment", paymentId: "pay-1", amount: 4897 },
  ShipmentScheduled: { ...envelope, eventType: "ShipmentScheduled", producer: "warehouse", shipmentId: "ship-1", carrier: "DHL" },
  ShipmentFailed: { ...envelope, eventType: "ShipmentFailed", producer: "warehouse", reason: "no carrier ships to ZZ" },
  EmailSent: { ...envelope, eventType: "EmailSent", producer: "email", kind: "receipt", messageId: "<1@shop.example>" },
  CustomerDataKeyIssued: {
    eventId: envelope.eventId, eventType: "CustomerDataKeyIssued", eventVersion: 1, occurredAt: envelope.occurredAt, causationId: null,
    producer: "order", keyId: "3c0f8a52-7d1e-4b6a-9f2c-8e5d4a3b2c1d", customerId: "customer-1", category: "contact",
    kekId: "contact-kek-1", wrappedKey: "AAAAAAAAAAAAAAAA",
  },
  CustomerDataKeyErased: {
    eventId: envelope.eventId, eventType: "CustomerDataKeyErased", eventVersion: 1, occurredAt: envelope.occurredAt, causationId: null,
    producer: "order", keyId: "3c0f8a52-7d1e-4b6a-9f2c-8e5d4a3b2c1d", customerId: "customer-1", category: "contact",
  },
};
