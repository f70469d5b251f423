-- The warehouse service's own table. The messaging tables (outbox, processed_events) come from
-- packages/messaging and are identical in every service database.

-- One row per order: the facts the warehouse needs meet here, whichever topic they came from
-- and in whatever order. Handlers lock the row (SELECT ... FOR UPDATE), store their fact, and
-- act when the row has all it needs.
CREATE TABLE shipments (
  order_id         uuid PRIMARY KEY,
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'scheduled', 'failed', 'cancelled')),
  -- From OrderPlaced (topic orders); null until it arrives, which may be after PaymentCaptured.
  shipping_address jsonb,
  -- PaymentCaptured (topic payments) arrived: the go-ahead to ship.
  paid             boolean NOT NULL DEFAULT false,
  -- OrderCancelled arrived: never schedule from now on; stop a parcel already scheduled.
  cancelled        boolean NOT NULL DEFAULT false,
  -- The carrier's booking: one per order (the carrier derives its id from the order id).
  shipment_id      text UNIQUE,
  carrier          text,
  reason           text, -- why the carrier refused
  updated_at       timestamptz NOT NULL DEFAULT now()
);
