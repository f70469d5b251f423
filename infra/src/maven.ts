import { spawn } from "node:child_process";
import readline from "node:readline";
import { repoRoot } from "./paths";
import { which } from "./processes";
import type { Progress } from "./progress";

/**
 * Runs `mvn -B <args>` and reports each download as one short progress line, so a cold start
 * shows what it is fetching. Throws with the end of Maven's output when it fails.
 */
export async function runMaven(args: string[], what: string, progress: Progress): Promise<void> {
  if (!which("mvn")) {
    throw new Error(`Maven (mvn) not found on PATH: install it (e.g. apt install maven), then run again; it downloads ${what} once.`);
  }
  const child = spawn("mvn", ["-B", ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  for await (const line of readline.createInterface({ input: child.stdout })) {
    output.push(line);
    // "[INFO] Downloaded from central: https://…/kafka_2.13-4.4.0.jar (6.5 MB at …)" → "Downloaded kafka_2.13-4.4.0.jar (6.5 MB at …)".
    // Only archives: on an empty ~/.m2 the hundreds of POM lines would bury them.
    const download = /^(?:\[INFO\] )?(Downloading|Downloaded) from [^:]+: \S*\/(\S+\.(?:jar|zip|tar\.gz))(.*)$/.exec(line);
    if (download) progress(`${download[1]} ${download[2]}${download[3]}`);
  }
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0) throw new Error(`mvn could not fetch ${what} (exit ${code}):\n${output.slice(-20).join("\n")}`);
}
