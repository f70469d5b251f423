-- Personal data (docs/decisions/014): a data key per customer and category, wrapped by that
-- category's key-encryption key. Erasure sets erased_at and forgets the wrapped key: every value
-- it sealed (in events, and in orders.email / orders.shipping_address) can no longer be read.
CREATE TABLE customer_data_keys (
  key_id      uuid PRIMARY KEY,
  customer_id text NOT NULL,
  category    text NOT NULL CHECK (category IN ('contact', 'address')),
  kek_id      text NOT NULL,
  wrapped_key text,                 -- NULL once erased
  created_at  timestamptz NOT NULL DEFAULT now(),
  erased_at   timestamptz,
  CHECK ((erased_at IS NULL) = (wrapped_key IS NOT NULL))
);
-- One live key per customer and category: two first orders of a customer at once agree on one.
CREATE UNIQUE INDEX customer_data_keys_live ON customer_data_keys (customer_id, category) WHERE erased_at IS NULL;
