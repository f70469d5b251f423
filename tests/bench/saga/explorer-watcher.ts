/**
 * One open explorer page, as far as the explorer can tell, and how responsive it finds it:
 *  - its live feed (Server-Sent Events), read to the end and parsed, not rendered: for each saga
 *    first pushed as final, the delay from its final event (startedAt + durationMs) to the push
 *    that brought it, the page's view of "how late do I learn that a saga ended";
 *  - every 2 s what a page with an order open asks: the list of sagas (GET /api/sagas, what a page
 *    loads when it opens) and the newest saga's detail (GET /api/sagas/:id, a click), timed to the
 *    last byte.
 * The benchmark keeps one open, so the explorer's measured CPU includes its batching, its pushes,
 * its status polling and these requests. The page's own rendering (at most 50 rows per animation
 * frame) is not measured here: it does not grow with the rate (packages/explorer/README.md).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { percentile } from "./sagas";

interface Sample { at: number; ms: number }

/** What the explorer's page met over one phase. NaN where nothing was measured. */
export interface ExplorerFigures {
  pushes: number;
  /** From a saga's final event to the push that showed it final, ms. */
  sseDelayMs: { p50: number; p99: number; count: number };
  /** GET /api/sagas (500 summaries), to the last byte, ms. */
  sagasListMs: { p50: number; p99: number; count: number };
  /** GET /api/sagas/:id (the saga's events and its rows in four services), ms. */
  sagaDetailMs: { p50: number; p99: number; count: number };
}

export interface Watcher {
  /** Pushes and bytes received so far. */
  counts(): { pushes: number; bytes: number };
  /** What was measured between two wall-clock ms (a phase's first order and its quiet). */
  between(from: number, to: number): ExplorerFigures;
  stop(): void;
}

interface PushedSaga { orderId: string; state: string; startedAt: string; durationMs: number | null }

const probeEveryMs = 2000;

export function watchExplorer(explorerUrl: string): Watcher {
  const controller = new AbortController();
  const pushTimes: number[] = [];
  const sseDelays: Sample[] = [];
  const listTimes: Sample[] = [];
  const detailTimes: Sample[] = [];
  const seenFinal = new Set<string>();
  let bytes = 0;
  let newest: string | undefined;

  const onPush = (sagas: PushedSaga[]) => {
    const now = Date.now();
    pushTimes.push(now);
    for (const saga of sagas) {
      newest = saga.orderId;
      if (saga.durationMs === null || seenFinal.has(saga.orderId)) continue;
      seenFinal.add(saga.orderId);
      sseDelays.push({ at: now, ms: now - (Date.parse(saga.startedAt) + saga.durationMs) });
    }
  };

  void (async () => {
    const response = await fetch(`${explorerUrl}/api/live`, { signal: controller.signal });
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of response.body!) {
      bytes += chunk.byteLength;
      buffer += decoder.decode(chunk, { stream: true });
      const frames = buffer.split("\n\n");
      buffer = frames.pop()!; // an unfinished frame waits for the rest
      for (const frame of frames) {
        if (!frame.startsWith("event: sagas\n")) continue;
        onPush((JSON.parse(frame.slice(frame.indexOf("data: ") + 6)) as { sagas: PushedSaga[] }).sagas);
      }
    }
  })().catch(() => undefined); // aborted at the end

  const timed = async (url: string, into: Sample[]) => {
    const started = performance.now();
    const response = await fetch(url, { signal: controller.signal });
    await response.arrayBuffer();
    if (response.ok) into.push({ at: Date.now(), ms: performance.now() - started });
  };
  void (async () => {
    while (!controller.signal.aborted) {
      await sleep(probeEveryMs, undefined, { signal: controller.signal }); // a steady probe, as a page's timer
      await timed(`${explorerUrl}/api/sagas`, listTimes).catch(() => undefined);
      if (newest) await timed(`${explorerUrl}/api/sagas/${newest}`, detailTimes).catch(() => undefined);
    }
  })().catch(() => undefined);

  const within = (samples: Sample[], from: number, to: number) => {
    const values = samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.ms).sort((a, b) => a - b);
    return { p50: percentile(values, 50), p99: percentile(values, 99), count: values.length };
  };
  return {
    counts: () => ({ pushes: pushTimes.length, bytes }),
    between: (from, to) => ({
      pushes: pushTimes.filter((at) => at >= from && at <= to).length,
      sseDelayMs: within(sseDelays, from, to),
      sagasListMs: within(listTimes, from, to),
      sagaDetailMs: within(detailTimes, from, to),
    }),
    stop: () => controller.abort(),
  };
}
