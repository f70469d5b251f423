import { ConfigError } from "./config";

/**
 * The last word of a service that could not start: what went wrong and what to do, without a
 * stack trace when the cause is the operator's setting rather than a bug. Exits with 1.
 */
export function exitOnStartupError(error: unknown): never {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    const { port } = error as { port?: number };
    console.error(`Port ${port ?? "(unknown)"} is already in use: stop the process that holds it, or set PORT to another port.`);
  } else {
    console.error("Start-up failed:", error);
  }
  process.exit(1);
}

/**
 * Times a start-up phase by phase, in milliseconds. It counts from the process's start
 * (`performance.now()`), so the first phase also holds Node, tsx and the imports.
 */
export function startupClock() {
  const phases: Record<string, number> = {};
  let last = 0;
  return {
    /** Ends the phase named `phase`; the next starts now. */
    mark(phase: string): void {
      const now = performance.now();
      phases[phase] = Math.round(now - last);
      last = now;
    },
    phases: () => ({ ...phases }),
    totalMs: () => Math.round(performance.now()),
  };
}
