import { startOffsetCommitter, type PartitionOffset } from "./offset-committer";

function committerRecording({ failFirst = false } = {}) {
  const commits: PartitionOffset[][] = [];
  const errors: unknown[] = [];
  let calls = 0;
  const committer = startOffsetCommitter(60_000, async (offsets) => {
    if (failFirst && calls++ === 0) throw new Error("coordinator moved");
    commits.push(offsets);
  }, (error) => errors.push(error));
  return { committer, commits, errors };
}

const at = (topic: string, partition: number, offset: number): PartitionOffset => ({ topic, partition, offset: String(offset) });

test("when several batches of a partition are done before a commit, then one commit carries the newest offset of each partition", async () => {
  const { committer, commits } = committerRecording();
  committer.done(at("orders", 0, 5));
  committer.done(at("orders", 0, 9));
  committer.done(at("orders", 1, 3));
  await committer.flush();
  expect(commits).toEqual([[at("orders", 0, 9), at("orders", 1, 3)]]);
  await committer.flush();
  expect(commits).toHaveLength(1); // nothing new: no request
  await committer.stop();
});

test("when a commit fails, then the next one carries its offsets, unless a newer one arrived for the partition", async () => {
  const { committer, commits, errors } = committerRecording({ failFirst: true });
  committer.done(at("orders", 0, 5));
  committer.done(at("orders", 1, 3));
  await committer.flush();
  expect(errors).toHaveLength(1);
  committer.done(at("orders", 0, 7));
  await committer.stop();
  expect(commits).toEqual([[at("orders", 0, 7), at("orders", 1, 3)]]);
});

test("when partitions are taken away by a rebalance, then their waiting offsets are forgotten", async () => {
  const { committer, commits } = committerRecording();
  committer.done(at("orders", 0, 5));
  committer.done(at("orders", 1, 3));
  committer.keepOnly((topic, partition) => topic === "orders" && partition === 1);
  await committer.stop();
  expect(commits).toEqual([[at("orders", 1, 3)]]);
});
