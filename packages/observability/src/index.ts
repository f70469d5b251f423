export { createLogger, type Logger } from "./logger";
export { metricsResponse, startMetrics } from "./metrics";
export { startTelemetry, type Telemetry } from "./telemetry";
