/**
 * kafkajs 2.2.4 re-arms a 1 ms timer per broker connection even when idle (kafkajs issues 1556
 * and 1604), which costs every idle service 3-6 % of a core. packages/messaging/patches carries
 * the fix as a pnpm patch; this test fails if the patch is not applied (e.g. after an upgrade).
 * `pnpm bench:idle` measures the CPU of an idle, connected consumer.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require("kafkajs/src/network/requestQueue") as new (options: object) => {
  pending: unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
};

describe("kafkajs idle timer patch", () => {
  test("when no request is pending, then the request queue arms no timer", () => {
    const noop = () => {};
    const logger = { debug: noop, info: noop, warn: noop, error: noop, namespace: () => logger };
    const queue = new RequestQueue({
      instrumentationEmitter: null, maxInFlightRequests: null, requestTimeout: 30_000,
      enforceRequestTimeout: true, clientId: "test", broker: "none", logger, isConnected: () => true,
    });
    queue.scheduleCheckPendingRequests();
    expect(queue.pending).toHaveLength(0);
    expect(queue.throttleCheckTimeoutId).toBeNull();
    queue.destroy();
  });
});
