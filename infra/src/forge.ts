/**
 * pnpm forge <experiment> [orderId]: the forgeries of docs/break-it.md ("Forge an event"), against
 * the running `pnpm start` system. Each writes one correctly encoded event the way an attacker
 * would, with no credential or with a service's leaked one (from .cache/infra/dev), and prints
 * what to watch. None of them should change an order: the broker's ACLs refuse the first two
 * (decision 011), the services' domain checks the rest (docs/threat-model.md).
 */
import { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import { Kafka, logLevel } from "kafkajs";
import { keyOf, newEvent, subjectFor, topicOf, type ShopEvent } from "@shop/contracts";
import { devDir } from "./dev-environment";
import { kafkaCredentialsOf, saslOf, type KafkaCredentials } from "./kafka-credentials";
import { brokersOf, readState, schemaRegistryUrlOf, type NativeState } from "./native-environment";
import { registryCredentialsOf } from "./registry-credentials";

interface Forgery {
  /** Whose Kafka credential is used: a service's (leaked), or none at all. */
  as: "payment" | "order" | "nobody";
  /** The forged event, with the envelope every event has; its `producer` is the one it claims. It goes to its event type's topic. */
  event: (orderId: string) => ShopEvent;
  needsOrder: boolean;
  watch: string;
}

const placeholder = "00000000-0000-4000-8000-000000000000"; // for the experiments the broker refuses before any service reads them

const experiments: Record<string, Forgery> = {
  anonymous: {
    as: "nobody", needsOrder: false,
    event: (orderId) => newEvent("PaymentCaptured", { orderId, paymentId: "pay_forged", amount: 1 }, { producer: "payment" }),
    watch: "The broker closes the connection: no credential, no access (SASL/SCRAM on every listener).",
  },
  "foreign-topic": {
    as: "payment", needsOrder: false,
    event: (orderId) => newEvent("OrderCancelled", { orderId, reason: "timeout", customerEmail: "attacker@example.com" }, { producer: "order" }),
    watch: "TOPIC_AUTHORIZATION_FAILED: payment's principal may write payments (and the DLQs of what it reads), not orders (docs/kafka-access.md).",
  },
  "cheap-capture": {
    as: "payment", needsOrder: true,
    event: (orderId) => newEvent("PaymentCaptured", { orderId, paymentId: "pay_forged", amount: 1 }, { producer: "payment" }),
    watch: "order and warehouse log `PaymentCaptured contradicts what this service knows (...): not acted on` and count it in\n"
      + "contradicting_events_total (curl localhost:3001/metrics); the order does not move on: curl localhost:3001/orders/<orderId>.",
  },
  "cancel-confirmed": {
    as: "order", needsOrder: true,
    event: (orderId) => newEvent("OrderCancelled", { orderId, reason: "timeout", customerEmail: "attacker@example.com" }, { producer: "order" }),
    watch: "For a CONFIRMED order, payment and inventory log `OrderCancelled contradicts what this service knows` and count it:\n"
      + "no refund (curl localhost:3003/payments/<orderId>), no release. Email and warehouse dead-letter it before that: its customerEmail\n"
      + "is not sealed, and a forger without the contact key cannot seal one (docs/decisions/014): the shipment stays scheduled, no mail.",
  },
  "wrong-producer": {
    as: "payment", needsOrder: true,
    event: (orderId) => newEvent("PaymentCaptured", { orderId, paymentId: "pay_forged", amount: 12_900 }, { producer: "order" }),
    watch: "Every consumer of payments dead-letters it before any handler sees it (`message dead-lettered`, `wrong producer`):\n"
      + "pnpm --filter @shop/messaging dlq list payments (after `set -a; . .cache/infra/dev/infra.env; set +a`).",
  },
};

function usage(): string {
  return [
    "usage: pnpm forge <experiment> [orderId]   (against a running `pnpm start`; docs/break-it.md, \"Forge an event\")",
    "  anonymous                   write payments with no credential",
    "  foreign-topic               payment's leaked credential writes an OrderCancelled on orders",
    "  cheap-capture <orderId>     payment's leaked credential: a PaymentCaptured of 1 cent for the order",
    "  cancel-confirmed <orderId>  order's leaked credential: an OrderCancelled for the order (try a CONFIRMED one)",
    "  wrong-producer <orderId>    payment's leaked credential: a PaymentCaptured that says it comes from order",
  ].join("\n");
}

async function main(): Promise<void> {
  const [name, orderId] = process.argv.slice(2);
  const forgery = name ? experiments[name] : undefined;
  if (!forgery || (forgery.needsOrder && !orderId)) {
    console.error(usage());
    process.exitCode = 2;
    return;
  }
  const state = readState(devDir);
  if (!state) throw new Error("Nothing running: start the system with `pnpm start` first.");
  const event = forgery.event(orderId ?? placeholder);
  const topic = topicOf(event.eventType);
  const sent = await send(state, forgery.as, event)
    .then(() => true, (error: Error) => { console.log(`Refused: ${error.message}`); return false; });
  if (sent) console.log(`Sent ${event.eventType} ${event.eventId} on ${topic} as ${forgery.as}, claiming producer "${event.producer}".`);
  console.log(`Watch: ${forgery.watch}`);
}

async function send(state: NativeState, as: Forgery["as"], event: ShopEvent): Promise<void> {
  // The schemas are no secret: the services' read-only registry credential will do.
  const registry = new SchemaRegistry({ host: schemaRegistryUrlOf(state), auth: registryCredentialsOf(state).reader });
  const value = await registry.encode(await registry.getLatestSchemaId(subjectFor(event.eventType)), event);

  const credentials: KafkaCredentials | undefined = as === "nobody" ? undefined : kafkaCredentialsOf(state)[as];
  const kafka = new Kafka({
    clientId: "forger", brokers: brokersOf(state), logLevel: logLevel.NOTHING, retry: { retries: 0 },
    ...(credentials ? { sasl: saslOf(credentials) } : {}),
  });
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: topicOf(event.eventType),
      messages: [{ key: keyOf(event), value, headers: { "event-type": event.eventType, "event-id": event.eventId } }],
    });
  } finally {
    await producer.disconnect();
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
