// Imported first by main.ts: OpenTelemetry patches http and pg as they load, so it must start
// before anything imports them. Without OTEL_EXPORTER_OTLP_ENDPOINT, nothing is exported.
import { startTelemetry } from "@shop/observability/telemetry";

export const telemetry = startTelemetry("email");
