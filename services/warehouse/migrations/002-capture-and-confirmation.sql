-- What the warehouse checks before it trusts a fact (a credential can leak; see the README, "Consumes"):
-- the order total (from OrderPlaced) and the amount captured (from PaymentCaptured), which must be
-- equal before a parcel is booked; and whether OrderConfirmed arrived, after which an
-- OrderCancelled contradicts the order and cancels nothing.
ALTER TABLE shipments
  ADD COLUMN order_total bigint,
  ADD COLUMN captured_amount bigint,
  ADD COLUMN order_confirmed boolean NOT NULL DEFAULT false;
-- A row paid before this migration but not yet booked has no captured amount: it books nothing,
-- and the saga's deadline cancels its order. Simplification: no backfill for a reference system.
