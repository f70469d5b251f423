/**
 * A service started the way a user starts it: its own Node process running services/<name>/src/main.ts,
 * configured only through environment variables. Tests stop it gracefully, kill it with SIGKILL,
 * and start it again on the same port and database.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { kafkaEnv, serviceNodeArgs, waitFor, type KafkaPrincipal } from "@shop/infra";
import { useEnvironment } from "./index";

const repoRoot = path.resolve(__dirname, "..", "..", "..");

export interface ServiceProcess {
  name: string;
  url: string;
  /** Everything the process wrote to stdout and stderr, across restarts. */
  output(): string;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash at whatever point the service is. */
  kill(): Promise<void>;
  /** Starts it again with the same environment; resolves when /health/ready answers 200. */
  start(): Promise<void>;
}

/** Runs as its own Kafka principal (KAFKA_USERNAME, KAFKA_PASSWORD), so the ACLs it meets are those of `pnpm start`. */
export async function startService(name: string, port: number, env: Record<string, string>): Promise<ServiceProcess> {
  const principal = {
    ...kafkaEnv(useEnvironment().kafkaCredentials(name as KafkaPrincipal)),
    ...useEnvironment().personalDataEnv(name), // the KEKs it may hold (decision 014)
  };
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> = Promise.resolve(null);
  let output = "";
  const url = `http://127.0.0.1:${port}`;

  const start = async () => {
    child = spawn(process.execPath, serviceNodeArgs(name), { // as pnpm start runs it: telemetry first, then main.ts
      cwd: repoRoot,
      env: { ...process.env, PORT: String(port), ...principal, ...env }, // `env` wins: a test may pass a bad PORT on purpose
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const current = child;
    exited = new Promise((resolve) => current.once("exit", (code) => resolve(code)));
    const state = await waitFor(`${name} to be ready at ${url}/health/ready`, async () => {
      if (current.exitCode !== null) return "exited"; // stop waiting: it will not become ready
      const response = await fetch(`${url}/health/ready`).catch(() => undefined);
      return response?.ok && "ready";
    }, { timeoutMs: 120_000, intervalMs: 100 }); // 120 s: six services starting at once on a loaded 2-core CI machine took over 60
    if (state === "exited") throw new Error(`${name} exited with ${current.exitCode} during start-up:\n${output.slice(-3000)}`);
  };

  await start();
  return {
    name,
    url,
    output: () => output,
    start,
    async stop() {
      child?.kill("SIGTERM");
      return exited;
    },
    async kill() {
      child?.kill("SIGKILL");
      await exited;
    },
  };
}
