/**
 * Resolves on the first SIGINT (Ctrl-C) or SIGTERM. Signal listeners alone do not keep Node
 * running; the timer does, until a signal comes.
 */
export function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 60_000);
    const stop = (signal: NodeJS.Signals) => {
      clearInterval(keepAlive);
      resolve(signal);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
