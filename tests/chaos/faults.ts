/**
 * The faults a campaign injects, and how it knows the system is back after each:
 *   kill-service    kill -9 of one service (the supervisor, or the campaign's own system, restarts it)
 *   kill-broker     kill -9 of Kafka, started again on its data
 *   kill-postgres   kill -9 of PostgreSQL (postmaster and backends), started again: crash recovery
 *   group-reset     a service stopped, its consumer group moved back to the start of one of its
 *                   topics with the admin credential, the service started: every event comes again
 *                   (duplicates, which the inbox must skip)
 *   poison          bytes that are not Avro at all, written to a consumed topic with the admin credential
 *   schema-invalid  the wire format (magic byte, a registered schema's id) around a body that does
 *                   not match that schema
 * Both kinds of bad message must end in `<topic>.dlq`, once per consumer group of the topic.
 * Faults are drawn from the seeded random source: every kind once in a shuffled order, then any.
 */
import { Kafka, logLevel } from "kafkajs";
import { waitFor } from "@shop/infra";
import type { Control } from "@shop/infra/src/control-client";
import { services as allServices, inboxTopicsOf, subjectFor, topics } from "@shop/contracts";
import { resetOffsetsToEarliest, type KafkaConfig } from "@shop/messaging/src/kafka";

export const faultKinds = ["kill-service", "kill-broker", "kill-postgres", "group-reset", "poison", "schema-invalid"] as const;
export type FaultKind = (typeof faultKinds)[number];

export interface Fault { kind: FaultKind; target: string; at: number; recoveredAt: number }
/** A bad message the campaign wrote: where, and the header that finds its dead letters. */
export interface Injection { id: string; kind: "poison" | "schema-invalid"; topic: string }

export interface FaultContext {
  control: Control;
  serviceUrls: Record<string, string>;
  /** The admin principal: resets groups and writes what no service would. */
  adminKafka: KafkaConfig;
  registry: { url: string; auth: { username: string; password: string } };
  random: () => number;
  injections: Injection[];
  log: (line: string) => void;
}

/** The header the campaign puts on its bad messages; dead letters keep their original headers. */
export const injectionHeader = "chaos-injection";
/** Topics the services consume and the campaign may write bad messages to. */
const badMessageTopics = [topics.orders, topics.inventory, topics.payments, topics.shipments];
/** Services whose consumer group is named after them (analytics' is named after its read model's build). */
const resettable = allServices.filter((service) => service !== "analytics");

export function faultPlan(random: () => number): () => FaultKind {
  const firstRound = [...faultKinds].sort(() => random() - 0.5);
  return () => firstRound.shift() ?? faultKinds[Math.floor(random() * faultKinds.length)]!;
}

const oneOf = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

export async function inject(kind: FaultKind, context: FaultContext): Promise<Fault> {
  const at = Date.now();
  const { control, random } = context;
  let target: string;
  if (kind === "kill-service") {
    target = oneOf(random, allServices);
    await control.service(target, "kill");
  } else if (kind === "kill-broker" || kind === "kill-postgres") {
    target = kind === "kill-broker" ? "kafka" : "postgres";
    await control.infra(target as "kafka" | "postgres", "kill");
    await control.infra(target as "kafka" | "postgres", "start"); // infrastructure is not supervised: it stays down until started
  } else if (kind === "group-reset") {
    target = oneOf(random, resettable);
    const topic = oneOf(random, inboxTopicsOf(target as (typeof resettable)[number])); // not datakeys: keyrings read it with groups of their own
    await control.service(target, "stop");
    // The group must be empty: the stopped service left it (a static member leaves on a clean stop too).
    await waitFor(`${target}'s consumer group to be empty`, async () => {
      await resetOffsetsToEarliest(context.adminKafka, target, topic);
      return true;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    await control.service(target, "start");
    target = `${target} on ${topic}`;
  } else {
    target = oneOf(random, badMessageTopics);
    await writeBadMessage(kind, target, context);
  }
  await untilReady(context);
  return { kind, target, at, recoveredAt: Date.now() };
}

/** Every service answers /health/ready (database and Kafka reachable). */
export async function untilReady({ serviceUrls }: Pick<FaultContext, "serviceUrls">, timeoutMs = 120_000): Promise<void> {
  await Promise.all(Object.entries(serviceUrls).map(([name, url]) => waitFor(`${name} to be ready`, async () =>
    (await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3000) }).catch(() => undefined))?.ok, { timeoutMs, intervalMs: 100 })));
}

async function writeBadMessage(kind: "poison" | "schema-invalid", topic: string, context: FaultContext): Promise<void> {
  const id = `chaos-${kind}-${context.injections.length + 1}-${Date.now()}`;
  let value: Buffer;
  if (kind === "poison") {
    value = Buffer.from(`not Avro: ${id}`);
  } else {
    // Magic byte 0 and the id of OrderPlaced's schema, then a body that is not an OrderPlaced.
    const response = await fetch(`${context.registry.url}/subjects/${subjectFor("OrderPlaced")}/versions/latest`, {
      headers: { authorization: `Basic ${Buffer.from(`${context.registry.auth.username}:${context.registry.auth.password}`).toString("base64")}` },
    });
    const { id: schemaId } = (await response.json()) as { id: number };
    const header = Buffer.alloc(5);
    header.writeUInt32BE(schemaId, 1);
    value = Buffer.concat([header, Buffer.from("cc-not-an-order")]);
  }
  const { brokers, credentials } = context.adminKafka;
  const producer = new Kafka({ clientId: "chaos", brokers, sasl: { mechanism: "scram-sha-256", ...credentials }, logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key: id, value, headers: { [injectionHeader]: id } }] });
  } finally {
    await producer.disconnect();
  }
  context.injections.push({ id, kind, topic });
}
