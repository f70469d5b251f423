-- A captured or refunded payment has the amount it charged: db.ts reads such a row as a capture of
-- that amount, and the type says a capture always has one. Every row this service wrote already
-- does (it charges only once OrderPlaced gave the amount); the CHECK makes the database say so too.
ALTER TABLE payments ADD CONSTRAINT payments_capture_has_amount CHECK (payment_id IS NULL OR amount IS NOT NULL);
