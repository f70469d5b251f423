/**
 * Each service is a real process: it starts from its package's `start` script, answers
 * /health/live, stops cleanly on SIGTERM, and refuses to start on bad configuration.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort, waitFor } from "@shop/infra";
import { useEnvironment } from "@shop/testkit";

const services = ["order", "inventory", "payment", "email", "warehouse", "analytics"];
const repoRoot = path.resolve(__dirname, "..");

const infra = useEnvironment();

function startService(name: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", path.join("services", name, "src", "main.ts")], {
    cwd: repoRoot,
    env: {
      ...process.env, LOG_LEVEL: "info",
      DATABASE_URL: infra.databaseUrl(name), KAFKA_BROKERS: infra.brokers.join(","), SCHEMA_REGISTRY_URL: infra.schemaRegistryUrl,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

const running: ChildProcess[] = [];
afterEach(() => running.splice(0).forEach((child) => child.kill("SIGKILL")));

describe.each(services)("the %s service", (name) => {
  test("when started, then it answers /health/live, and on SIGTERM it stops with exit code 0", async () => {
    const port = await freePort();
    const service = startService(name, { PORT: String(port) });
    running.push(service.child);

    const body = await waitFor(`${name} /health/live`, async () => {
      const response = await fetch(`http://127.0.0.1:${port}/health/live`);
      return response.ok ? response.json() : undefined;
    }, { timeoutMs: 30_000 });
    expect(body).toEqual({ status: "ok" });

    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('"msg":"stopped"');
  });

  test("when PORT is not a number, then it exits with 1 and a message naming PORT", async () => {
    const service = startService(name, { PORT: "eighty" });
    running.push(service.child);
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(/PORT: .*got "eighty"/);
  });
});
