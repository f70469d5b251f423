/**
 * @shop/contracts: the events of the checkout saga. The Avro files under schemas/ are the single
 * source of truth; the types in generated.ts come from them (`pnpm --filter @shop/contracts generate`).
 */
export * from "./generated";
export { cents, type Cents } from "./money";
export { allTopics, topics, topicSpecs, topicOwners, dlqTopic, keyOf, type Topic, type TopicSpec, type Producer } from "./topics";
export { services, topicsConsumedBy, inboxTopicsOf, type Service } from "./consumers";
export { personalFields, personalDataCategories, personalDataReaders, categoriesReadBy, type PersonalField, type PersonalDataCategory } from "./personal-data";
export { schemaFiles, schemaFor, currentVersion, topicOf, subjectFor, type SchemaFile, type AvroRecord } from "./schemas";
export { newEvent, type EventOf, type EventBody, type EventContext } from "./events";
export { registerSchemas, registerSchema, setCompatibility, compatibility, lookupSchemaIds, lookupSchemaId, SchemaNotRegisteredError, type SchemaRegistryAccess } from "./registry";
export { examples } from "./examples";
