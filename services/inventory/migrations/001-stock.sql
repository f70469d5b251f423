-- The inventory service's own tables. The messaging tables (outbox, processed_events) come from
-- packages/messaging and are identical in every service database.

-- The stock of each product. A unit is in exactly one column: available (can be reserved),
-- reserved (held for an order in flight) or sold. The CHECKs are the last line of defence
-- against overselling: a bug that would take available below zero fails instead.
CREATE TABLE products (
  sku       text PRIMARY KEY,
  name      text NOT NULL,
  price     bigint NOT NULL CHECK (price >= 0),   -- cents
  available integer NOT NULL CHECK (available >= 0),
  reserved  integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  sold      integer NOT NULL DEFAULT 0 CHECK (sold >= 0)
);

-- What each order holds, one row per SKU (an order's lines for the same SKU are summed).
-- Rows move reserved → released (compensation) or reserved → committed (sale), never back.
CREATE TABLE reservations (
  order_id   uuid NOT NULL,
  sku        text NOT NULL REFERENCES products (sku),
  quantity   integer NOT NULL CHECK (quantity > 0),
  status     text NOT NULL CHECK (status IN ('reserved', 'released', 'committed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, sku)
);

-- Orders inventory was told to release while it held nothing for them: after a failed
-- reservation (OrderCancelled(out_of_stock) follows it), or when the release overtook the
-- OrderPlaced (a re-driven dead letter). An OrderPlaced that arrives later reserves nothing.
CREATE TABLE released_orders (
  order_id    uuid PRIMARY KEY,
  released_by text NOT NULL,                      -- the event type that asked for the release
  released_at timestamptz NOT NULL DEFAULT now()
);
