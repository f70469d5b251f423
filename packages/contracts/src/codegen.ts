/**
 * Turns the schema files into TypeScript types (src/generated.ts) and the event catalogue of the
 * README, so that neither can drift from the schemas: codegen.test.ts fails when the committed
 * output differs from a fresh run. Pure: src/generate.ts writes the files.
 */
import { isMoneyField, subjectFor, type AvroField, type AvroType, type SchemaFile } from "./schemas";
import { topicSpecs, type Topic } from "./topics";

const tsPrimitives: Record<string, string> = {
  null: "null", boolean: "boolean", int: "number", long: "number", float: "number", double: "number", bytes: "Buffer", string: "string",
};

type Named = { type: "record" | "enum"; name: string; doc?: string; fields?: AvroField[]; symbols?: string[]; default?: string };

/** Named types (records, enums) nested in the events, in first-seen order; one definition per name. */
function collectNamed(type: AvroType, into: Map<string, Named>): void {
  if (typeof type === "string") return;
  if (Array.isArray(type)) return type.forEach((t) => collectNamed(t, into));
  if (type.type === "array") return collectNamed(type.items as AvroType, into);
  if (type.type === "map") return collectNamed(type.values as AvroType, into);
  if (type.type !== "record" && type.type !== "enum") return;
  const named = type as Named;
  named.fields?.forEach((field) => collectNamed(field.type, into));
  const seen = into.get(named.name);
  if (seen && JSON.stringify(seen) !== JSON.stringify(named)) throw new Error(`${named.name} is defined differently in two schemas`);
  into.set(named.name, named);
}

const shortName = (name: string) => name.split(".").pop()!;

function tsType(type: AvroType): string {
  if (typeof type === "string") return tsPrimitives[type] ?? shortName(type);
  if (Array.isArray(type)) return [...type.filter((t) => t !== "null"), ...type.filter((t) => t === "null")].map(tsType).join(" | ");
  if (type.type === "array") return `${tsType(type.items as AvroType)}[]`.replace(/^(.* .*)\[\]$/, "Array<$1>");
  if (type.type === "map") return `Record<string, ${tsType(type.values as AvroType)}>`;
  if (type.type === "record" || type.type === "enum") return type.name!;
  // A primitive with a logical type, e.g. { type: "string", logicalType: "uuid" }. Fixed and friends are not needed yet.
  if (!tsPrimitives[type.type]) throw new Error(`the generator does not know Avro type ${type.type}`);
  return tsType(type.type);
}

/** The type as the README shows it: Avro's names, e.g. long, OrderLine[], null | string. */
function avroLabel(type: AvroType): string {
  if (typeof type === "string") return shortName(type);
  if (Array.isArray(type)) return type.map(avroLabel).join(" \\| ");
  if (type.type === "array") return `${avroLabel(type.items as AvroType)}[]`;
  if (type.type === "map") return `map<${avroLabel(type.values as AvroType)}>`;
  if (type.type === "record" || type.type === "enum") return type.name!;
  return `${type.type} (${String(type.logicalType)})`;
}

const jsdoc = (doc: string | undefined, indent = "") => (doc ? `${indent}/** ${doc} */\n` : "");

function tsInterface(name: string, record: { doc?: string; fields?: AvroField[] }, eventType?: string): string {
  const fields = (record.fields ?? []).map((field) => {
    const type = field.name === "eventType" && eventType ? JSON.stringify(eventType) : isMoneyField(field) ? "Cents" : tsType(field.type);
    return `${jsdoc(field.doc, "  ")}  ${field.name}: ${type};\n`;
  });
  return `${jsdoc(record.doc)}export interface ${name} {\n${fields.join("")}}\n`;
}

const pascal = (topic: string) => topic[0]!.toUpperCase() + topic.slice(1);

