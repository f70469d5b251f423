export { ConfigError, readConfig } from "./config";
export { createApp, type AppOptions, type ReadinessCheck } from "./http";
export { createLogger, type Logger } from "./logger";
export { metricsResponse, startMetrics } from "./metrics";
export { commonConfig, infrastructureConfig, kafkaOf, personalDataKekConfig, schemaRegistryOf } from "./service-config";
export { onShutdown } from "./shutdown";
export { exitOnStartupError } from "./startup";
export { startTelemetry, type Telemetry } from "./telemetry";
