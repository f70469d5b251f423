/**
 * The system's vital signs, polled every `intervalMs` while a page is open: what the supervisor
 * says of each service and of the infrastructure, whether each service answers ready and its
 * outbox backlog, every group's lag per partition, and the dead letters waiting in each DLQ.
 */
import { dlqTopic, topics, topicsConsumedBy } from "@shop/contracts";
import type { KafkaReader, PartitionLag } from "./kafka";
import { serviceHealth, type ServiceHealth, type ServiceUrls } from "./service-apis";
import type { InfraComponent, ServiceInstance, SupervisorClient } from "./supervisor-client";

export interface Status {
  at: string;
  supervisor: { url: string | null; error?: string; services: ServiceInstance[]; infra: InfraComponent[] };
  services: ServiceHealth[];
  lag: PartitionLag[];
  /** Per source topic: dead letters not re-driven yet (the DLQ's end minus the re-drive group's position). */
  deadLetters: Record<string, number>;
  kafkaError?: string;
}

/** The re-drive command's group on each DLQ (packages/messaging dead-letter.ts): where it stopped is what waits. */
const topicNames = Object.values(topics);
const redriveGroups = Object.fromEntries(topicNames.map((topic) => [`${dlqTopic(topic)}.redrive`, [dlqTopic(topic)]]));

export async function readStatus(urls: ServiceUrls, reader: KafkaReader, supervisor: SupervisorClient): Promise<Status> {
  const status: Status = {
    at: new Date().toISOString(), supervisor: { url: supervisor.url(), services: [], infra: [] }, services: [], lag: [], deadLetters: {},
  };
  const polls: Promise<unknown>[] = [
    Promise.all([supervisor.services(), supervisor.infra()]).then(([services, infra]) => {
      status.supervisor.services = services;
      status.supervisor.infra = infra;
    }, (error: Error) => (status.supervisor.error = error.message)),
    serviceHealth(urls).then((health) => (status.services = health)),
    reader.lag({ ...topicsConsumedBy, ...redriveGroups }).then((rows) => {
      status.lag = rows.filter((row) => !row.group.endsWith(".redrive"));
      for (const topic of topicNames) {
        status.deadLetters[topic] = rows.filter((row) => row.group === `${dlqTopic(topic)}.redrive`).reduce((sum, row) => sum + row.lag, 0);
      }
    }, (error: Error) => (status.kafkaError = `Kafka does not answer: ${error.message}`)),
  ];
  await Promise.all(polls);
  return status;
}

/** Polls while someone watches; `publish` gets each reading. */
export function startStatusPolling(read: () => Promise<Status>, watching: () => boolean, publish: (status: Status) => void, intervalMs = 2000) {
  let latest: Status | undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running || !watching()) return;
    running = true;
    read().then((status) => publish((latest = status)), () => undefined).finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return { latest: () => latest, stop: () => clearInterval(timer) };
}
