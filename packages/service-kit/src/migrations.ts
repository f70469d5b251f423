import path from "node:path";
import type { Service } from "@shop/contracts";
import { messagingMigrations, migrationsIn, type Migration } from "@shop/messaging";

/**
 * A service's tables: messaging's first (outbox, processed_events: the same in every database),
 * then the numbered SQL files of services/<service>/migrations/. The service (runService) and its
 * tests (testDatabase) both migrate with this list, so a test's database is the service's.
 */
export function serviceMigrations(service: Service): Migration[] {
  return [...messagingMigrations, ...migrationsIn(path.join(__dirname, "..", "..", "..", "services", service, "migrations"), service)];
}
