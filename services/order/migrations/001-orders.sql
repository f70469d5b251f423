-- The order service's own tables. The messaging tables (outbox, processed_events) come from
-- packages/messaging and are identical in every service database.

-- Orders and their saga state. Money is in cents.
CREATE TABLE orders (
  id               uuid PRIMARY KEY,
  status           text NOT NULL CHECK (status IN ('PENDING', 'RESERVED', 'PAID', 'CONFIRMED', 'CANCELLED')),
  reason           text,
  customer_id      text NOT NULL,
  email            text NOT NULL,
  items            jsonb NOT NULL,          -- [{sku, quantity, unitPrice}]
  total            bigint NOT NULL,
  payment_method   text NOT NULL,
  shipping_address jsonb NOT NULL,
  -- Same key, same order: the client may retry POST /orders safely.
  idempotency_key  text UNIQUE,
  created_at       timestamptz NOT NULL,
  -- When an order still in flight is cancelled with reason `timeout` (SAGA_TIMEOUT_MS after creation).
  deadline_at      timestamptz NOT NULL
);
-- The deadline watch looks only at orders in flight.
CREATE INDEX orders_in_flight ON orders (deadline_at) WHERE status IN ('PENDING', 'RESERVED', 'PAID');

-- Every event of the order's saga, as GET /orders/:id shows it.
CREATE TABLE order_history (
  order_id    uuid NOT NULL REFERENCES orders (id),
  event_id    uuid NOT NULL,
  event_type  text NOT NULL,
  occurred_at timestamptz NOT NULL,
  producer    text NOT NULL,
  PRIMARY KEY (order_id, event_id)
);

-- The order service's own copy of the catalogue, built from the compacted `catalog` topic
-- (event-carried state transfer): orders are priced without calling inventory.
CREATE TABLE catalog (
  sku   text PRIMARY KEY,
  name  text NOT NULL,
  price bigint NOT NULL
);
