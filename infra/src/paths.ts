import path from "node:path";

/** The repository root: infra/src/.. /.. */
export const repoRoot = path.resolve(__dirname, "..", "..");

/**
 * Everything native infra downloads or writes lives under `.cache/` (git ignores it):
 * unpacked launchers, resolved classpaths, and per-environment data dirs and logs.
 * Kafka's jars themselves stay in Maven's own cache (~/.m2).
 */
export const cacheDir = process.env.SHOP_CACHE_DIR ?? path.join(repoRoot, ".cache");
