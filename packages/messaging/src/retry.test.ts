import { backoffDelay, sleep } from "./retry";

const backoff = { initialMs: 100, maxMs: 2000 };

test("when attempts grow, then the delay doubles up to the cap, always within the upper half of its ceiling", () => {
  const low = (attempt: number) => backoffDelay(attempt, backoff, () => 0);
  const high = (attempt: number) => backoffDelay(attempt, backoff, () => 1);
  expect([0, 1, 2, 3, 4, 5, 50].map(low)).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
  expect([0, 1, 2, 3, 4, 5, 50].map(high)).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
});

test("when many clients back off at once, then their delays spread out (jitter)", () => {
  const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(3, backoff)));
  expect(delays.size).toBeGreaterThan(10);
});

test("when the signal aborts, then sleep resolves at once instead of waiting out the delay", async () => {
  const controller = new AbortController();
  const started = Date.now();
  const sleeping = sleep(60_000, controller.signal);
  controller.abort();
  await sleeping;
  expect(Date.now() - started).toBeLessThan(1000);
  await sleep(60_000, controller.signal); // already aborted: returns at once too
});
