import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { waitFor } from "./wait";

export interface SpawnOptions {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here; the file is the first place to look when start-up fails. */
  logFile: string;
  /** Run as this user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
}

/**
 * Starts a long-running process in its own process group, detached from ours, and returns its pid.
 * Detached so that any process (a test worker, the CLI) can stop or restart it by pid; the reaper
 * (reaper.ts) and `stop` make sure it does not outlive the run that started it.
 */
export function spawnDetached(options: SpawnOptions): number {
  const log = fs.openSync(options.logFile, "a");
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", log, log],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}),
  });
  fs.closeSync(log);
  if (child.pid === undefined) {
    throw new Error(`Could not start ${options.command}: is it installed and on PATH?`);
  }
  child.unref();
  return child.pid;
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) still answers kill(0); it is not running.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

/**
 * Sends `signal` and waits until the process is gone; escalates to SIGKILL after `graceMs`.
 * SIGKILL is also how tests simulate a crash.
 */
export async function stopProcess(
  pid: number | undefined,
  { signal = "SIGTERM", graceMs = 20_000 }: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  try {
    await waitFor(`process ${pid} to exit`, () => !isAlive(pid), { timeoutMs: graceMs, intervalMs: 100 });
  } catch {
    try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
    await waitFor(`process ${pid} to exit after SIGKILL`, () => !isAlive(pid), { timeoutMs: 10_000, intervalMs: 100 });
  }
}

/** The path of an executable on PATH, or undefined. */
export function which(command: string): string | undefined {
  const result = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
  const found = result.stdout.trim();
  return result.status === 0 && found ? found : undefined;
}

/** The last lines of a log file, to put into an error message when a process fails to start. */
export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
