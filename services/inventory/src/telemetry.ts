// Imported first by main.ts: with OTEL_EXPORTER_OTLP_ENDPOINT set, OpenTelemetry patches http and
// pg as they load, so it must start before anything imports them. Without it nothing is recorded
// or patched, and trace ids still travel with requests, log lines and events.
import { startTelemetry } from "@shop/observability/telemetry";

export const telemetry = startTelemetry("inventory");
