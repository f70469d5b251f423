/**
 * The whole system as `pnpm start` runs it, on fresh infrastructure of its own: Kafka, the
 * schema registry and a durable PostgreSQL (fsync on) as native processes, an SMTP sink, and the
 * six services as processes on their defaults (SAGA_TIMEOUT_MS 30 s, LOG_LEVEL info), except a
 * catalogue with a huge stock so that every order can be confirmed. Each service's log goes to a
 * file (kept when the benchmark fails). Ctrl-C at any point stops whatever has started.
 * With `explorer`, the saga explorer runs too, attached as `pnpm start` attaches it (the services
 * export their spans to it) and watched by one page (saga/explorer-watcher.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, serviceNodeArgs, waitFor } from "@shop/infra";
import { kafkaEnv, nativeStateOf, serviceDatabases, startEnvironment, type Environment } from "@shop/testkit";

const repoRoot = path.resolve(__dirname, "..", "..", "..");
/**
 * The shop's catalogue: 100 products; each order buys one of them (picked by its idempotency key). A shop's orders
 * spread over its products; all orders for one product would measure one hot stock row instead,
 * whose updates every concurrent inventory transaction waits for (README, Performance).
 */
export const skus = Array.from({ length: 100 }, (_, i) => `BENCH-${String(i + 1).padStart(3, "0")}`);

export interface Product { sku: string; name: string; price: number; quantity: number }

export interface ServiceRun { name: string; url: string; pid: number; logFile: string }

export interface System {
  services: ServiceRun[];
  orderUrl: string;
  /** Every process of the system by name: the six services, the JVMs of Kafka and the registry, PostgreSQL's postmaster (its backends are its children), the SMTP sink. */
  processes: Record<string, number>;
  environment: Environment;
  /** The environment's descriptor (nativeStateOf reads its processes' current pids). */
  descriptorFile: string;
  /** The saga explorer's address, when it runs (BENCH_EXPLORER=1). */
  explorerUrl?: string;
  /** Mails the SMTP sink has received so far. */
  mails(): number;
  /** Throws if a service or the SMTP sink has exited: a benchmark of a broken system measures nothing. */
  assertRunning(): void;
  /** SIGTERM to one service (a clean stop); resolves once it has exited. */
  stopService(name: string): Promise<void>;
  /** SIGKILL to one service: a crash at whatever point it is; resolves once it has exited. */
  kill(name: string): Promise<void>;
  /** Starts a killed or stopped service again, with the same environment, port and log file; resolves at once (not when ready). */
  restart(name: string): ServiceRun;
  /** Stops everything that has started; keeps the logs if `keepLogs`. Safe to call twice. */
  stop(options?: { keepLogs?: boolean }): Promise<void>;
}

export interface SystemOptions {
  /** Variables for every service on top of the defaults (e.g. SAGA_TIMEOUT_MS). */
  serviceEnv?: Record<string, string>;
  /** Products besides the benchmark's 100 (e.g. one with little stock, for out-of-stock orders). */
  extraProducts?: Product[];
  /** Runs the saga explorer too, with the services' traces sent to it (BENCH_EXPLORER=1). */
  explorer?: boolean;
}

