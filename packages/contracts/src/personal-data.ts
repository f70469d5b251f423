/**
 * Which fields are personal data, read from the schemas' marks (one source): a field with
 * `"personalData": "<category>"` (and Confluent's `"confluent:tags": ["PII"]`). Two categories,
 * because each is read by a different service: contact (the e-mail: email) and address (the
 * shipping address: warehouse). Order issues the keys of both. Decision 014.
 */
import type { EventType } from "./generated";
import { schemaFiles, type AvroField, type AvroType } from "./schemas";
import type { Service } from "./consumers";

export const personalDataCategories = ["contact", "address"] as const;
export type PersonalDataCategory = (typeof personalDataCategories)[number];

/** Who may open each category (holds its key-encryption key). Order issues every key and opens none. */
export const personalDataReaders: Record<PersonalDataCategory, readonly Service[]> = {
  contact: ["email"],
  address: ["warehouse"],
};

/** A marked field: its path in the event (dots into nested records) and its category. */
export interface PersonalField {
  path: string;
  category: PersonalDataCategory;
}

/** The marked fields of each event type's current schema (an event type without any is absent). */
export function personalFields(): Readonly<Partial<Record<EventType, readonly PersonalField[]>>> {
  const byType: Partial<Record<EventType, PersonalField[]>> = {};
  for (const file of schemaFiles().filter((f) => f.current)) {
    const fields = file.schema.fields.flatMap((field) => marked(field, ""));
    if (fields.length > 0) byType[file.eventType] = fields;
  }
  return byType;
}

/** The categories a service may open. */
export function categoriesReadBy(service: Service): PersonalDataCategory[] {
  return personalDataCategories.filter((category) => personalDataReaders[category].includes(service));
}

function marked(field: AvroField & { personalData?: unknown }, prefix: string): PersonalField[] {
  const path = `${prefix}${field.name}`;
  const category = field.personalData;
  if (category !== undefined) {
    if (!personalDataCategories.includes(category as PersonalDataCategory)) throw new Error(`${path}: unknown personalData category ${String(category)}`);
    if (field.type !== "string") throw new Error(`${path}: only string fields can be personal data (a sealed value is a string)`);
    return [{ path, category: category as PersonalDataCategory }];
  }
  return nestedFields(field.type).flatMap((nested) => marked(nested, `${path}.`));
}

/** The fields of a nested record (arrays of records are not walked: no personal data lives in one). */
function nestedFields(type: AvroType): AvroField[] {
  if (typeof type === "string" || Array.isArray(type)) return [];
  return type.type === "record" ? ((type as { fields?: AvroField[] }).fields ?? []) : [];
}
