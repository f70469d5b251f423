-- The email service's own table. The messaging tables (outbox, processed_events) come from
-- packages/messaging and are identical in every service database.

-- One row per mail the service set out to send, at most one of each kind per order (the primary
-- key). The row is the claim: it is committed as 'sending' BEFORE the SMTP conversation starts,
-- so a redelivered event, a restarted process or a second instance finds it and sends nothing.
CREATE TABLE emails (
  order_id   uuid NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('receipt', 'cancellation')),
  -- Personal data: outside the orders topic, the only copy of the customer's address.
  recipient  text NOT NULL,
  subject    text NOT NULL,
  -- <kind.orderId@domain>: the same on every attempt, so a receiving side can deduplicate.
  message_id text NOT NULL,
  -- sending: claimed, outcome not known: in flight, or the process died or the session broke
  --          before the server confirmed. Never resent automatically (at most once).
  -- sent:    the SMTP server accepted the mail (250 after DATA).
  -- failed:  certainly not sent (server unreachable, or it refused the mail); may be claimed again.
  status     text NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'sent', 'failed')),
  attempts   int NOT NULL DEFAULT 1,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at    timestamptz,
  PRIMARY KEY (order_id, kind),
  CHECK ((sent_at IS NOT NULL) = (status = 'sent'))
);

-- What an operator looks for: claims whose outcome is unknown (see the README).
CREATE INDEX emails_unconfirmed ON emails (updated_at) WHERE status = 'sending';
