/**
 * Reads the .avsc files, the single source of truth for every event.
 *
 * Layout: schemas/<topic>/<EventName>.avsc is the current version of an event;
 * <EventName>.v<N>.avsc are its earlier versions, frozen. They are kept so that a fresh registry
 * gets the whole history in order, and so tests can write and read old messages.
 */
import fs from "node:fs";
import path from "node:path";
import type { EventType } from "./generated";
import { topicSpecs, type Topic } from "./topics";

export type AvroType = string | AvroType[] | { type: string; name?: string; [key: string]: unknown };
export interface AvroField { name: string; type: AvroType; default?: unknown; doc?: string }
export interface AvroRecord { type: "record"; name: string; namespace: string; doc?: string; fields: AvroField[] }

/** A field that holds money, by its name: a long of integer cents (schemas.test.ts checks), typed Cents in generated.ts. */
export function isMoneyField(field: AvroField): boolean {
  return /^(price|unitPrice|total|amount)$/.test(field.name);
}

export interface SchemaFile {
  topic: Topic;
  eventType: EventType;
  version: number;
  /** The version producers write and consumers read into (the highest). */
  current: boolean;
  /** Relative to the package, e.g. schemas/orders/OrderPlaced.v1.avsc. */
  file: string;
  schema: AvroRecord;
}

const packageDir = path.join(__dirname, "..");
let loaded: SchemaFile[] | undefined;

/** Every schema file: topics and events in the order of topicSpecs, each event's versions oldest first. */
export function schemaFiles(): SchemaFile[] {
  loaded ??= load();
  return loaded;
}

function load(): SchemaFile[] {
  const files: SchemaFile[] = [];
  for (const [topic, spec] of Object.entries(topicSpecs) as [Topic, (typeof topicSpecs)[Topic]][]) {
    const dir = path.join(packageDir, "schemas", topic);
    const names = fs.readdirSync(dir).filter((name) => name.endsWith(".avsc")).sort();
    const strays = names.filter((name) => !spec.events.includes(name.split(".")[0] as EventType));
    if (strays.length > 0) throw new Error(`schemas/${topic}/ holds ${strays.join(", ")}, not listed in topicSpecs.${topic}.events`);
    for (const eventType of spec.events) {
      const frozen = names
        .map((name) => Number(new RegExp(`^${eventType}\\.v(\\d+)\\.avsc$`).exec(name)?.[1]))
        .filter((version) => version > 0)
        .sort((x, y) => x - y);
      if (frozen.some((version, i) => version !== i + 1)) {
        throw new Error(`schemas/${topic}/${eventType}.v*.avsc must be numbered v1, v2, ... without gaps`);
      }
      const versions = [
        ...frozen.map((version) => ({ version, name: `${eventType}.v${version}.avsc` })),
        { version: frozen.length + 1, name: `${eventType}.avsc` },
      ];
      for (const { version, name } of versions) {
        const file = `schemas/${topic}/${name}`;
        const schema = JSON.parse(fs.readFileSync(path.join(packageDir, file), "utf8")) as AvroRecord;
        if (schema.name !== eventType || schema.namespace !== `shop.${topic}`) {
          throw new Error(`${file} must define the record shop.${topic}.${eventType}, not ${schema.namespace}.${schema.name}`);
        }
        files.push({ topic, eventType, version, current: version === versions.length, file, schema });
      }
    }
  }
  return files;
}

function find(eventType: EventType, version?: number): SchemaFile {
  const file = schemaFiles().find((f) => f.eventType === eventType && (version === undefined ? f.current : f.version === version));
  if (!file) throw new Error(`no schema for ${eventType}${version === undefined ? "" : ` v${version}`}`);
  return file;
}

/** The Avro schema of an event: the current version unless asked for an older one. Decode with it as the reader schema. */
export function schemaFor(eventType: EventType, version?: number): AvroRecord {
  return find(eventType, version).schema;
}

/** The version producers write now (the envelope's eventVersion). */
export function currentVersion(eventType: EventType): number {
  return find(eventType).version;
}

export function topicOf(eventType: EventType): Topic {
  return find(eventType).topic;
}

/**
 * The registry subject: `<topic>-<fully qualified record name>`, Confluent's TopicRecordNameStrategy,
 * so several event types share a topic and each evolves on its own (e.g. orders-shop.orders.OrderPlaced).
 */
export function subjectFor(eventType: EventType): string {
  const { topic, schema } = find(eventType);
  return `${topic}-${schema.namespace}.${schema.name}`;
}
