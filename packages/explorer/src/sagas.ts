/**
 * The sagas as the explorer sees them: every event read from the topics, grouped by orderId, kept
 * for the latest `capacity` orders only (the oldest is forgotten first), so memory stays bounded
 * whatever the rate. Pure data and functions: kafka-tail.ts feeds it, http.ts reads it.
 */

/** One decoded event with where it came from. Payloads stay as the codec decoded them (encrypted fields stay ciphertext). */
export interface SeenEvent {
  eventId: string;
  eventType: string;
  producer: string;
  orderId: string;
  occurredAt: string;
  causationId: string | null;
  topic: string;
  partition: number;
  offset: string;
  headers: Record<string, string>;
  payload: unknown;
}

export type SagaState = "PENDING" | "RESERVED" | "PAID" | "CONFIRMED" | "CANCELLED";

export interface Saga {
  orderId: string;
  state: SagaState;
  reason: string | null;
  /** The trace of the order's first event (its traceparent), to find its spans. */
  traceId: string | null;
  startedAt: string;
  /** Ms from the first event to OrderConfirmed or OrderCancelled; null while in flight. */
  durationMs: number | null;
  events: SeenEvent[];
}

/** What the table of sagas shows per order: no payloads, so a page of 500 stays small. */
export interface SagaSummary {
  orderId: string;
  state: SagaState;
  reason: string | null;
  startedAt: string;
  durationMs: number | null;
  steps: { eventType: string; producer: string; hopMs: number | null; kind: StepKind }[];
}

export type StepKind = "progress" | "failure" | "compensation" | "outcome";

const failures = new Set(["StockReservationFailed", "PaymentFailed", "ShipmentFailed"]);
const compensations = new Set(["StockReleased", "PaymentRefunded"]);

export function kindOf(eventType: string): StepKind {
  if (failures.has(eventType)) return "failure";
  if (compensations.has(eventType)) return "compensation";
  if (eventType === "OrderConfirmed" || eventType === "OrderCancelled") return "outcome";
  return "progress";
}

/** The order's state as its own service would have it, from the facts seen so far (ARCHITECTURE §5). */
function stateAfter(saga: Saga, event: SeenEvent): void {
  const payload = event.payload as { reason?: string };
  if (saga.state === "CONFIRMED" || saga.state === "CANCELLED") return; // a final order stays final
  if (event.eventType === "OrderConfirmed") saga.state = "CONFIRMED";
  else if (event.eventType === "OrderCancelled") {
    saga.state = "CANCELLED";
    saga.reason = payload.reason ?? null;
  } else if (event.eventType === "PaymentCaptured") saga.state = "PAID";
  else if (event.eventType === "StockReserved" && saga.state === "PENDING") saga.state = "RESERVED";
  if (saga.state === "CONFIRMED" || saga.state === "CANCELLED") {
    saga.durationMs = Date.parse(event.occurredAt) - Date.parse(saga.startedAt);
  }
}

/**
 * Causation order: each event after the event that caused it, siblings by time. Events whose
 * cause is not here (a lost first event) come in time order, where they fall.
 */
export function causationOrder(events: readonly SeenEvent[]): SeenEvent[] {
  const byTime = [...events].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  const ids = new Set(byTime.map((event) => event.eventId));
  const children = new Map<string, SeenEvent[]>();
  const roots: SeenEvent[] = [];
  for (const event of byTime) {
    if (event.causationId && ids.has(event.causationId) && event.causationId !== event.eventId) {
      children.set(event.causationId, [...(children.get(event.causationId) ?? []), event]);
    } else roots.push(event);
  }
  const ordered: SeenEvent[] = [];
  const visit = (event: SeenEvent) => {
    ordered.push(event);
    for (const child of children.get(event.eventId) ?? []) visit(child);
  };
  roots.forEach(visit);
  return ordered;
}

/** Ms between an event and the event that caused it (the hop), or null for a first event. */
export function hopMs(event: SeenEvent, events: readonly SeenEvent[]): number | null {
  const cause = events.find((candidate) => candidate.eventId === event.causationId);
  return cause ? Date.parse(event.occurredAt) - Date.parse(cause.occurredAt) : null;
}

export function summarize(saga: Saga): SagaSummary {
  const ordered = causationOrder(saga.events);
  return {
    orderId: saga.orderId, state: saga.state, reason: saga.reason, startedAt: saga.startedAt, durationMs: saga.durationMs,
    steps: ordered.map((event) => ({ eventType: event.eventType, producer: event.producer, hopMs: hopMs(event, saga.events), kind: kindOf(event.eventType) })),
  };
}

export interface SagaStore {
  /** Adds an event (a duplicate eventId is ignored); returns the saga it belongs to. */
  add(event: SeenEvent): Saga;
  get(orderId: string): Saga | undefined;
  /** Newest first. */
  list(): Saga[];
  size(): number;
}

export function createSagaStore(capacity: number): SagaStore {
  const sagas = new Map<string, Saga>(); // insertion order: the oldest saga first
  return {
    add(event) {
      let saga = sagas.get(event.orderId);
      if (!saga) {
        saga = { orderId: event.orderId, state: "PENDING", reason: null, traceId: null, startedAt: event.occurredAt, durationMs: null, events: [] };
        sagas.set(event.orderId, saga);
        if (sagas.size > capacity) sagas.delete(sagas.keys().next().value!);
      }
      if (saga.events.some((seen) => seen.eventId === event.eventId)) return saga; // at-least-once: the same event twice
      saga.events.push(event);
      if (event.occurredAt < saga.startedAt) saga.startedAt = event.occurredAt;
      if (event.eventType === "OrderPlaced" || !saga.traceId) saga.traceId = traceIdOf(event.headers.traceparent) ?? saga.traceId;
      stateAfter(saga, event);
      return saga;
    },
    get: (orderId) => sagas.get(orderId),
    list: () => [...sagas.values()].reverse(),
    size: () => sagas.size,
  };
}

function traceIdOf(traceparent: string | undefined): string | null {
  return /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent ?? "")?.[1] ?? null;
}
