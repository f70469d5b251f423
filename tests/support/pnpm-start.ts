/**
 * `pnpm start` itself, run as a learner runs it (the supervisor, the control API, the six
 * services, the explorer, and native Kafka, registry and PostgreSQL of its own), in a cache
 * folder of its own (SHOP_CACHE_DIR) so that it neither uses nor touches the repository's
 * .cache/infra/dev. The services listen on their default ports (3001-3006), as the guides'
 * commands expect; the control API and the explorer on free ones. `interrupt()` is Ctrl-C: SIGINT
 * to the process group, as a terminal sends it.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, resetNativeEnvironment, waitFor } from "@shop/infra";
import { isListening } from "@shop/infra/src/ports";
import { servicePorts } from "@shop/infra/src/service-env";

export interface PnpmStart {
  /** The SHOP_CACHE_DIR it runs in; its dev environment is `${cacheDir}/infra/dev`. */
  cacheDir: string;
  devDir: string;
  /** The variables a command needs to talk to this `pnpm start` (pnpm svc, forge, poison...). */
  env: NodeJS.ProcessEnv;
  /** The control API's address. */
  supervisorUrl: string;
  /** Everything it printed so far. */
  output(): string;
  /** Ctrl-C: resolves with its exit code once it has stopped. */
  interrupt(): Promise<number | null>;
  /** Stops whatever still runs and deletes its data. Safe after interrupt(). */
  remove(): Promise<void>;
}

const repoRoot = path.resolve(__dirname, "..", "..");
const repoCache = path.join(repoRoot, ".cache");

export async function startPnpmStart(extraEnv: Record<string, string> = {}, readyTimeoutMs = 300_000): Promise<PnpmStart> {
  for (const [name, port] of Object.entries(servicePorts)) {
    if (await isListening(port)) throw new Error(`Port ${port} (${name}) is in use: this test runs \`pnpm start\`, which needs 3001-3006. Stop the other pnpm start first.`);
  }
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "pnpm-start-"));
  // Kafka's resolved classpath and the unpacked registry are downloads, not data: share them.
  for (const entry of fs.existsSync(repoCache) ? fs.readdirSync(repoCache) : []) {
    if (/^kafka-.*\.classpath$|^apicurio-registry-/.test(entry)) fs.symlinkSync(path.join(repoCache, entry), path.join(cacheDir, entry));
  }
  const devDir = path.join(cacheDir, "infra", "dev");
  const supervisorPort = await freePort();
  const env = { ...process.env, SHOP_CACHE_DIR: cacheDir, FORCE_COLOR: "0" };
  const child = spawn("pnpm", ["start"], {
    cwd: repoRoot, detached: true, stdio: ["ignore", "pipe", "pipe"],
    env: { ...env, SUPERVISOR_PORT: String(supervisorPort), EXPLORER_PORT: String(await freePort()), ...extraEnv },
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  const interrupt = async () => {
    if (child.exitCode === null) process.kill(-child.pid!, "SIGINT");
    return exited;
  };
  const remove = async () => {
    if (child.exitCode === null && child.signalCode === null) await interrupt();
    await resetNativeEnvironment(devDir);
    fs.rmSync(cacheDir, { recursive: true, force: true });
  };

  try {
    await waitFor("pnpm start to be ready", () => {
      if (child.exitCode !== null) throw new Error(`pnpm start exited with ${child.exitCode}:\n${output}`);
      return output.includes("The checkout saga is running");
    }, { timeoutMs: readyTimeoutMs, intervalMs: 250 });
  } catch (error) {
    await remove();
    throw error;
  }
  return { cacheDir, devDir, env, supervisorUrl: `http://127.0.0.1:${supervisorPort}`, output: () => output, interrupt, remove };
}
