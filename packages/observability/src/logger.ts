import { trace } from "@opentelemetry/api";
import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/**
 * JSON logs, one object per line, every line naming its service and, inside a traced
 * operation, its traceId and spanId: search the logs of all six services for one traceId to
 * follow one checkout. Handlers add eventId and orderId with `logger.child({ eventId, orderId })`.
 */
export function createLogger(service: string, level = "info", destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { traceId, spanId };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
