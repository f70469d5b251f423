/**
 * What the email service does with each event it consumes: one mail per final outcome of an
 * order. Both events carry everything the mail says (and the address), so the service keeps no
 * copy of orders. Events not listed here need nothing from email.
 *
 * The handlers leave the inbox transaction (context.tx) alone on purpose: the mail's state is
 * committed around the SMTP call, on its own (sendOnce in emails.ts).
 */
import { topics, type EventOf, type EventType, type ShopEvent } from "@shop/contracts";
import type { HandlerContext } from "@shop/messaging";
import { cancellationNotice, receipt, sendOnce, type EmailsDeps } from "./emails";

/** Only the orders topic: the one topic that carries customer addresses. */
export const consumedTopics = [topics.orders];

type Handlers = { [T in EventType]?: (event: EventOf<T>, context: HandlerContext) => Promise<unknown> };

export function eventHandler(deps: EmailsDeps) {
  const handlers: Handlers = {
    OrderConfirmed: (event) => sendOnce(deps, receipt(event), event),
    OrderCancelled: (event) => sendOnce(deps, cancellationNotice(event), event),
  };

  return async (event: ShopEvent, context: HandlerContext): Promise<void> => {
    const handle = handlers[event.eventType] as ((event: ShopEvent, context: HandlerContext) => Promise<unknown>) | undefined;
    await handle?.(event, context);
  };
}
