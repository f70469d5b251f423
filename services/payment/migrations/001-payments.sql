-- The payment service's own table. The messaging tables (outbox, processed_events) come from
-- packages/messaging and are identical in every service database.

-- One row per order: every fact payment needs about the order meets here, whichever topic it
-- came from and in whatever order. Handlers lock the row (SELECT ... FOR UPDATE), store their
-- fact, and act when the row has all it needs. Money is in cents.
CREATE TABLE payments (
  order_id        uuid PRIMARY KEY,
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'captured', 'declined', 'refunded', 'cancelled')),
  -- From OrderPlaced (topic orders); null until it arrives, which may be after StockReserved.
  amount          bigint CHECK (amount >= 0),
  payment_method  text,
  -- StockReserved (topic inventory) arrived: the go-ahead to charge.
  stock_reserved  boolean NOT NULL DEFAULT false,
  -- OrderCancelled or ShipmentFailed arrived: never charge from now on; refund if charged.
  cancelled       boolean NOT NULL DEFAULT false,
  -- The provider's id for the one capture. Set exactly when the order was charged, and unique:
  -- the provider derives it from the order id, so a second capture of an order cannot be stored.
  payment_id      text UNIQUE,
  reason          text, -- why the charge was declined
  refunded_amount bigint NOT NULL DEFAULT 0,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((payment_id IS NOT NULL) = (status IN ('captured', 'refunded'))),
  CHECK (refunded_amount = 0 OR (status = 'refunded' AND refunded_amount = amount))
);
