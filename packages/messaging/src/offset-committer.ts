/**
 * Offsets committed to Kafka at most every `intervalMs`, instead of after every batch: one
 * OffsetCommit round trip per interval per consumer, however many batches it handled, and none
 * while idle. Safe because the inbox deduplicates: after a crash or a rebalance, at most the last
 * interval's messages come again, and the inbox skips them. stop() commits what is left.
 * Knows nothing of Kafka's client: kafka.ts gives it the function that commits.
 */
export interface PartitionOffset {
  topic: string;
  partition: number;
  /** The next offset to read: the last handled message's offset + 1. */
  offset: string;
}

export interface OffsetCommitter {
  /** Messages before `offset` are done (their transaction committed, or they were dead-lettered). */
  done(position: PartitionOffset): void;
  /** After a rebalance: forget partitions this consumer no longer has (their new owner goes on from the last commit). */
  keepOnly(assigned: (topic: string, partition: number) => boolean): void;
  /** Commits what is waiting now (stop and tests); runs after any commit in flight. */
  flush(): Promise<void>;
  /** Stops the timer and commits what is left. */
  stop(): Promise<void>;
}

export function startOffsetCommitter(
  intervalMs: number, commit: (offsets: PartitionOffset[]) => Promise<void>, onError: (error: unknown) => void,
): OffsetCommitter {
  const waiting = new Map<string, PartitionOffset>(); // by "topic/partition": the newest done offset, not committed yet
  let inFlight: Promise<void> = Promise.resolve(); // commits run one after the other, so an older one never lands last

  async function commitWaiting(): Promise<void> {
    if (waiting.size === 0) return;
    const offsets = [...waiting.values()];
    waiting.clear();
    try {
      await commit(offsets);
    } catch (error) {
      onError(error);
      // Try again at the next tick, unless a newer offset for the partition arrived meanwhile.
      for (const position of offsets) {
        const key = `${position.topic}/${position.partition}`;
        if (!waiting.has(key)) waiting.set(key, position);
      }
    }
  }

  const flush = () => (inFlight = inFlight.then(commitWaiting));
  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();
  return {
    done: (position) => void waiting.set(`${position.topic}/${position.partition}`, position),
    keepOnly(assigned) {
      for (const [key, { topic, partition }] of waiting) if (!assigned(topic, partition)) waiting.delete(key);
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
