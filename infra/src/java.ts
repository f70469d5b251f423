import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { which } from "./processes";

/**
 * A `java` of at least `minVersion`: `$JAVA_HOME`, then `java` on PATH, then JDKs installed side
 * by side in the usual places (a newer JDK often sits next to the default one, unused).
 * Kafka 4 runs on Java 17+; Apicurio Registry 3 needs 21+.
 */
export function findJava(minVersion: number, forWhat: string): string {
  const jvmDirs = ["/usr/lib/jvm", "/Library/Java/JavaVirtualMachines"].flatMap((dir) =>
    fs.existsSync(dir) ? fs.readdirSync(dir).sort().reverse().map((name) => path.join(dir, name)) : [],
  );
  const onPath = which("java");
  const candidates = [
    ...(process.env.JAVA_HOME ? [path.join(process.env.JAVA_HOME, "bin", "java")] : []),
    ...(onPath ? [onPath] : []),
    ...jvmDirs.flatMap((home) => [path.join(home, "bin", "java"), path.join(home, "Contents", "Home", "bin", "java")]),
  ].filter((java) => fs.existsSync(java));
  const seen: string[] = [];
  for (const java of new Set(candidates)) {
    // `java -version` prints e.g. `openjdk version "21.0.5"` (or "1.8.0_402" for Java 8) on stderr.
    const version = /version "(?:1\.)?(\d+)/.exec(spawnSync(java, ["-version"], { encoding: "utf8" }).stderr ?? "");
    if (version && Number(version[1]) >= minVersion) return java;
    seen.push(`${java} is Java ${version?.[1] ?? "of unknown version"}`);
  }
  throw new Error(
    `${forWhat} needs Java ${minVersion}+ (${seen.length ? seen.join("; ") : "no java found"}): ` +
      `install a JDK ${minVersion}+ (e.g. apt install openjdk-21-jre-headless) or set JAVA_HOME to one.`,
  );
}
