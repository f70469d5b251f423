// Run before main.ts by `node --import ./src/telemetry.ts` (package.json "start"), before
// anything loads http or pg: see packages/service-kit/src/telemetry.ts.
import { startServiceTelemetry } from "@shop/service-kit/telemetry";

startServiceTelemetry("warehouse");
