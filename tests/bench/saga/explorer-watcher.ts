/**
 * One open explorer page, as far as the explorer can tell: its live feed (Server-Sent Events)
 * read to the end, counted, not rendered. With BENCH_EXPLORER=1 the benchmark keeps one open, so
 * the explorer's measured CPU includes its batching, its pushes and its status polling.
 */
export interface Watcher {
  /** Pushes and bytes received so far. */
  counts(): { pushes: number; bytes: number };
  stop(): void;
}

export function watchExplorer(explorerUrl: string): Watcher {
  const controller = new AbortController();
  let pushes = 0;
  let bytes = 0;
  void (async () => {
    const response = await fetch(`${explorerUrl}/api/live`, { signal: controller.signal });
    const decoder = new TextDecoder();
    for await (const chunk of response.body!) {
      bytes += chunk.byteLength;
      pushes += decoder.decode(chunk, { stream: true }).split("event: sagas").length - 1;
    }
  })().catch(() => undefined); // aborted at the end
  return { counts: () => ({ pushes, bytes }), stop: () => controller.abort() };
}
