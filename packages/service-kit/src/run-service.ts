/**
 * The start-up and shutdown every service shares, written once. A service's main.ts names the
 * service and its configuration, and composes its own parts (`compose`: its codec, outbox,
 * business dependencies, inbox handler and HTTP API) by hand; runService does the rest, in
 * this order:
 *
 * 1. read the configuration (every bad variable listed at once; exit 1)
 * 2. check telemetry started: `node --import ./src/telemetry.ts` runs it before http and pg load
 * 3. the logger, the metrics, the Kafka client (its own principal; host:port names this
 *    instance in its consumer group: static membership, decision 016)
 * 4. the database, migrated: messaging's tables, then the service's migrations/
 * 5. the registry codec: read-only, infra registered the schemas, the service looks up their ids
 * 6. compose: the service builds its own parts from all of the above
 * 7. consume, before listening: an instance that answers is one that consumes
 * 8. listen, and log one line: "ready in N ms" with each phase's share (a slow restart names its phase)
 * 9. on SIGTERM, stop in order: take no more requests, finish the batch in flight and commit
 *    its offsets, the service's own steps, publish what is left in the outbox, close the pool,
 *    flush telemetry
 */
import { Pool } from "pg";
import { inboxTopicsOf, lookupSchemaIds, topicOwners, type Service, type ShopEvent } from "@shop/contracts";
import {
  consume, createOutbox, kafkaReachable, migrate, schemaRegistryCodec, startRelay, type BatchHandler, type Codec, type Outbox, type Relay,
} from "@shop/messaging";
import { createLogger, startMetrics, type Logger } from "@shop/observability";
import type { App, ReadinessCheck } from "./http";
import { serviceMigrations } from "./migrations";
import { kafkaOf, schemaRegistryOf, type ServiceConfig } from "./service-config";
import { onShutdown, type ShutdownStep } from "./shutdown";
import { exitOnStartupError, startupClock } from "./startup";
import { stopTelemetry, telemetryStarted } from "./telemetry";

/** What compose gets: the shared parts, built. */
export interface ServiceContext<C extends ServiceConfig> {
  config: Readonly<C>;
  logger: Logger;
  kafka: ReturnType<typeof kafkaOf>;
  pool: Pool;
  /** Encodes and decodes events with the schemas in the registry. */
  registryCodec: Codec;
  /** What GET /health/ready checks: the database and Kafka answer. */
  readiness: Record<string, ReadinessCheck>;
  /** Starts the outbox relay (one leader per service publishes) and gives the outbox, writing with `codec`. */
  startOutbox(codec: Codec): Outbox;
  /** A step of the shutdown, after the consumer has stopped and before the relay and the pool (a timer, a mailer). */
  onStop(step: ShutdownStep): void;
}

/** What compose gives back. */
export interface ServiceParts {
  /** What the inbox does with a batch of events (events.ts). */
  handleBatch: BatchHandler<ShopEvent>;
  /** The codec the inbox decodes with: the outbox's, or the registry's. */
  codec: Codec;
  /** The consumer group; by default the service's name (analytics names its group after its read model's build). */
  groupId?: string;
  /** The HTTP API, built (http.ts); runService listens. */
  http: App;
}

export interface ServiceSpec<C extends ServiceConfig> {
  service: Service;
  loadConfig(): Readonly<C>;
  compose(context: ServiceContext<C>): Promise<ServiceParts>;
}

/** Starts the service; a start that fails says why and exits with 1 (startup.ts). */
export function runService<C extends ServiceConfig>(spec: ServiceSpec<C>): void {
  start(spec).catch(exitOnStartupError);
}

async function start<C extends ServiceConfig>({ service, loadConfig, compose }: ServiceSpec<C>): Promise<void> {
  const clock = startupClock();
  clock.mark("imports"); // Node, tsx, telemetry and the imports: from the process's start to here
  const config = loadConfig();
  if (!telemetryStarted()) {
    throw new Error(`telemetry has not started: run the service with \`node --import tsx --import ./services/${service}/src/telemetry.ts services/${service}/src/main.ts\` (as \`pnpm start\` does), so that it starts before http and pg load`);
  }
  const logger = createLogger(service, config.LOG_LEVEL);
  startMetrics(service);
  const kafka = kafkaOf(service, config); // its own principal; host:port names this instance in its consumer group

  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 10 });
  clock.mark("config");
  await migrate(pool, serviceMigrations(service)); // messaging's tables, then migrations/
  clock.mark("migrations");
  const registry = schemaRegistryOf(config); // read-only: infra registered the schemas, the service looks up their ids
  const registryCodec = schemaRegistryCodec({ ...registry, schemaIds: await lookupSchemaIds(registry) });
  clock.mark("schemas");

  let relay: Relay | undefined;
  const ownSteps: ShutdownStep[] = [];
  const parts = await compose({
    config, logger, kafka, pool, registryCodec,
    readiness: { database: () => pool.query("SELECT 1"), kafka: () => kafkaReachable(kafka) },
    startOutbox(codec) {
      if (relay) throw new Error("startOutbox: a service has one outbox, and one relay publishes it");
      const started = startRelay({ databaseUrl: config.DATABASE_URL, kafka, logger });
      relay = started;
      return createOutbox({ codec, wakeRelay: () => started.wake() }); // a commit that adds rows wakes the relay in-process
    },
    onStop: (step) => void ownSteps.push(step),
  });
  clock.mark("compose");

  // Consume, then listen: once it answers, the instance has joined its group and is consuming.
  const consumer = await consume({
    kafka, pool, codec: parts.codec, logger, groupId: parts.groupId ?? service, topics: inboxTopicsOf(service), topicOwners,
    fromBeginning: true, handleBatch: parts.handleBatch,
  });
  clock.mark("consume");
  await parts.http.listen({ port: config.PORT, host: config.HOST });
  clock.mark("listen");
  // One line says where a (re)start's time went: a restart slower than usual names its phase.
  logger.info({ startupMs: clock.phases() }, `ready in ${clock.totalMs()} ms: consuming and listening on ${config.PORT}`);

  onShutdown(logger, [
    () => parts.http.close(), // stop taking requests
    () => consumer.stop(), // finish the batch in flight, commit its offsets
    ...ownSteps,
    async () => relay?.stop(), // publish what is left
    () => pool.end(),
    stopTelemetry,
  ]);
}
