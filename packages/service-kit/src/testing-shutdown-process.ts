/**
 * For shutdown.test.ts: a process that installs onShutdown with the steps `process.argv[2]`
 * names, logs "ready", and runs until a signal (or, with "uncaught", throws once ready).
 */
import { createLogger } from "@shop/observability";
import { onShutdown, type ShutdownStep } from "./shutdown";

const logger = createLogger("shutdown-test", "info");
const steps: Record<string, ShutdownStep[]> = {
  ok: [async () => logger.info("step 1"), async () => logger.info("step 2")],
  failing: [async () => { throw new Error("the pool would not close"); }, async () => logger.info("step 2")],
  hanging: [() => new Promise(() => {})],
  uncaught: [async () => logger.info("step 1")],
};
const mode = process.argv[2] ?? "ok";
onShutdown(logger, steps[mode]!, 1000);
setInterval(() => {}, 60_000); // the work of a service: runs until the shutdown ends it
logger.info("ready");
if (mode === "uncaught") setImmediate(() => { throw new Error("a bug nothing caught"); });
