/**
 * Resolves on the first SIGINT (Ctrl-C) or SIGTERM. Signal listeners alone do not keep Node
 * running; the timer does, until a signal comes, or until `dispose` (when the command ends for
 * another reason, e.g. a failed start-up).
 *
 * After the first signal, a repeat within 2 s is ignored: under `pnpm <script>`, Ctrl-C reaches
 * this process twice (the terminal signals the whole process group, and pnpm relays the signal
 * to its script: pnpm issue 7374), and the clean shutdown must not be cut short. A later
 * Ctrl-C means "now": the process exits at once (130), and the reaper (reaper.ts) cleans up.
 */
export type Stopped = Promise<NodeJS.Signals> & { dispose(): void };

export function untilStopped(): Stopped {
  let dispose = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    const keepAlive = setInterval(() => {}, 60_000);
    const stop = (signal: NodeJS.Signals) => {
      dispose();
      const firstAt = Date.now();
      const repeat = () => {
        if (Date.now() - firstAt < 2000) return;
        console.error("\nStopping at once (the reaper stops what is left).");
        process.exit(130);
      };
      process.on("SIGINT", repeat);
      process.on("SIGTERM", repeat);
      resolve(signal);
    };
    dispose = () => {
      clearInterval(keepAlive);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return Object.assign(promise, { dispose });
}
