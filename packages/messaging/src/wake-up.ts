/**
 * How an idle relay waits: until a NOTIFY on the outbox channel says a commit added rows (or a
 * commit in this process says so directly: wake), until the poll interval passes (the safety
 * net), or until the relay is told to stop.
 */
import type pg from "pg";
import { outboxChannel } from "./outbox";
import { sleep } from "./retry";

export interface WakeUp {
  /** Forget earlier notifications. Call it before looking for rows, so one that arrives while looking is kept. */
  reset(): void;
  /** Resolves on the first NOTIFY (or wake()) since reset(), after `timeoutMs`, or when the stop signal aborts. */
  wait(timeoutMs: number): Promise<void>;
  /** Wakes the relay as a NOTIFY would: a commit in this process added rows. */
  wake(): void;
  close(): void;
}

export async function listenForCommits(db: pg.Client, stop: AbortSignal): Promise<WakeUp> {
  let woken = new AbortController();
  const wake = () => woken.abort();
  db.on("notification", wake);
  stop.addEventListener("abort", wake);
  await db.query(`LISTEN ${outboxChannel}`);
  return {
    reset: () => (woken = new AbortController()),
    wait: (timeoutMs) => sleep(timeoutMs, woken.signal),
    wake,
    close() {
      db.off("notification", wake);
      stop.removeEventListener("abort", wake);
    },
  };
}
