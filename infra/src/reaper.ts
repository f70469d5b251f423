/**
 * The reaper: a small watchdog process that cleans up after a process that dies without doing it
 * itself (Ctrl-C before teardown, a crashed or killed Jest, a `kill -9` of `pnpm start`).
 * testcontainers does the same for containers with its Ryuk container. When the owner dies, it
 *   1. stops the services that owner supervised (their pids are in <dir>/services.pids), and
 *   2. stops the environment's components, if that owner still owns them (state.json's ownerPid):
 *      a newer `pnpm start` may have taken them over. A disposable environment is also deleted.
 * It exits by itself once there is nothing of its owner's left to guard.
 *
 *   node --import tsx infra/src/reaper.ts <ownerPid> <environmentDir>
 */
import fs from "node:fs";
import { spawn } from "node:child_process";
import path from "node:path";
import { readState, stopNativeEnvironment, writeState } from "./native-environment";
import { isAlive, stopProcess } from "./processes";
import { repoRoot } from "./paths";

/** The supervisor's record of the services it runs, for the reaper. */
export const servicePidsFileOf = (dir: string) => path.join(dir, "services.pids");

export function writeServicePids(dir: string, pids: number[], ownerPid = process.pid): void {
  fs.writeFileSync(`${servicePidsFileOf(dir)}.tmp`, JSON.stringify({ ownerPid, pids }));
  fs.renameSync(`${servicePidsFileOf(dir)}.tmp`, servicePidsFileOf(dir));
}

/** Removes the record, if it is still `ownerPid`'s (a newer `pnpm start` may have written its own). */
export function removeServicePids(dir: string, ownerPid = process.pid): void {
  if (servicePidsOf(dir, ownerPid) !== undefined) fs.rmSync(servicePidsFileOf(dir), { force: true });
}

function servicePidsOf(dir: string, ownerPid: number): number[] | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(servicePidsFileOf(dir), "utf8")) as { ownerPid: number; pids: number[] };
    return record.ownerPid === ownerPid ? record.pids : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a reaper for `dir`, owned by the current process, and records its pid in the state (if any). */
export function startReaper(dir: string, ownerPid = process.pid): void {
  const log = fs.openSync(path.join(dir, "reaper.log"), "a");
  const child = spawn(process.execPath, ["--import", "tsx", __filename, String(ownerPid), dir], {
    cwd: repoRoot, // so that `--import tsx` resolves to the workspace's tsx
    detached: true,
    stdio: ["ignore", log, log],
  });
  fs.closeSync(log);
  child.unref();
  const state = readState(dir);
  if (state?.ownerPid === ownerPid) writeState({ ...state, reaperPid: child.pid });
}

function removeSupervisorFile(dir: string, ownerPid: number): void {
  const file = path.join(dir, "supervisor.json"); // control-api.ts
  try {
    if ((JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number }).pid === ownerPid) fs.rmSync(file, { force: true });
  } catch { /* none */ }
}

async function reap(ownerPid: number, dir: string): Promise<void> {
  const say = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  const services = servicePidsOf(dir, ownerPid) ?? [];
  if (services.length) say(`owner ${ownerPid} is gone; stopping its services (pids ${services.join(", ")})`);
  // Each service leads its own process group (supervisor.ts): signal the group.
  await Promise.all(services.map((pid) => stopProcess(-pid, { graceMs: 10_000 }).catch(() => undefined)));
  removeServicePids(dir, ownerPid);
  removeSupervisorFile(dir, ownerPid); // the control API died with its owner
  const state = readState(dir);
  if (state?.ownerPid === ownerPid) {
    say(`owner ${ownerPid} is gone; stopping the environment in ${dir}${state.disposable ? " and deleting it" : " (its data stays)"}`);
    await stopNativeEnvironment(dir);
  }
}

function watch(ownerPid: number, dir: string): void {
  // Poll once a second: cheap, and fast enough for a clean-up after a crash.
  const timer = setInterval(() => {
    const guarding = servicePidsOf(dir, ownerPid) !== undefined || readState(dir)?.ownerPid === ownerPid;
    if (!guarding) return clearInterval(timer); // stopped normally, or taken over: nothing to do
    if (isAlive(ownerPid)) return;
    clearInterval(timer);
    reap(ownerPid, dir).catch((error: unknown) => {
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
  watch(Number(ownerPid), dir);
}
