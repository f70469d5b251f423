/**
 * The at-most-once protocol against a real PostgreSQL, the real schema registry and a real SMTP
 * server. Events go through the service's batch handler (events.ts) in a transaction, as the
 * inbox would call it (most tests deliver a batch of one); redeliveries bypass the inbox on
 * purpose: the protocol alone must not send twice.
 */
import { randomUUID } from "node:crypto";
import { newEvent, type CancellationReason, type ShopEvent } from "@shop/contracts";
import { classifyError, RetriableError, withTransaction } from "@shop/messaging";
import { statementsDuring } from "@shop/testkit";
import { createLogger } from "@shop/observability";
import { claim, countUnconfirmed } from "./db";
import { listEmails, messageIdOf, receipt } from "./emails";
import { eventHandler } from "./events";
import { createMailer, type Mailer } from "./smtp";
import { testDatabase } from "@shop/service-kit/testing";
import { testKeyring, testSmtpServer, type TestSmtpServer } from "./testing";

// Real PostgreSQL: a fresh database per file, migrated, then dropped (a DROP DATABASE took over 15 s
// under a load average of 17 on 2 cores).
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

let db: Awaited<ReturnType<typeof testDatabase>>;
let smtp: TestSmtpServer;
let mailer: Mailer;
let handle: ReturnType<typeof eventHandler>;
const { keyring, customer } = testKeyring();
let ada: Awaited<ReturnType<typeof customer>>;
let sealedAda: string; // the address as order sends it
const asStored = (to: string) => to;
beforeAll(async () => {
  ada = await customer();
  sealedAda = ada.seal("ada@example.com");
  db = await testDatabase("email");
  smtp = await testSmtpServer();
  await smtp.start();
  mailer = createMailer({ url: smtp.url, from: "Shop <orders@shop.example>" });
  handle = eventHandler({ pool: db.pool, outbox: db.outbox, mailer, logger: createLogger("email", "silent"), keyring });
});
afterAll(async () => {
  mailer.close();
  await smtp.stop();
  await db.drop();
});

/** The events as one batch of the inbox, in its transaction (redeliveries included: the protocol alone must hold). */
const deliverBatch = (events: ShopEvent[]) =>
  withTransaction(db.pool, (tx) => handle(events.map((event, i) => ({ event, traceContext: undefined, headers: {}, topic: "orders", partition: 0, offset: String(i) })), tx));
const deliver = (event: ShopEvent) => deliverBatch([event]);

const confirmed = (orderId: string) => newEvent("OrderConfirmed", {
  orderId, customerEmail: sealedAda, items: [{ sku: "BOOK-1", quantity: 2, unitPrice: 1999 }], total: 3998,
}, { producer: "order" });
const cancelled = (orderId: string, reason: CancellationReason) =>
  newEvent("OrderCancelled", { orderId, reason, customerEmail: sealedAda }, { producer: "order" });

const mailsFor = (orderId: string) => smtp.mails.filter((mail) => mail.raw.includes(orderId));
const types = async (orderId: string) => (await db.outboxEvents(orderId)).map((event) => event.eventType);
const lastError = async (orderId: string) =>
  (await db.pool.query<{ last_error: string | null }>("SELECT last_error FROM emails WHERE order_id = $1", [orderId])).rows[0]?.last_error;

