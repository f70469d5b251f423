-- OrderConfirmed (topic orders) arrived for the reservation's order: its units are sold for good.
-- An OrderCancelled after it contradicts the order: it is reported and takes nothing back (a
-- credential can leak; see the README, "Consumes").
ALTER TABLE reservations ADD COLUMN order_confirmed boolean NOT NULL DEFAULT false;
