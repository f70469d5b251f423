/**
 * The messaging metrics, in prom-client's default registry (a service serves it at /metrics):
 * what an operator watches to see whether events flow, and where they pile up.
 */
import { Counter, Gauge, Histogram } from "prom-client";

export const outboxBacklog = new Gauge({
  name: "outbox_backlog_messages",
  help: "Outbox rows not yet published (measured by the leading relay).",
});

export const outboxOldestAge = new Gauge({
  name: "outbox_oldest_unpublished_seconds",
  help: "Age of the oldest unpublished outbox row: how far behind the relay is.",
});

export const relayPublishSeconds = new Histogram({
  name: "relay_publish_seconds",
  help: "Time for Kafka to acknowledge one batch of outbox rows (acks=all).",
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

export const relayPublished = new Counter({
  name: "relay_published_messages_total",
  help: "Outbox rows published to Kafka.",
});

export const consumerLag = new Gauge({
  name: "consumer_lag_messages",
  help: "Messages in the partition after the last one handled (the high-water mark minus the next offset).",
  labelNames: ["topic", "partition"],
});

export const handlerSeconds = new Histogram({
  name: "consumer_handler_seconds",
  help: "Time a handler took inside the inbox transaction: for one event, or for a batch handler's whole batch (event_type \"(batch)\").",
  labelNames: ["event_type"],
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
});

export const consumedEvents = new Counter({
  name: "consumer_events_total",
  help: "Events taken from Kafka by the inbox, by outcome: handled, or skipped as a duplicate.",
  labelNames: ["outcome"],
});

export const consumerRetries = new Counter({
  name: "consumer_retries_total",
  help: "Backoffs before trying again (a failing handler, an unreachable database or registry).",
});

export const deadLettered = new Counter({
  name: "consumer_dead_lettered_total",
  help: "Messages sent to a <topic>.dlq, by why.",
  labelNames: ["kind"],
});

export const kafkaRequests = new Counter({
  name: "kafka_requests_total",
  help: "Requests this process sent to Kafka brokers (produce, fetch, offset commit, heartbeat...), by client role and API.",
  labelNames: ["client", "api"],
});

export const contradictingEvents = new Counter({
  name: "contradicting_events_total",
  help: "Events a service did not act on because they contradict what it knows (a cancel after a final state, a capture that is not the total).",
  labelNames: ["event_type"],
});