describe("receipts", () => {
  test("when OrderConfirmed arrives, then one receipt goes to the customer, and EmailSent (without the address) is in the outbox", async () => {
    const orderId = randomUUID();
    const event = confirmed(orderId);
    await deliver(event);

    const [mail, ...more] = mailsFor(orderId);
    expect(more).toEqual([]);
    expect(mail!.to).toEqual(["ada@example.com"]);
    expect(mail!.header("Subject")).toBe(`Your order ${orderId.slice(0, 8)} is confirmed`);
    expect(mail!.header("Message-ID")).toBe(`<receipt.${orderId}@shop.example>`);
    expect(mail!.raw).toContain("2 x BOOK-1 at 19.99");
    expect(mail!.raw).toContain("Total: 39.98");

    const [sent, ...others] = await db.outboxEvents(orderId);
    expect(others).toEqual([]);
    expect(sent).toEqual(expect.objectContaining({
      eventType: "EmailSent", orderId, kind: "receipt", messageId: `<receipt.${orderId}@shop.example>`,
      producer: "email", causationId: event.eventId,
    }));
    expect(JSON.stringify(sent)).not.toContain("ada@example.com");
  });

  test("when the same OrderConfirmed is handled twice, and again with a new eventId, then one receipt is sent and one EmailSent written", async () => {
    const orderId = randomUUID();
    const event = confirmed(orderId);
    for (const again of [event, event, confirmed(orderId)]) await deliver(again);

    expect(mailsFor(orderId)).toHaveLength(1);
    expect(await types(orderId)).toEqual(["EmailSent"]);
  });

  test("when the inbox transaction rolls back after the receipt went, then handling the event again sends nothing more", async () => {
    const orderId = randomUUID();
    const event = confirmed(orderId);
    // A later event of the same batch fails: the inbox rolls back and handles this one again.
    const rolledBack = withTransaction(db.pool, async (tx) => {
      await handle([{ event, traceContext: undefined, headers: {}, topic: "orders", partition: 0, offset: "0" }], tx);
      throw new Error("the next event in the batch failed");
    });
    await expect(rolledBack).rejects.toThrow("the next event in the batch failed");
    await deliver(event);

    expect(mailsFor(orderId)).toHaveLength(1);
    expect(await types(orderId)).toEqual(["EmailSent"]);
  });

  test("when two instances handle the order's confirmation at the same time, then one receipt is sent", async () => {
    const orderId = randomUUID();
    await Promise.all([deliver(confirmed(orderId)), deliver(confirmed(orderId))]);

    expect(mailsFor(orderId)).toHaveLength(1);
    expect(await types(orderId)).toEqual(["EmailSent"]);
  });

  test("when a previous process claimed the receipt and died before it knew the outcome, then the restarted service does not send it", async () => {
    const orderId = randomUUID();
    const mail = receipt(confirmed(orderId));
    await claim(db.pool, { ...mail, messageId: messageIdOf(mail, mailer.domain) }); // all the dead process left behind
    await deliver(confirmed(orderId)); // Kafka redelivers: the offset was not committed

    expect(mailsFor(orderId)).toEqual([]);
    expect(await listEmails(db.pool, orderId, asStored)).toMatchObject([{ status: "sending" }]); // for an operator to settle
    expect(await countUnconfirmed(db.pool, 0)).toBeGreaterThan(0); // the emails_unconfirmed gauge
  });
});

describe("cancellation notices", () => {
  test.each([
    ["out_of_stock", "because an item was out of stock."],
    ["payment_declined", "because your payment was declined."],
    ["fulfillment_failed", "because we cannot ship to your address."],
    ["timeout", "because it took too long to complete."],
    ["unknown", "because we could not complete it."],
  ] as const)("when OrderCancelled(%s) arrives, then the notice says %j", async (reason, words) => {
    const orderId = randomUUID();
    await deliver(cancelled(orderId, reason));
    await deliver(cancelled(orderId, reason)); // redelivered

    const [mail, ...more] = mailsFor(orderId);
    expect(more).toEqual([]);
    expect(mail!.header("Subject")).toBe(`Your order ${orderId.slice(0, 8)} was cancelled`);
    expect(mail!.header("Message-ID")).toBe(`<cancellation.${orderId}@shop.example>`);
    expect(mail!.raw).toContain(words);
    expect(await db.outboxEvents(orderId)).toEqual([expect.objectContaining({ eventType: "EmailSent", kind: "cancellation" })]);
  });
});

