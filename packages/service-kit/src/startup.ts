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
