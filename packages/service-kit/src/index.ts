/**
 * @shop/service-kit: the skeleton every service shares, written once. Read run-service.ts first:
 * it is the start-up and shutdown of all six services, step by step.
 */
export { ConfigError, readConfig } from "./config";
export { createApp, type App, type AppOptions, type ReadinessCheck, type ServiceHttpDeps } from "./http";
export { serviceMigrations } from "./migrations";
export { followPersonalData } from "./personal-data";
export { eventsOfType } from "./received-events";
export { runService, type ServiceContext, type ServiceParts, type ServiceSpec } from "./run-service";
export {
  commonConfig, infrastructureConfig, kafkaOf, personalDataKekConfig, schemaRegistryOf, serviceConfig, type ServiceConfig,
} from "./service-config";
export { onShutdown, type ShutdownStep } from "./shutdown";
export { exitOnStartupError } from "./startup";
export { stopTelemetry } from "./telemetry";
