-- POST /orders with an Idempotency-Key already used: the same body answers with the same order,
-- a different body is the client's mistake (422). To tell the two apart, each order keeps the
-- SHA-256 of the body that placed it (hex, of its canonical JSON: keys sorted, no spaces).
-- Orders placed before this column have none: a retry of one of them is taken as the same request.
ALTER TABLE orders ADD COLUMN body_sha256 text;
