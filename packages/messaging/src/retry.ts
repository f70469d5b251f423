/**
 * Backoff for retries: exponential, capped, with jitter so that many consumers failing at once
 * (a database restart) do not all come back in the same millisecond.
 */
export interface Backoff {
  /** Delay before the first retry. */
  initialMs: number;
  /** Cap on any one delay. */
  maxMs: number;
}

/**
 * The delay before retry number `attempt` (0-based): "equal jitter", a random point in the upper
 * half of min(maxMs, initialMs * 2^attempt). Never less than half, so retries cannot hammer.
 */
export function backoffDelay(attempt: number, { initialMs, maxMs }: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Resolves after `ms`, or as soon as `signal` aborts (stop() must not wait out a long backoff). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
