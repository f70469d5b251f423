/**
 * What the email service does with the events it consumes: one mail per final outcome of an
 * order, a batch of them at a time (sendMails in emails.ts). Both events carry everything the
 * mail says (and the address), so the service keeps no copy of orders. Events not listed here
 * need nothing from email.
 *
 * The handler leaves the inbox transaction alone on purpose: the mails' state is committed
 * around the SMTP calls, on its own (sendMails in emails.ts).
 */
import type { ShopEvent } from "@shop/contracts";
import type { BatchHandler, ReceivedEvent } from "@shop/messaging";
import { cancellationNotice, receipt, sendMails, type EmailsDeps, type MailToSend } from "./emails";

/** What the handler needs: the database (the mails' state), the outbox, the mailer, the logger, the keyring. */
export type EventDeps = EmailsDeps;

/** The mail an event calls for, if any. */
function mailFor({ event, traceContext }: ReceivedEvent<ShopEvent>): MailToSend | undefined {
  switch (event.eventType) {
    case "OrderConfirmed": return { mail: receipt(event), causedBy: event, traceContext };
    case "OrderCancelled": return { mail: cancellationNotice(event), causedBy: event, traceContext };
    default: return undefined;
  }
}

export function eventHandler(deps: EventDeps): BatchHandler<ShopEvent> {
  return async (events) => {
    const mails = events.flatMap((received) => mailFor(received) ?? []);
    if (mails.length > 0) await sendMails(deps, mails);
  };
}