/** src/generated.ts: an interface per schema file (older versions suffixed V<n>), the named types, and the unions. */
export function generateTypes(files: SchemaFile[]): string {
  const named = new Map<string, Named>();
  files.forEach((file) => file.schema.fields.forEach((field) => collectNamed(field.type, named)));
  const out = [
    "// Generated from schemas/**/*.avsc by `pnpm --filter @shop/contracts generate`. Do not edit.\n",
    'import type { Cents } from "./money";\n',
  ];
  for (const type of named.values()) {
    out.push(type.type === "enum"
      ? `${jsdoc(type.doc)}export type ${type.name} = ${type.symbols!.map((s) => JSON.stringify(s)).join(" | ")};\n`
      : tsInterface(type.name, type));
  }
  for (const file of files) {
    out.push(tsInterface(file.current ? file.eventType : `${file.eventType}V${file.version}`, file.schema, file.eventType));
  }
  const topics = Object.keys(topicSpecs) as Topic[];
  for (const topic of topics) {
    out.push(`/** The events on the ${topic} topic. */\nexport type ${pascal(topic)}Event = ${topicSpecs[topic].events.join(" | ")};\n`);
  }
  const unions = topics.map((topic) => `${pascal(topic)}Event`);
  out.push(`/** Every event, told apart by eventType. */\nexport type ShopEvent = ${unions.join(" | ")};\n`);
  out.push(`export type EventType = ShopEvent["eventType"];\n`);
  return out.join("\n");
}

const envelope = new Set(["eventId", "eventType", "eventVersion", "occurredAt", "orderId", "causationId", "producer"]);

function fieldTable(fields: AvroField[]): string {
  const rows = fields.map((f) => {
    const fallback = f.default === undefined ? "" : ` = ${JSON.stringify(f.default)}`;
    const { personalData } = f as { personalData?: string };
    const mark = personalData ? `**personal data (${personalData}), sealed** ` : "";
    return `| \`${f.name}\` | ${avroLabel(f.type)}${fallback} | ${mark}${f.doc ?? ""} |`;
  });
  return ["| field | type | notes |", "|---|---|---|", ...rows].join("\n");
}

/** The README's event catalogue: topics, then each event's payload fields, then the named types. */
export function generateCatalogue(files: SchemaFile[]): string {
  const current = files.filter((file) => file.current);
  const out = ["| topic | key | written by | events |", "|---|---|---|---|"];
  for (const [topic, spec] of Object.entries(topicSpecs)) {
    out.push(`| \`${topic}\`${spec.compacted ? " (compacted)" : ""} | \`${spec.key}\` | ${spec.producer} | ${spec.events.join(", ")} |`);
  }
  for (const file of current) {
    const older = files.filter((f) => f.eventType === file.eventType && !f.current).map((f) => `[v${f.version}](${f.file})`);
    out.push(
      `\n### ${file.eventType}\n`,
      `${file.schema.doc ?? ""}\n`,
      `Topic \`${file.topic}\`, subject \`${subjectFor(file.eventType)}\`, version ${file.version} ` +
        `([schema](${file.file})${older.length ? `; earlier: ${older.join(", ")}` : ""}).\n`,
      fieldTable(file.schema.fields.filter((f) => !envelope.has(f.name))),
    );
  }
  const named = new Map<string, Named>();
  current.forEach((file) => file.schema.fields.forEach((field) => collectNamed(field.type, named)));
  out.push("\n### Named types");
  for (const type of named.values()) {
    out.push(`\n**${type.name}**${type.doc ? `: ${type.doc}` : ""}\n`);
    const symbols = type.symbols?.map((s) => `\`${s}\``).join(", ");
    out.push(type.type === "enum" ? `Symbols: ${symbols}; default \`${type.default}\`.` : fieldTable(type.fields ?? []));
  }
  return out.join("\n") + "\n";
}

const start = "<!-- catalogue:start (generated from the schemas by `pnpm --filter @shop/contracts generate`) -->";
const end = "<!-- catalogue:end -->";

/** The README with its catalogue section (between the markers) replaced. */
export function withCatalogue(readme: string, catalogue: string): string {
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md needs the markers ${start} and ${end}`);
  return `${readme.slice(0, from + start.length)}\n${catalogue}${readme.slice(to)}`;
}
