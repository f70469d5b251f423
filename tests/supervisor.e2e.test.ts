/**
 * The supervisor of `pnpm start` (infra/src/supervisor.ts) and its control API, on real
 * infrastructure: a killed service comes back by itself and the API says so; a stopped one stays
 * stopped; a service that cannot start is reported as crashed, not restarted in a loop.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  freePort, infraControl, startControlApi, Supervisor, supervisorFileOf, waitFor, type InstanceSpec, type InstanceView, type SupervisorEvent,
} from "@shop/infra";
import { kafkaEnv, useEnvironment } from "@shop/testkit";

// Each test starts payment under the supervisor: a process under tsx that joins Kafka, seconds on a loaded machine.
jest.setTimeout(60_000);

const infra = useEnvironment();
const environmentOf = (name: "payment", overrides: Record<string, string> = {}) => ({
  LOG_LEVEL: "info", DATABASE_URL: infra.databaseUrl(name), KAFKA_BROKERS: infra.brokers.join(","),
  SCHEMA_REGISTRY_URL: infra.schemaRegistryUrl, ...kafkaEnv(infra.kafkaCredentials(name)),
  SCHEMA_REGISTRY_USERNAME: infra.schemaRegistry.auth.username, SCHEMA_REGISTRY_PASSWORD: infra.schemaRegistry.auth.password, ...overrides,
});

async function startSupervised(specs: InstanceSpec[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "supervisor-test-"));
  const supervisor = new Supervisor(specs, () => {});
  const events: SupervisorEvent[] = [];
  supervisor.on("event", (event: SupervisorEvent) => events.push(event));
  const api = await startControlApi({ supervisor, infra: infraControl(dir, () => {}), port: await freePort(), dir });
  supervisor.startAll();
  const services = async () => ((await (await fetch(`${api.url}/services`)).json()) as { services: InstanceView[] }).services;
  const stop = async () => {
    await supervisor.stopAll();
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { supervisor, api, dir, events, services, stop };
}

test("when a supervised service is killed through the API, then it is restarted, the API reports it ready with 1 restart, and the events say why", async () => {
  const run = await startSupervised([{ name: "payment", instance: 1, port: await freePort(), env: environmentOf("payment") }]);
  try {
    await run.supervisor.whenAllReady();
    expect(JSON.parse(fs.readFileSync(supervisorFileOf(run.dir), "utf8"))).toEqual({ url: run.api.url, pid: process.pid });
    const [before] = await run.services();
    expect(before).toMatchObject({ name: "payment", instance: 1, state: "ready", restarts: 0 });

    const stream = await fetch(`${run.api.url}/events`); // the explorer's view of the same events
    const kill = await fetch(`${run.api.url}/services/payment/kill`, { method: "POST" });
    expect(kill.status).toBe(202);
    expect(await kill.json()).toMatchObject({ name: "payment", action: "kill", instances: [{ name: "payment", instance: 1 }] });

    const after = await waitFor("payment to be ready again", async () => {
      const [view] = await run.services();
      return view!.state === "ready" && view!.restarts === 1 && view;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    expect(after.pid).not.toBe(before!.pid);
    const details = run.events.map((e) => e.detail);
    expect(details).toContainEqual("exited (SIGKILL); restarting in 0.5 s");
    expect(details).toContainEqual(expect.stringMatching(/^ready again after \d+\.\d s$/));
    const streamed = await readUntil(stream, (text) => text.includes('"event":"ready"'));
    expect(streamed).toContain('"event":"exited"');

    const stop = await fetch(`${run.api.url}/services/payment/stop`, { method: "POST" });
    expect(stop.status).toBe(202);
    await waitFor("payment to be stopped", async () => (await run.services())[0]!.state === "stopped");
    expect((await run.services())[0]).toMatchObject({ pid: null, restarts: 1 });
    expect(run.events.at(-1)).toMatchObject({ event: "stopped", detail: "stopped (exit code 0)" });
  } finally {
    await run.stop();
  }
  expect(fs.existsSync(supervisorFileOf(run.dir))).toBe(false);
}, 150_000); // start, then up to 90 s for the restart

test("when a service exits before it was ever ready (bad configuration), then it is crashed, not restarted, and whenAllReady names it", async () => {
  const run = await startSupervised([{ name: "payment", instance: 1, port: await freePort(), env: environmentOf("payment", { KAFKA_PASSWORD: "" }) }]);
  try {
    await expect(run.supervisor.whenAllReady()).rejects.toThrow("payment exited during start-up");
    expect(await run.services()).toEqual([expect.objectContaining({ state: "crashed", restarts: 0, pid: null })]);
  } finally {
    await run.stop();
  }
});

test("when a service runs as two instances (--scale) and instance 2 is killed, then only instance 2 restarts, and each has its own port and pid", async () => {
  const [first, second] = [await freePort(), await freePort()];
  const run = await startSupervised([1, 2].map((instance) => ({ name: "payment", instance, port: instance === 1 ? first : second, env: environmentOf("payment") })));
  try {
    await run.supervisor.whenAllReady();
    const before = await run.services();
    expect(before.map(({ instance, port, state }) => ({ instance, port, state }))).toEqual([
      { instance: 1, port: first, state: "ready" }, { instance: 2, port: second, state: "ready" },
    ]);
    const kill = await fetch(`${run.api.url}/services/payment/kill?instance=2`, { method: "POST" });
    expect(((await kill.json()) as { instances: InstanceView[] }).instances.map((i) => i.instance)).toEqual([2]);
    const after = await waitFor("instance 2 to be ready again", async () => {
      const views = await run.services();
      return views[1]!.state === "ready" && views[1]!.restarts === 1 && views;
    }, { timeoutMs: 90_000, intervalMs: 250 });
    expect(after[0]).toMatchObject({ state: "ready", restarts: 0, pid: before[0]!.pid });
  } finally {
    await run.stop();
  }
}, 150_000); // two starts, then up to 90 s for the restart

test("when the API is asked for an unknown service, action or instance, then it answers 404 or 400 naming it", async () => {
  const run = await startSupervised([{ name: "payment", instance: 1, port: await freePort(), env: environmentOf("payment") }]);
  try {
    const post = async (route: string) => {
      const response = await fetch(`${run.api.url}${route}`, { method: "POST" });
      return [response.status, ((await response.json()) as { error: string }).error];
    };
    expect(await post("/services/payment/stop?instance=two")).toEqual([400, expect.stringContaining("instance must be a number")]);
    expect(await post("/services/shipping/stop")).toEqual([404, expect.stringContaining('No service "shipping"')]);
    expect(await post("/infra/zookeeper/stop")).toEqual([404, expect.stringContaining('"zookeeper"')]);
    expect(await post("/infra/kafka/explode")).toEqual([400, expect.stringContaining('No action "explode"')]);
  } finally {
    await run.stop();
  }
});

/** Reads a Server-Sent Events response until `done` holds for what arrived, then closes it. */
async function readUntil(response: Response, done: (text: string) => boolean): Promise<string> {
  const reader = response.body!.getReader();
  let text = "";
  while (!done(text)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += Buffer.from(value).toString();
  }
  await reader.cancel();
  return text;
}