export async function startSystem(log: (line: string) => void, { serviceEnv = {}, extraProducts = [], explorer = false }: SystemOptions = {}): Promise<System> {
  // Native only: CPU per process is read from /proc by pid, and `pnpm start` runs natively too.
  if (process.env.SHOP_TEST_INFRA === "containers") throw new Error("bench:saga needs the native infrastructure (it reads each process's CPU from /proc); unset SHOP_TEST_INFRA.");
  process.env.SHOP_TEST_INFRA = "native";
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "saga-bench-"));
  let children: { name: string; child: ChildProcess }[] = [];
  let environment: Environment | undefined;
  let environmentStarting: Promise<Environment | undefined> | undefined; // while it starts: the environment, or undefined if the start failed
  let descriptorFile = "";
  let stopped: Promise<void> | undefined;

  const stop = ({ keepLogs = false } = {}) => (stopped ??= (async () => {
    await Promise.all(children.map(({ child }) => stopChild(child)));
    if (!environment && environmentStarting !== undefined) {
      // Interrupted while the infrastructure was starting: let it finish, then stop it, so that no JVM is left running.
      log("  waiting for the infrastructure to finish starting, to stop it...");
      environment = await environmentStarting;
    }
    await environment?.stop();
    if (keepLogs) log(`Logs kept in ${runDir}`);
    else fs.rmSync(runDir, { recursive: true, force: true });
  })());
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopped !== undefined) return log(`${signal}: still stopping...`);
    log(`\n${signal}: stopping the services and the infrastructure...`);
    void stop({ keepLogs: true }).finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    log("Starting Kafka, the schema registry and PostgreSQL (durable: fsync on)...");
    const starting = startEnvironment((line) => log(`  ${line}`), { durablePostgres: true });
    environmentStarting = starting.then((started) => started.environment, () => undefined); // what stop() waits for on Ctrl-C now
    const started = await starting;
    environment = started.environment;
    // Each start-up step checks this after its wait: once Ctrl-C has begun the stop, nothing new starts (it would be left running).
    const notInterrupted = () => {
      if (stopped !== undefined) throw new Error("interrupted");
    };
    notInterrupted();
    descriptorFile = started.descriptorFile;
    const state = nativeStateOf(started.descriptorFile)!;

    const sinkPort = await freePort();
    const sink = spawnScript(path.join("tests", "bench", "saga", "smtp-sink.ts"), [String(sinkPort)], path.join(runDir, "smtp-sink.log"), { pipeStdout: true });
    children.push({ name: "smtp-sink", child: sink });
    let mails = 0;
    let sinkReady = false;
    sink.stdout!.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        if (line === "mail") mails++;
        if (line === "ready") sinkReady = true;
      }
    });
    const sinkState = await waitFor("the SMTP sink to listen", () => (sink.exitCode !== null ? "exited" : sinkReady && "ready"), { timeoutMs: 30_000, intervalMs: 100 });
    if (sinkState === "exited") throw new Error(`The SMTP sink exited during start-up:\n${tail(path.join(runDir, "smtp-sink.log"))}`);
    notInterrupted();

    const explorerPort = await freePort();
    const explorerUrl = `http://127.0.0.1:${explorerPort}`;
    const servicePorts = Object.fromEntries(await Promise.all(serviceDatabases.map(async (name) => [name, await freePort()] as const)));
    let explorerChild: ChildProcess | undefined;
    if (explorer) {
      log("Starting the saga explorer...");
      explorerChild = spawnScript(path.join("packages", "explorer", "src", "main.ts"), [], path.join(runDir, "explorer.log"), {
        env: {
          EXPLORER_PORT: String(explorerPort), KAFKA_BROKERS: environment.brokers.join(","), ...kafkaEnv(environment.kafkaCredentials("admin")),
          SCHEMA_REGISTRY_URL: environment.schemaRegistryUrl, SCHEMA_REGISTRY_USERNAME: environment.schemaRegistry.auth.username,
          SCHEMA_REGISTRY_PASSWORD: environment.schemaRegistry.auth.password,
          ...Object.fromEntries(serviceDatabases.map((name) => [`${name.toUpperCase()}_URL`, `http://127.0.0.1:${servicePorts[name]}`])),
        },
      });
      children.push({ name: "explorer", child: explorerChild });
      await waitFor("the explorer to be ready", async () => (await fetch(`${explorerUrl}/health/ready`).catch(() => undefined))?.ok, { timeoutMs: 120_000, intervalMs: 250 });
    }

    notInterrupted();
    const catalogFile = path.join(runDir, "catalog.json");
    fs.writeFileSync(catalogFile, JSON.stringify([...skus.map((sku, i) => ({ sku, name: `Benchmark product ${i + 1}`, price: 1999, quantity: 1_000_000_000 })), ...extraProducts]));
    log("Starting the six services...");
    const envOf: Record<string, Record<string, string>> = {};
    const services = await Promise.all(serviceDatabases.map(async (name) => {
      const port = servicePorts[name]!;
      const logFile = path.join(runDir, `${name}.log`);
      envOf[name] = {
        PORT: String(port), DATABASE_URL: environment!.databaseUrl(name), KAFKA_BROKERS: environment!.brokers.join(","),
        SCHEMA_REGISTRY_URL: environment!.schemaRegistryUrl, SMTP_URL: `smtp://127.0.0.1:${sinkPort}`, CATALOG_FILE: catalogFile,
        SCHEMA_REGISTRY_USERNAME: environment!.schemaRegistry.auth.username, SCHEMA_REGISTRY_PASSWORD: environment!.schemaRegistry.auth.password,
        ...kafkaEnv(environment!.kafkaCredentials(name)), // its own principal (decision 011)
        ...environment!.personalDataEnv(name), // the KEKs it may hold (decision 014)
        ...(explorer ? { OTEL_EXPORTER_OTLP_ENDPOINT: explorerUrl, OTEL_BSP_SCHEDULE_DELAY: "1000" } : {}), // as pnpm start: traces to the explorer
        ...serviceEnv,
      };
      const child = spawnService(name, logFile, { env: envOf[name] });
      children.push({ name, child });
      return { name, url: `http://127.0.0.1:${port}`, pid: child.pid!, logFile, child };
    }));
    await Promise.all(services.map(async ({ name, url, child, logFile }) => {
      const state = await waitFor(`${name} to be ready at ${url}/health/ready`, async () => {
        if (child.exitCode !== null) return "exited"; // stop waiting: it will not become ready
        return (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok && "ready";
      }, { timeoutMs: 120_000, intervalMs: 250 });
      if (state === "exited") throw new Error(`${name} exited (${child.exitCode}) during start-up:\n${tail(logFile)}`);
      log(`  ${name} ready`);
    }));
    const orderUrl = services[0]!.url;
    await waitFor("order to know the catalogue (from the catalog topic)", async () =>
      ((await (await fetch(`${orderUrl}/catalog`)).json()) as { sku: string }[]).length === skus.length + extraProducts.length, { timeoutMs: 60_000 });

    const runs: ServiceRun[] = services.map(({ name, url, pid, logFile }) => ({ name, url, pid, logFile }));
    return {
      services: runs,
      orderUrl,
      processes: {
        ...Object.fromEntries(services.map(({ name, pid }) => [name, pid])),
        kafka: state.kafka.pid, registry: state.registry.pid, postgres: state.postgres.pid, "smtp sink": sink.pid!,
        ...(explorerChild ? { explorer: explorerChild.pid! } : {}),
      },
      explorerUrl: explorer ? explorerUrl : undefined,
      environment: environment!,
      descriptorFile,
      mails: () => mails,
      assertRunning() {
        if (stopped !== undefined) throw new Error("stopped");
        const gone = children.find(({ child }) => child.exitCode !== null || child.signalCode !== null);
        if (!gone) return;
        const logFile = path.join(runDir, `${gone.name}.log`);
        throw new Error(`${gone.name} exited (${gone.child.signalCode ?? gone.child.exitCode}) during the benchmark${fs.existsSync(logFile) ? `:\n${tail(logFile)}` : ""}`);
      },
      stopService: (name) => stopChild(children.find((entry) => entry.name === name)!.child),
      async kill(name) {
        const { child } = children.find((entry) => entry.name === name)!;
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      },
      restart(name) {
        const child = spawnService(name, path.join(runDir, `${name}.log`), { env: envOf[name]! });
        children = [...children.filter((entry) => entry.name !== name), { name, child }];
        const run = runs.find((entry) => entry.name === name)!;
        run.pid = child.pid!;
        return run;
      },
      stop,
    };
  } catch (error) {
    await stop({ keepLogs: true });
    throw error;
  }
}

