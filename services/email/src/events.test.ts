/**
 * The handler under the real inbox consumer (Kafka, PostgreSQL, the schema registry, an SMTP
 * server): what the consumer does with the errors sendMails throws.
 */
import { randomUUID } from "node:crypto";
import { newEvent } from "@shop/contracts";
import { consume, ensureTopics, messagingMigrations, migrate, startRelay, withTransaction } from "@shop/messaging";
import { createLogger } from "@shop/observability";
import { waitFor } from "@shop/infra";
import { freshDatabase, useEnvironment } from "@shop/testkit";
import { listEmails } from "./emails";
import { eventHandler } from "./events";
import { createMailer } from "./smtp";
import { testDatabase } from "@shop/service-kit/testing";
import { testKeyring, testSmtpServer } from "./testing";

// Real Kafka and PostgreSQL: a consumer group join and a fetch take seconds on a loaded machine (a waitFor gives up after 15 s).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

test("when the SMTP server is down, then the consumer retries until it is back, and the receipt goes once, nothing dead-lettered", async () => {
  const kafka = { clientId: "email-test", brokers: useEnvironment().brokers, credentials: useEnvironment().kafkaCredentials("admin") };
  const topic = `email-test-${randomUUID().slice(0, 8)}`;
  await ensureTopics(kafka, [topic]);
  const db = await testDatabase("email");
  const upstream = await freshDatabase("email_upstream", (pool) => migrate(pool, messagingMigrations)); // where the event comes from
  const relay = startRelay({ databaseUrl: upstream.url, kafka });
  const smtp = await testSmtpServer(); // not started: down
  const mailer = createMailer({ url: smtp.url, from: "Shop <orders@shop.example>" });
  const logger = createLogger("email", "silent");
  const { keyring, customer } = testKeyring();
  const sealedAda = (await customer()).seal("ada@example.com");
  const asStored = (to: string) => to;
  const consumer = await consume({
    kafka, pool: db.pool, codec: db.codec, logger, groupId: `email-test-${randomUUID()}`, topics: [topic],
    handleBatch: eventHandler({ pool: db.pool, outbox: db.outbox, mailer, logger, keyring }), backoff: { initialMs: 50, maxMs: 200 },
  });
  try {
    const orderId = randomUUID();
    const event = newEvent("OrderConfirmed", {
      orderId, customerEmail: sealedAda, items: [{ sku: "BOOK-1", quantity: 1, unitPrice: 1999 }], total: 1999,
    }, { producer: "order" });
    await withTransaction(upstream.pool, (tx) => db.outbox.add(tx, event, { topic, key: orderId }));

    await waitFor("the consumer to retry", () => consumer.status().retries >= 3);
    expect(smtp.mails).toEqual([]);
    // Between two attempts the claim is given back ('failed'); during one it is 'sending' again: wait for a moment between.
    await waitFor("the claim to be given back", async () => (await listEmails(db.pool, orderId, asStored))[0]?.status === "failed", { intervalMs: 10 });

    await smtp.start();
    await waitFor("the event to be handled", () => consumer.status().handled === 1);
    expect(smtp.mails).toHaveLength(1);
    expect(await listEmails(db.pool, orderId, asStored)).toMatchObject([{ status: "sent" }]);
    expect((await db.outboxEvents(orderId)).map((sent) => sent.eventType)).toEqual(["EmailSent"]);
    expect(consumer.status().deadLettered).toBe(0);
  } finally {
    await consumer.stop();
    await relay.stop();
    mailer.close();
    await smtp.stop();
    await upstream.drop();
    await db.drop();
  }
}, 90_000); // two fresh databases made and dropped (a drop took over 15 s under load), three waits of up to 15 s
