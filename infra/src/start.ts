/**
 * pnpm start [--reset] [--scale <service>=<N> ...]: the whole system on this machine, no Docker
 * needed. The composition root: starts the infrastructure (or reuses `pnpm infra up`'s) on the
 * data of the last run, an SMTP sink that prints every mail, and the six services under a
 * supervisor (supervisor.ts) that restarts any that exits; serves the control API
 * (control-api.ts) that `pnpm svc` talks to; runs the saga explorer (packages/explorer,
 * http://localhost:3000: the services send it their traces, the sink its mails), supervised too; prints the services' logs, interleaved and readable.
 * Ctrl-C stops the services, then what this command started; the data stays.
 */
import path from "node:path";
import { startControlApi, defaultSupervisorPort, readRunningSupervisor } from "./control-api";
import { describe, devDir, ensureDevEnvironment, writeEnvFile } from "./dev-environment";
import { infraControl } from "./infra-control";
import { defaultExplorerPort, explorerEnvironment, mailTo, tracesTo } from "./explorer-env";
import { formatLogLine } from "./log-lines";
import { resetNativeEnvironment, schemaRegistryUrlOf, stopNativeEnvironment } from "./native-environment";
import { assertPortFree, freePort } from "./ports";
import { removeServicePids, startReaper, writeServicePids } from "./reaper";
import { registerContractSchemas } from "./register-schemas";
import { registryCredentialsOf } from "./registry-credentials";
import { parseScale } from "./scale";
import { portOf, serviceEnvironment, serviceNames, writeServiceEnvFiles } from "./service-env";
import { untilStopped, type Stopped } from "./signals";
import { startSmtpSink } from "./smtp-sink";
import { describeEvent, label, Supervisor, type InstanceSpec, type SupervisorEvent } from "./supervisor";

const colour = process.stdout.isTTY;
const say = (line: string) => console.log(line);
const clock = () => new Date().toISOString().slice(11, 23);

/**
 * `stopped` is listening from the first line: a Ctrl-C during start-up (which takes a while)
 * stops what has started so far, cleanly. Without a listener yet, SIGINT would end this process
 * at once (exit code 130) and leave the infrastructure it had started running.
 */
async function main(stopped: Stopped): Promise<void> {
  const startedAt = Date.now();
  let interrupted = false;
  void stopped.then(() => (interrupted = true));
  const args = process.argv.slice(2);
  const scale = parseScale(args.filter((arg) => arg !== "--reset")); // names the bad flag
  const supervisorPort = portFromEnv("SUPERVISOR_PORT", defaultSupervisorPort);
  const running = readRunningSupervisor(devDir);
  if (running) throw new Error(`pnpm start is already running (pid ${running.pid}, ${running.url}): use \`pnpm svc status\`, or stop it first.`);
  const instances = serviceNames.flatMap((name) =>
    Array.from({ length: scale[name] ?? 1 }, (_, i) => ({ name, instance: i + 1, port: portOf(name, i + 1) })));
  for (const { name, instance, port } of instances) await assertPortFree(port, `The ${label({ name, instance })} service`);
  await assertPortFree(supervisorPort, "The supervisor's control API (SUPERVISOR_PORT)");
  const explorerPort = portFromEnv("EXPLORER_PORT", defaultExplorerPort);
  await assertPortFree(explorerPort, "The saga explorer (EXPLORER_PORT)");
  const explorerUrl = `http://127.0.0.1:${explorerPort}`;
  if (args.includes("--reset")) {
    say("--reset: deleting the data of the last run (orders, messages, schemas, passwords)...");
    await resetNativeEnvironment(devDir);
  }

  const infra = await ensureDevEnvironment(say);
  writeServicePids(devDir, []); // the reaper stops our services (and what we started) if we die
  startReaper(devDir);
  const stopInfra = async () => {
    if (infra.started) {
      say("Stopping the infrastructure (its data stays: `pnpm infra reset` deletes it)...");
      await stopNativeEnvironment(devDir);
    }
    removeServicePids(devDir); // our reaper has nothing left to guard, and exits
  };
  if (interrupted) return stopInfra().then(() => say("Stopped."));
  say(`${describe(infra.state)}\n  Env file for tools: ${writeEnvFile(infra.state)}`); // it holds passwords
  // Infra registers the schemas with the admin credential; the services get the read-only one.
  say(await registerContractSchemas(schemaRegistryUrlOf(infra.state), registryCredentialsOf(infra.state).admin));
  if (interrupted) return stopInfra().then(() => say("Stopped."));
  const smtp = await startSmtpSink(await freePort(), (mail) => say(formatLogLine("smtp", 6, mail, colour)), mailTo(explorerUrl));
  say(`  SMTP sink (prints every mail): ${smtp.url}`);
  say(`  One env file per service, to start one by hand: ${writeServiceEnvFiles(infra.state, smtp.url)}${path.sep}<service>.env`);

  const specs: InstanceSpec[] = instances.map(({ name, instance, port }) => ({
    name, instance, port, env: { ...serviceEnvironment(infra.state, name, smtp.url), ...tracesTo(explorerUrl) }, // traces without Docker
  }));
  specs.push({
    name: "explorer", instance: 1, port: explorerPort, env: explorerEnvironment(infra.state, explorerPort),
    entry: path.join("packages", "explorer", "src", "main.ts"), stopsLast: true,
  });
  const colourOf = (name: string) => serviceNames.indexOf(name as never);
  const supervisor = new Supervisor(specs, (spec, line) => say(formatLogLine(label(spec), colourOf(spec.name), line, colour)));
  supervisor.on("event", (event: SupervisorEvent) => {
    say(`${clock()} ${formatLogLine("supervisor", 6, describeEvent(event), colour).trimStart()}`);
    writeServicePids(devDir, supervisor.pids());
  });
  const api = await startControlApi({ supervisor, infra: infraControl(devDir, say), port: supervisorPort, dir: devDir });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    say("\nStopping the services...");
    await supervisor.stopAll();
    await smtp.close();
    await stopInfra();
    await api.close(); // last: until here, a second `pnpm start` is told that this one still runs
    say("Stopped.");
  };

  supervisor.startAll();
  const outcome = await Promise.race([supervisor.whenAllReady().then(() => "ready" as const), stopped.then(() => "stopped" as const)])
    .catch((error: Error) => error);
  if (outcome instanceof Error) {
    console.error(`\n${outcome.message}`);
    await stop();
    process.exitCode = 1;
    return;
  }
  if (outcome === "ready") {
    say(`\nThe checkout saga is running (ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s):`);
    say(`  ${"explorer".padEnd(12)} http://localhost:${explorerPort}   <- open this: every saga live, one-click orders, break it`);
    for (const { name, instance, port } of instances) say(`  ${label({ name, instance }).padEnd(12)} http://localhost:${port}`);
    say(`\nControl API: ${api.url} (\`pnpm svc status | stop | start | restart | kill <service>\` in another terminal).`);
    say("Try it: open the explorer, or `pnpm demo` in another terminal, or services/order/requests.http. Ctrl-C stops everything.\n");
    await stopped;
  }
  await stop();
}

function portFromEnv(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${variable}=${raw} is not a port number (1-65535). Fix it, or unset it for ${fallback}.`);
  return port;
}

const stopped = untilStopped();
main(stopped).catch((error: unknown) => {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}).finally(() => stopped.dispose()); // nothing left to wait for: let the process end
