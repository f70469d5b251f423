// The saga explorer: a web page that shows every saga live and breaks the system on purpose.
// A tool that reads the system from outside, not a seventh business service (README.md).
// Reading order: main.ts (wiring) → kafka.ts (tail, lag, poison) → ingest.ts → sagas.ts (the
// sagas' model) → live.ts (batched SSE) → status.ts → http.ts (API) → public/app.js (the page).
import { topics } from "@shop/contracts";
import { schemaRegistryCodec } from "@shop/messaging";
import { createLogger } from "@shop/observability";
import { exitOnStartupError, onShutdown } from "@shop/service-kit";
import { loadConfig } from "./config";
import { buildHttp } from "./http";
import { createLatestMessages, ingester } from "./ingest";
import { connectReader, tailTopics } from "./kafka";
import { createLiveFeed } from "./live";
import { createMailbox } from "./mails";
import { createSagaStore } from "./sagas";
import { createSpanStore } from "./spans";
import { readStatus, startStatusPolling } from "./status";
import { supervisorClient } from "./supervisor-client";

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger("explorer", config.LOG_LEVEL);
  const access = { brokers: config.KAFKA_BROKERS.split(","), credentials: { username: config.KAFKA_USERNAME, password: config.KAFKA_PASSWORD } };
  const urls = {
    order: config.ORDER_URL, inventory: config.INVENTORY_URL, payment: config.PAYMENT_URL,
    email: config.EMAIL_URL, warehouse: config.WAREHOUSE_URL, analytics: config.ANALYTICS_URL,
  };
  // Decode only: no schema ids needed. The same codec as the services, so the page shows what they see.
  const codec = schemaRegistryCodec({
    url: config.SCHEMA_REGISTRY_URL, auth: { username: config.SCHEMA_REGISTRY_USERNAME, password: config.SCHEMA_REGISTRY_PASSWORD }, schemaIds: {},
  });
  const sagas = createSagaStore(config.SAGAS_KEPT);
  const latest = createLatestMessages(20);
  const live = createLiveFeed(sagas);
  const supervisor = supervisorClient(config.SUPERVISOR_URL, config.SUPERVISOR_FILE);

  const reader = await connectReader(access);
  const ingest = ingester(codec, sagas, latest);
  // ~8 events per saga over 3 partitions: enough history to fill SAGAS_KEPT after a restart.
  const recentPerPartition = Math.ceil((config.SAGAS_KEPT * 8) / 3);
  const tail = await tailTopics(access, Object.values(topics), recentPerPartition, async (messages) => live.sagasChanged(await ingest(messages)));
  const status = startStatusPolling(() => readStatus(urls, reader, supervisor), () => live.watchers() > 0, (reading) => live.send("status", reading));

  const app = buildHttp({
    logger, sagas, latest, live, reader, supervisor, urls, spans: createSpanStore(config.SPANS_KEPT), mails: createMailbox(200),
    kafka: { ...access, clientId: "explorer-dlq", logger }, status: status.latest, jaegerUrl: config.JAEGER_URL,
  });
  await app.listen({ port: config.EXPLORER_PORT, host: config.HOST });
  logger.info({ url: `http://localhost:${(app.server.address() as { port: number }).port}` }, "the saga explorer is open");

  onShutdown(logger, [
    async () => {
      status.stop();
      live.close(); // end the pages' live feeds, or app.close() waits for them
    },
    () => app.close(),
    () => tail.stop(),
    () => reader.close(),
  ]);
}

main().catch(exitOnStartupError);
