import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/**
 * JSON logs, one object per line, every line naming its service. Read them with
 * `pnpm start` (which prints them readably) or pipe a service through `pino-pretty`.
 */
export function createLogger(service: string, level = "info"): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
