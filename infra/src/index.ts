export * from "./native-environment";
export { startReaper } from "./reaper";
export { freePort } from "./ports";
export { waitFor } from "./wait";
export type { Progress } from "./progress";
export { answersMetadata, kafkaVersion } from "./kafka";
export { adminRole, createOwnedDatabase, createServiceDatabases, newPasswords, ownerOf, roleUrl, type Passwords } from "./postgres-roles";
export { schemaRegistryVersion } from "./schema-registry";
export { serviceDatabases } from "./dev-environment";
