-- The analytics read model (CQRS): tables built only from events, so they can be dropped and
-- built again by replaying the topics (src/rebuild.ts). The messaging tables (outbox,
-- processed_events) come from packages/messaging; analytics uses processed_events only.

-- One row per order, one column per fact. Facts come from three topics, so in any order: each
-- handler writes only its own columns, and when a fact could come twice with different values
-- the earliest occurrence wins (timestamps) or the larger amount does (money). Whatever the
-- arrival order, the same events give the same row.
CREATE TABLE orders (
  order_id         uuid PRIMARY KEY,
  placed_at        timestamptz, -- OrderPlaced.occurredAt
  total            bigint,      -- OrderPlaced.total, cents
  confirmed_at     timestamptz, -- OrderConfirmed.occurredAt
  cancelled_at     timestamptz, -- OrderCancelled.occurredAt
  reason           text,        -- OrderCancelled.reason
  captured_amount  bigint NOT NULL DEFAULT 0, -- PaymentCaptured.amount, cents
  refunded_amount  bigint NOT NULL DEFAULT 0, -- PaymentRefunded.amount, cents
  -- Derived, never written by a handler. Cancelled takes precedence over confirmed: the order
  -- service emits one or the other, and if both were ever seen, the cancellation is final.
  status           text GENERATED ALWAYS AS (
                     CASE WHEN cancelled_at IS NOT NULL THEN 'cancelled'
                          WHEN confirmed_at IS NOT NULL THEN 'confirmed'
                          ELSE 'in_flight' END) STORED,
  -- From OrderPlaced to the final event, by the order service's clock; null until both are known.
  saga_duration_ms bigint GENERATED ALWAYS AS (
                     (extract(epoch FROM coalesce(cancelled_at, confirmed_at) - placed_at) * 1000)::bigint) STORED
);

-- The catalogue as it stands: the latest ProductListed per SKU. The catalog topic is compacted
-- (Kafka keeps the latest message per SKU and drops older ones), so a replay cannot count every
-- listing ever made; it always finds the latest per SKU, and that is all this table keeps.
CREATE TABLE products (
  sku       text PRIMARY KEY,
  price     bigint NOT NULL,      -- cents
  listed_at timestamptz NOT NULL  -- ProductListed.occurredAt: the latest listing wins
);

-- How many events of each type were handled, on the history topics (not the catalog, above).
-- An increment is not idempotent by itself: the inbox (processed_events, same transaction)
-- makes sure each event increments once.
CREATE TABLE event_counts (
  event_type text PRIMARY KEY,
  count      bigint NOT NULL
);

-- Which build of the read model this is. Its consumer group is named after it
-- ("analytics.<first 8 hex digits of build_id>"): the offsets a group commits in Kafka say how
-- far these tables got, so they belong to them. A new database, or a rebuild (src/rebuild.ts),
-- gets a new group, which has no committed offsets and reads every topic from the beginning.
CREATE TABLE read_model (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  build_id  uuid NOT NULL DEFAULT gen_random_uuid(),
  built_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO read_model DEFAULT VALUES;
