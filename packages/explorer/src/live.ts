/**
 * The page's live feed (Server-Sent Events), batched so its cost does not grow with the rate of
 * events: changed sagas are collected and pushed at most every `intervalMs` (250 ms: 4 a second),
 * at most `maxPerPush` of them (the newest), as summaries without payloads. With 200 orders/s
 * (~1,600 events/s) a push carries ~50 sagas, 4 times a second. Status (services, lag, backlog)
 * is pushed as it is polled. Nothing is pushed, and nothing polled, while no page is open.
 */
import type { ServerResponse } from "node:http";
import { summarize, type SagaStore } from "./sagas";

export interface LiveFeed {
  /** Adds a page; returns how to remove it. */
  attach(response: ServerResponse): () => void;
  sagasChanged(orderIds: readonly string[]): void;
  send(event: string, data: unknown): void;
  watchers(): number;
  close(): void;
}

export function createLiveFeed(sagas: SagaStore, { intervalMs = 250, maxPerPush = 200 } = {}): LiveFeed {
  const pages = new Set<ServerResponse>();
  const changed = new Set<string>();
  const send = (event: string, data: unknown) => {
    if (pages.size === 0) return;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const page of pages) page.write(frame);
  };
  const timer = setInterval(() => {
    if (changed.size === 0 || pages.size === 0) return;
    const ids = [...changed].slice(-maxPerPush); // the latest changes; older ones are in the next full load
    changed.clear();
    const summaries = ids.map((id) => sagas.get(id)).filter((saga) => saga !== undefined).map(summarize);
    send("sagas", { sagas: summaries, total: sagas.size() });
  }, intervalMs);
  timer.unref();

  return {
    attach(response) {
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      response.write(": the saga explorer's live feed\n\n");
      pages.add(response);
      const detach = () => pages.delete(response);
      response.on("close", detach);
      return detach;
    },
    sagasChanged(orderIds) {
      if (pages.size === 0) return;
      for (const id of orderIds) {
        changed.delete(id); // re-insert: the Set's order is the order of the latest change
        changed.add(id);
      }
    },
    send,
    watchers: () => pages.size,
    close() {
      clearInterval(timer);
      for (const page of pages) page.end();
      pages.clear();
    },
  };
}