describe("when sending fails", () => {
  test("when the SMTP server is down, then the handler fails with an error the consumer retries for as long as it takes, and the retry sends once", async () => {
    const orderId = randomUUID();
    const event = confirmed(orderId);
    await smtp.stop();
    let error: unknown;
    try {
      await deliver(event).catch((caught: unknown) => (error = caught));
      expect(error).toBeInstanceOf(RetriableError);
      expect(classifyError(error)).toBe("unavailable"); // wait, never dead-letter: no event is at fault
      expect(await listEmails(db.pool, orderId, asStored)).toMatchObject([{ status: "failed", sentAt: null }]); // does not block the retry
      expect(await types(orderId)).toEqual([]);
    } finally {
      await smtp.start();
    }

    await deliver(event); // the consumer's retry
    expect(mailsFor(orderId)).toHaveLength(1);
    expect(await listEmails(db.pool, orderId, asStored)).toMatchObject([{ status: "sent", sentAt: expect.any(String) }]);
    expect(await types(orderId)).toEqual(["EmailSent"]);
  }, 30_000); // the mailer gives up on the stopped server after its 10 s timeout

  test.each([
    [451, "transient"], // retried a few times, then dead-lettered
    [550, "permanent"], // dead-lettered at once; a re-drive sends it
  ] as const)("when the server refuses the mail with %i, then the error is %s and a later attempt sends it", async (code, kind) => {
    const orderId = randomUUID();
    const event = cancelled(orderId, "timeout");
    smtp.refuseNext(code);
    const error = await deliver(event).catch((caught: unknown) => caught);
    expect(classifyError(error)).toBe(kind);
    expect(await listEmails(db.pool, orderId, asStored)).toMatchObject([{ status: "failed" }]);

    await deliver(event);
    expect(mailsFor(orderId)).toHaveLength(1);
    expect(await types(orderId)).toEqual(["EmailSent"]);
  });

  test("when the connection drops after the server read the mail but before it answered, then the mail stays 'sending' and is never sent again", async () => {
    const orderId = randomUUID();
    const event = confirmed(orderId);
    smtp.hangUpNext();
    await deliver(event); // nothing to retry: it may have gone

    expect(mailsFor(orderId)).toHaveLength(1); // it had, this time
    expect(await listEmails(db.pool, orderId, asStored)).toMatchObject([{ status: "sending", sentAt: null }]);
    await deliver(event);
    await deliver(confirmed(orderId));
    expect(mailsFor(orderId)).toHaveLength(1);
    expect(await types(orderId)).toEqual([]); // no EmailSent: the service does not know it was sent
  });
});

describe("one outcome per order (a forged event: a credential can leak)", () => {
  test("when OrderCancelled arrives after the receipt, then no cancellation notice goes, no row or EmailSent is written, and the contradiction is logged", async () => {
    const orderId = randomUUID();
    const forged = cancelled(orderId, "timeout");
    const lines: string[] = [];
    const recording = eventHandler({ pool: db.pool, outbox: db.outbox, mailer, logger: createLogger("email", "warn", { write: (line: string) => void lines.push(line) }), keyring });
    await deliver(confirmed(orderId));
    await withTransaction(db.pool, (tx) => recording([{ event: forged, traceContext: undefined, headers: {}, topic: "orders", partition: 0, offset: "1" }], tx));

    expect(mailsFor(orderId).map((mail) => mail.header("Subject"))).toEqual([`Your order ${orderId.slice(0, 8)} is confirmed`]);
    expect(await listEmails(db.pool, orderId, asStored)).toMatchObject([{ kind: "receipt", status: "sent" }]);
    expect(await types(orderId)).toEqual(["EmailSent"]);
    expect(lines.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({
      level: "warn", orderId, eventType: "OrderCancelled", eventId: forged.eventId, contradicts: "the order was confirmed",
    })]);
  });

  test("when the confirmation and a cancellation of one order come in one batch, then only the first outcome's mail goes", async () => {
    const [confirmedFirst, cancelledFirst] = [randomUUID(), randomUUID()];
    await deliverBatch([confirmed(confirmedFirst), cancelled(cancelledFirst, "timeout"), cancelled(confirmedFirst, "timeout"), confirmed(cancelledFirst)]);

    expect(await listEmails(db.pool, confirmedFirst, asStored)).toMatchObject([{ kind: "receipt", status: "sent" }]);
    expect(await listEmails(db.pool, cancelledFirst, asStored)).toMatchObject([{ kind: "cancellation", status: "sent" }]);
    expect([mailsFor(confirmedFirst).length, mailsFor(cancelledFirst).length]).toEqual([1, 1]);
  });
});

