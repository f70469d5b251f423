/**
 * The reaper: a small watchdog process that stops a native environment when the process that
 * owns it dies without stopping it (Ctrl-C before teardown, a crashed or killed Jest or CLI).
 * testcontainers does the same for containers with its Ryuk container.
 *
 *   node --import tsx infra/src/reaper.ts <ownerPid> <environmentDir>
 */
import fs from "node:fs";
import { spawn } from "node:child_process";
import path from "node:path";
import { stateFileOf, stopNativeEnvironment } from "./native-environment";
import { isAlive } from "./processes";
import { repoRoot } from "./paths";

/** Starts a reaper for `dir`, owned by the current process. It exits by itself once the environment is gone. */
export function startReaper(dir: string, ownerPid = process.pid): void {
  const child = spawn(process.execPath, ["--import", "tsx", __filename, String(ownerPid), dir], {
    cwd: repoRoot, // so that `--import tsx` resolves to the workspace's tsx
    detached: true,
    stdio: ["ignore", fs.openSync(path.join(dir, "reaper.log"), "a"), fs.openSync(path.join(dir, "reaper.log"), "a")],
  });
  child.unref();
}

async function watch(ownerPid: number, dir: string): Promise<void> {
  // Poll once a second: cheap, and fast enough for a clean-up after a crash.
  const timer = setInterval(() => {
    if (!fs.existsSync(stateFileOf(dir))) {
      clearInterval(timer); // stopped normally; nothing to do
      return;
    }
    if (isAlive(ownerPid)) return;
    clearInterval(timer);
    console.log(`${new Date().toISOString()} owner ${ownerPid} is gone; stopping the environment in ${dir}`);
    stopNativeEnvironment(dir).catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
  }, 1000);
}

if (require.main === module) {
  const [ownerPid, dir] = process.argv.slice(2);
  if (!ownerPid || !dir) {
    console.error("usage: reaper.ts <ownerPid> <environmentDir>");
    process.exit(2);
  }
  void watch(Number(ownerPid), dir);
}
