/**
 * pnpm start: the whole system on this machine, no Docker needed. Starts the infrastructure
 * (or reuses `pnpm infra up`'s), an SMTP sink that prints every mail, the saga explorer
 * (packages/explorer, http://localhost:3000: the services send it their traces, the sink its
 * mails) and the six services as processes on their default ports; waits until each is ready;
 * prints the URLs and the services' logs, interleaved and readable. Ctrl-C stops the services,
 * then what this command started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { describe, devDir, ensureDevEnvironment, writeEnvFile } from "./dev-environment";
import { defaultExplorerPort, explorerEnvironment, mailTo, tracesTo } from "./explorer-env";
import { kafkaCredentialsOf, kafkaEnv, type KafkaPrincipal } from "./kafka-credentials";
import { formatLogLine } from "./log-lines";
import { brokersOf, databaseUrlOf, schemaRegistryUrlOf, stopNativeEnvironment } from "./native-environment";
import { repoRoot } from "./paths";
import { assertPortFree, freePort } from "./ports";
import { startReaper } from "./reaper";
import { registerContractSchemas } from "./register-schemas";
import { registryCredentialsOf } from "./registry-credentials";
import { untilStopped } from "./signals";
import { startSmtpSink } from "./smtp-sink";
import { waitFor } from "./wait";

const services = [
  { name: "order", port: 3001 }, { name: "inventory", port: 3002 }, { name: "payment", port: 3003 },
  { name: "email", port: 3004 }, { name: "warehouse", port: 3005 }, { name: "analytics", port: 3006 },
];
const colour = process.stdout.isTTY;

function startService(name: string, index: number, env: NodeJS.ProcessEnv, main = path.join("services", name, "src", "main.ts")): ChildProcess {
  // Its own process group: Ctrl-C reaches this command only, which stops the services in order.
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true,
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = "";
    stream.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split("\n");
      rest = lines.pop()!;
      for (const line of lines) if (line.trim()) console.log(formatLogLine(name, index, line, colour));
    });
  }
  child.on("exit", (code, signal) => console.log(formatLogLine(name, index, `exited (${signal ?? code})`, colour)));
  return child;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  for (const { name, port } of services) await assertPortFree(port, `The ${name} service`);
  const explorerPort = Number(process.env.EXPLORER_PORT || defaultExplorerPort);
  await assertPortFree(explorerPort, "The saga explorer (EXPLORER_PORT)");
  const explorerUrl = `http://127.0.0.1:${explorerPort}`;
  const infra = await ensureDevEnvironment((line) => console.log(line));
  if (infra.started) startReaper(devDir); // stops the infrastructure if this command dies
  console.log(`${describe(infra.state)}\n  Env file: ${writeEnvFile(infra.state)}`); // it holds the passwords: database URLs, Kafka (admin's for the dlq command), the registry reader
  // Infra registers the schemas with the admin credential; the services get the read-only one.
  const { admin, reader } = registryCredentialsOf(infra.state);
  console.log(await registerContractSchemas(schemaRegistryUrlOf(infra.state), admin));
  const smtp = await startSmtpSink(await freePort(), (mail) => console.log(formatLogLine("smtp", 6, mail, colour)), mailTo(explorerUrl));
  const explorer = startService("explorer", 6, explorerEnvironment(infra.state, explorerPort), path.join("packages", "explorer", "src", "main.ts"));

  const kafkaCredentials = kafkaCredentialsOf(infra.state);
  const children = services.map(({ name, port }, index) => startService(name, index, {
    PORT: String(port), DATABASE_URL: databaseUrlOf(infra.state, name), KAFKA_BROKERS: brokersOf(infra.state).join(","),
    SCHEMA_REGISTRY_URL: schemaRegistryUrlOf(infra.state), SMTP_URL: smtp.url,
    SCHEMA_REGISTRY_USERNAME: reader.username, SCHEMA_REGISTRY_PASSWORD: reader.password,
    ...kafkaEnv(kafkaCredentials[name as KafkaPrincipal]), // its own Kafka principal (decision 011)
    ...tracesTo(explorerUrl), // spans to the explorer's OTLP receiver: traces without Docker
  }));
  const ready = [...services, { name: "explorer", port: explorerPort }];
  const stop = async () => {
    console.log("\nStopping the services...");
    const stopChild = (child: ChildProcess) => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
      child.once("exit", resolve);
      child.kill("SIGTERM");
    });
    await Promise.all(children.map(stopChild));
    await stopChild(explorer); // last: the services send it their last spans as they stop
    await smtp.close();
    if (infra.started) {
      console.log("Stopping the infrastructure...");
      await stopNativeEnvironment(devDir);
    }
    console.log("Stopped.");
  };

  try {
    await Promise.all(ready.map(({ name, port }, index) => waitFor(`${name} to be ready`, async () => {
      if ((children[index] ?? explorer).exitCode !== null) throw new Error(`${name} exited during start-up; its log is above`);
      return (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok;
    }, { timeoutMs: 120_000, intervalMs: 250 })));
  } catch (error) {
    console.error(`\n${(error as Error).message}`);
    await stop();
    process.exitCode = 1;
    return;
  }
  console.log(`\nThe checkout saga is running (ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s):`);
  console.log(`  ${"explorer".padEnd(10)} http://localhost:${explorerPort}   <- open this: every saga live, one-click orders, break it`);
  for (const { name, port } of services) console.log(`  ${name.padEnd(10)} http://localhost:${port}`);
  console.log("\nTry it: open the explorer, or `pnpm demo` in another terminal, or services/order/requests.http. Ctrl-C stops everything.\n");
  await untilStopped();
  await stop();
}

main().catch((error: unknown) => {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