describe("a batch of mails at once", () => {
  /** Four orders' outcomes, interleaved as one batch would bring them, with a redelivered event and a copy with another eventId. */
  const interleaved = ([a, b, c, d]: string[]) => {
    const receiptA = confirmed(a!);
    return [receiptA, cancelled(b!, "payment_declined"), confirmed(c!), receiptA, cancelled(d!, "out_of_stock"), confirmed(c!)];
  };
  /** What an order ended with (rows, EmailSent and the mails received), its id blanked out; causes as positions in `events`. */
  const outcome = async (orderId: string, events: readonly ShopEvent[]) => {
    const rows = (await listEmails(db.pool, orderId, asStored)).map(({ sentAt, ...row }) => ({ ...row, sent: sentAt !== null }));
    const announced = (await db.outboxEvents(orderId)).map((event) => ({
      ...event, eventId: undefined, occurredAt: undefined, causationId: events.findIndex((cause) => cause.eventId === event.causationId),
    }));
    const received = mailsFor(orderId).map((mail) => ({ to: mail.to, subject: mail.header("Subject"), messageId: mail.header("Message-ID") }));
    return JSON.parse(JSON.stringify({ rows, announced, received }).replaceAll(orderId, "ORDER").replaceAll(orderId.slice(0, 8), "ORDER"));
  };

  test("when one batch holds several orders' outcomes, interleaved, with a redelivery and a copy, then each order ends exactly as when the events come one by one", async () => {
    const inBatch = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const oneByOne = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const batch = interleaved(inBatch);
    const single = interleaved(oneByOne);
    await deliverBatch(batch);
    for (const event of single) await deliver(event);

    for (const [i, orderId] of inBatch.entries()) expect(await outcome(orderId, batch)).toEqual(await outcome(oneByOne[i]!, single));
    for (const orderId of inBatch) {
      expect(mailsFor(orderId)).toHaveLength(1);
      expect(await listEmails(db.pool, orderId, asStored)).toMatchObject([{ status: "sent" }]);
    }
    expect(await db.outboxEvents(inBatch[2]!)).toEqual([expect.objectContaining({ eventType: "EmailSent", causationId: batch[2]!.eventId })]);
  });

  test("when an order's outcome comes twice in one batch, and once more with another eventId, then the later ones see the first one's claim: one mail, one EmailSent", async () => {
    const orderId = randomUUID();
    const first = cancelled(orderId, "timeout");
    await deliverBatch([first, first, cancelled(orderId, "timeout")]);

    expect(mailsFor(orderId)).toHaveLength(1);
    expect(await db.outboxEvents(orderId)).toEqual([expect.objectContaining({ eventType: "EmailSent", kind: "cancellation", causationId: first.eventId })]);
  });

  test("when a batch holds many orders' outcomes, then it costs three statements around the sends, as a batch of one does, and four with a copy to skip", async () => {
    const single = await statementsDuring(db.pool, () => deliver(confirmed(randomUUID())));
    const many = await statementsDuring(db.pool, () => deliverBatch(Array.from({ length: 10 }, (_, i) => (i % 2 ? confirmed(randomUUID()) : cancelled(randomUUID(), "out_of_stock")))));
    const withCopies = await statementsDuring(db.pool, () => deliverBatch(interleaved([randomUUID(), randomUUID(), randomUUID(), randomUUID()])));
    // Claim, record the results, add the EmailSent events; the status of the skipped copies for the log. Not per mail.
    expect({ single, many, withCopies }).toEqual({ single: 3, many: 3, withCopies: 4 });
  });

  test("when two instances handle overlapping batches at the same time, in opposite orders, then each mail goes once and neither batch fails", async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await Promise.all([
      deliverBatch([confirmed(a), confirmed(b), confirmed(c)]),
      deliverBatch([confirmed(c), confirmed(b), confirmed(a)]), // copies with other eventIds
    ]);

    for (const orderId of [a, b, c]) {
      expect(mailsFor(orderId)).toHaveLength(1);
      expect(await types(orderId)).toEqual(["EmailSent"]);
    }
  });

  test("when the connection drops during a batch's first mail, then that mail stays 'sending', the next goes over a new session, and the batch does not fail", async () => {
    const [dropped, next] = [randomUUID(), randomUUID()];
    smtp.hangUpNext();
    await deliverBatch([confirmed(dropped), confirmed(next)]);

    expect(await listEmails(db.pool, dropped, asStored)).toMatchObject([{ status: "sending" }]);
    expect(await types(dropped)).toEqual([]);
    expect(mailsFor(next)).toHaveLength(1);
    expect(await listEmails(db.pool, next, asStored)).toMatchObject([{ status: "sent" }]);
    expect(await types(next)).toEqual(["EmailSent"]);
  });

  test("when the server refuses the second mail of a batch for good, then the first is recorded, the rest are given back, and the next attempt sends each of them once", async () => {
    const [first, refused, untried] = [randomUUID(), randomUUID(), randomUUID()];
    const batch = [confirmed(first), confirmed(refused), confirmed(untried)];
    smtp.refuseNextAfter(1, 550);
    const error = await deliverBatch(batch).catch((caught: unknown) => caught);

    expect(classifyError(error)).toBe("permanent");
    expect(mailsFor(first)).toHaveLength(1);
    expect(await types(first)).toEqual(["EmailSent"]);
    expect(await listEmails(db.pool, refused, asStored)).toMatchObject([{ status: "failed" }]);
    expect(await listEmails(db.pool, untried, asStored)).toMatchObject([{ status: "failed" }]); // not tried: free to claim again
    expect(await lastError(untried)).toMatch(/^not tried, an earlier mail failed: /);
    expect(mailsFor(untried)).toEqual([]);

    await deliverBatch(batch); // the consumer's next attempt
    for (const orderId of [first, refused, untried]) {
      expect(mailsFor(orderId)).toHaveLength(1);
      expect(await types(orderId)).toEqual(["EmailSent"]);
    }
  });
});

describe("an erased customer", () => {
  test("when the customer was erased before the receipt went, then no mail is sent, the row ends skipped_erased, no EmailSent, and a redelivery or a cancellation sends nothing", async () => {
    const grace = await customer();
    const orderId = randomUUID();
    const event = newEvent("OrderConfirmed", {
      orderId, customerEmail: grace.seal("grace@example.com"), items: [{ sku: "BOOK-1", quantity: 1, unitPrice: 1999 }], total: 1999,
    }, { producer: "order" });
    grace.erase();

    await deliver(event);
    await deliver(event);
    await deliver(newEvent("OrderCancelled", { orderId, reason: "timeout", customerEmail: grace.seal("grace@example.com") }, { producer: "order" }));

    expect(mailsFor(orderId)).toEqual([]);
    expect(await listEmails(db.pool, orderId, asStored)).toMatchObject([{ kind: "receipt", status: "skipped_erased", sentAt: null }]);
    expect(await types(orderId)).toEqual([]);
  });
});