/** The variables the services read (.env.example): cleared, so that the shell running the benchmark cannot change what is measured. */
function serviceEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const example = fs.readFileSync(path.join(repoRoot, ".env.example"), "utf8");
  for (const [, name] of example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)) delete env[name!];
  return env;
}

/** A service, as `pnpm start` runs it (serviceNodeArgs: its telemetry first, then main.ts); output to `logFile`. */
function spawnService(name: string, logFile: string, options: { env?: Record<string, string> }): ChildProcess {
  return spawnNode(serviceNodeArgs(name), logFile, options);
}

/** `node --import tsx <script>`; output (or stderr only, with pipeStdout) to `logFile`. */
function spawnScript(script: string, args: string[], logFile: string, options: { env?: Record<string, string>; pipeStdout?: boolean }): ChildProcess {
  return spawnNode(["--import", "tsx", script, ...args], logFile, options);
}

function spawnNode(nodeArgs: string[], logFile: string, { env = {}, pipeStdout = false }: { env?: Record<string, string>; pipeStdout?: boolean }): ChildProcess {
  const output = fs.openSync(logFile, "a");
  // Its own process group, as under `pnpm start`: Ctrl-C reaches the benchmark only, which stops every process in order.
  const child = spawn(process.execPath, nodeArgs, {
    cwd: repoRoot, env: { ...serviceEnvironment(), ...env }, stdio: ["ignore", pipeStdout ? "pipe" : output, output], detached: true,
  });
  fs.closeSync(output);
  if (child.pid === undefined) throw new Error(`Could not start ${nodeArgs.join(" ")}`);
  return child;
}

/** SIGTERM, then SIGKILL if it has not exited after 20 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

function tail(file: string, lines = 30): string {
  return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}
