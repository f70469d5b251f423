import closeWithGrace from "close-with-grace";
import type { Logger } from "@shop/observability";

/** One step of a shutdown: stop taking requests, finish the batch in flight, close a pool. */
export type ShutdownStep = () => Promise<unknown>;

/**
 * On SIGTERM or SIGINT (or an error nothing caught), runs `steps` in order and exits: 0 when they
 * all finished, 1 when one failed, when they took longer than `timeoutMs`, or when the cause was
 * an error. A second signal exits at once. close-with-grace (the fastify ecosystem's) does the
 * signal handling; this file says what each case logs. Why a library: docs/decisions/020.
 */
export function onShutdown(logger: Logger, steps: ShutdownStep[], timeoutMs = 15_000): void {
  closeWithGrace({
    delay: timeoutMs,
    logger: false, // every case is logged below, as JSON lines through the service's logger
    // Signals of a hardware fault leave the process unfit to run JavaScript; Node's default ends it.
    skip: ["SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGSEGV"],
    onSecondSignal: (signal) => logger.warn({ signal }, "second signal: exiting now"),
    onSecondError: (error) => logger.error({ err: error }, "second error while shutting down: exiting now"),
    onTimeout: () => logger.error({ timeoutMs }, "shutdown took too long: exiting"),
  }, async ({ signal, err }) => {
    if (err) logger.error({ err }, "uncaught error: shutting down");
    else logger.info({ signal }, "shutting down");
    try {
      for (const step of steps) await step();
    } catch (error) {
      logger.error({ err: error }, "shutdown failed");
      throw error; // close-with-grace exits with 1
    }
    logger.info("stopped");
  });
}
