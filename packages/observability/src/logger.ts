import { trace } from "@opentelemetry/api";
import pino, { type Logger } from "pino";
import { personalFields } from "@shop/contracts";

export type { Logger } from "pino";

/**
 * JSON logs, one object per line, every line naming its service and, inside a traced
 * operation, its traceId and spanId: search the logs of all six services for one traceId to
 * follow one checkout. Handlers add eventId and orderId with `logger.child({ eventId, orderId })`.
 * The fields the schemas mark as personal data are redacted wherever a logged object holds them
 * (up to three levels deep: an event, or an event inside the logged fields; docs/decisions/014):
 * events carry them sealed anyway, this is the second line.
 */
export function createLogger(service: string, level = "info", destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: personalDataPaths(), censor: "[personal data]" },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { traceId, spanId };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** pino redact paths for every marked field and the request's own `email`, at the top level and one or two levels down. */
export function personalDataPaths(): string[] {
  const fields = new Set(["email", ...Object.values(personalFields()).flatMap((list) => list!.map(({ path }) => path))]);
  return [...fields].flatMap((path) => [path, `*.${path}`, `*.*.${path}`]);
}
