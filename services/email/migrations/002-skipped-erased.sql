-- Personal data (docs/decisions/014): recipient holds the address sealed (pii:v1:...), as the
-- event carried it, so erasing the customer's key shreds this copy too. A mail whose customer was
-- erased before it went ends 'skipped_erased': final, like 'sent', so the order keeps one outcome.
ALTER TABLE emails DROP CONSTRAINT emails_status_check;
ALTER TABLE emails ADD CONSTRAINT emails_status_check CHECK (status IN ('sending', 'sent', 'failed', 'skipped_erased'));
COMMENT ON COLUMN emails.recipient IS 'sealed (pii:v1:<keyId>:...): opened only to send, and for GET /emails with EMAIL_ADMIN_TOKEN';
