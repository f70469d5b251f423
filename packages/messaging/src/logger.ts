/**
 * The logger this package writes to: the subset of pino's API it calls, so a service passes its
 * pino logger and this package does not depend on a logging library.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const ignore = () => {};

/** The default: says nothing (tests and scripts that do not care). */
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/** An error as log fields: pino serialises `err`, other loggers at least get the message. */
export function errorFields(error: unknown): { err: unknown; error: string } {
  return { err: error, error: error instanceof Error ? error.message : String(error) };
}
