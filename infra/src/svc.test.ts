/**
 * `pnpm svc` without a running `pnpm start`: it says so and what to do, and exits 1; a wrong
 * command gets the usage and exit code 2.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "./paths";

// Each test runs `pnpm svc` as a process under tsx: a second or more to start on a loaded machine.
jest.setTimeout(20_000);

function svc(args: string[], cacheDir: string) {
  const run = spawnSync(process.execPath, ["--import", "tsx", path.join("infra", "src", "svc.ts"), ...args], {
    cwd: repoRoot, env: { ...process.env, SHOP_CACHE_DIR: cacheDir }, encoding: "utf8",
  });
  return { status: run.status, stderr: run.stderr };
}

test("when no pnpm start is running, then pnpm svc status exits 1 and says to start it with pnpm start", () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "svc-test-"));
  try {
    const { status, stderr } = svc(["status"], cacheDir);
    expect(status).toBe(1);
    expect(stderr).toContain("No `pnpm start` is running here");
    expect(stderr).toContain("Start the system with `pnpm start` in another terminal");
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("when supervisor.json names a process that is gone, then pnpm svc kill payment exits 1 with the same advice", () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "svc-test-"));
  try {
    fs.mkdirSync(path.join(cacheDir, "infra", "dev"), { recursive: true });
    const gone = spawnSync(process.execPath, ["-e", "0"]).pid!; // it has exited
    fs.writeFileSync(path.join(cacheDir, "infra", "dev", "supervisor.json"), JSON.stringify({ url: "http://127.0.0.1:1", pid: gone }));
    const { status, stderr } = svc(["kill", "payment"], cacheDir);
    expect(status).toBe(1);
    expect(stderr).toContain("names a process that is gone");
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

test("when the command is not one of status, stop, start, restart, kill, then it prints the usage and exits 2", () => {
  const { status, stderr } = svc(["explode", "payment"], os.tmpdir());
  expect(status).toBe(2);
  expect(stderr).toContain("usage: pnpm svc status | stop | start | restart | kill");
});
