// The email service: sends the receipt when an order is confirmed and a cancellation notice when
// it is cancelled, at most once per order, over SMTP.
// Reading order: main.ts (wiring) → http.ts (API) → events.ts (what each event does) →
// emails.ts (the mails and the at-most-once protocol) → one-outcome.ts (a receipt or a
// cancellation notice, never both) → smtp.ts (sending, and what a failure means) → db.ts (SQL) → migrations/.
// The start-up and shutdown every service shares are runService's (packages/service-kit/src/run-service.ts).
import { localKek } from "@shop/messaging";
import { followPersonalData, runService } from "@shop/service-kit";
import { loadConfig } from "./config";
import { watchUnconfirmed } from "./emails";
import { eventHandler } from "./events";
import { buildHttp } from "./http";
import { createMailer } from "./smtp";

runService({
  service: "email",
  loadConfig,
  async compose({ config, kafka, logger, pool, readiness, registryCodec, startOutbox, onStop }) {
    const mailer = createMailer({ url: config.SMTP_URL, from: config.EMAIL_FROM }); // connects when it first sends
    onStop(async () => mailer.close()); // after the consumer: the batch in flight sends its mails first
    watchUnconfirmed(pool);
    // The customers' e-mail keys (the contact category only, decision 014): a mail opens the address to send.
    const keks = { contact: localKek("contact", config.PERSONAL_DATA_KEK_CONTACT) };
    const { keyring, codec } = await followPersonalData({ service: "email", kafka, logger, registryCodec, keks, onStop });
    const outbox = startOutbox(codec);
    return {
      codec,
      handleBatch: eventHandler({ pool, outbox, mailer, logger, keyring }),
      http: buildHttp({ logger, pool, keyring, adminToken: config.EMAIL_ADMIN_TOKEN, readiness }),
    };
  },
});
