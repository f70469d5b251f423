-- OrderConfirmed (topic orders) arrived: the order is final and fulfilled. A cancellation that
-- arrives after it (OrderCancelled, ShipmentFailed) contradicts it: it is reported, not stored,
-- and nothing is refunded for it (a credential can leak; see the README, "Consumes").
ALTER TABLE payments ADD COLUMN order_confirmed boolean NOT NULL DEFAULT false;
