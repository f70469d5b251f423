// The email service: sends the receipt when an order is confirmed and a cancellation notice when
// it is cancelled, at most once per order, over SMTP.
// Reading order: main.ts (wiring) → http.ts (API) → events.ts (what each event does) →
// emails.ts (the mails and the at-most-once protocol) → one-outcome.ts (a receipt or a
// cancellation notice, never both) → smtp.ts (sending, and what a failure means) → db.ts (SQL) → migrations/.
// The start-up and shutdown every service shares are runService's (packages/service-kit/src/run-service.ts).
import { personalFields, topicOwners, topics } from "@shop/contracts";
import { createKeyring, followKeyTopic, localKek, personalDataCodec } from "@shop/messaging";
import { runService } from "@shop/service-kit";
import { loadConfig } from "./config";
import { watchUnconfirmed } from "./emails";
import { eventHandler } from "./events";
import { buildHttp } from "./http";
import { createMailer } from "./smtp";

runService({
  service: "email",
  loadConfig,
  async compose({ config, kafka, logger, pool, readiness, registryCodec, startOutbox, onStop }) {
    // The customers' e-mail keys, read from datakeys before consuming (decision 014); events keep
    // the address sealed, a mail opens it to send.
    const keyring = createKeyring({ contact: localKek("contact", config.PERSONAL_DATA_KEK_CONTACT) });
    const keys = await followKeyTopic({ kafka, service: "email", topic: topics.datakeys, producer: topicOwners.datakeys, codec: registryCodec, keyring });
    onStop(() => keys.stop());
    const codec = personalDataCodec(registryCodec, { fields: personalFields(), keyring });
    const outbox = startOutbox(codec);
    const mailer = createMailer({ url: config.SMTP_URL, from: config.EMAIL_FROM });
    onStop(async () => mailer.close()); // after the consumer: the batch in flight sends its mails first
    watchUnconfirmed(pool);
    return {
      codec,
      handleBatch: eventHandler({ pool, outbox, mailer, logger, keyring }),
      http: buildHttp({ logger, pool, keyring, adminToken: config.EMAIL_ADMIN_TOKEN, readiness }),
    };
  },
});
