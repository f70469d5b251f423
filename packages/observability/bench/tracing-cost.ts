/**
 * pnpm bench:tracing — what tracing costs a service per request, every way side by side in one
 * run. One server process per variant (tracing-variants.ts), all alike but for tracing and log
 * level; each gets the same POST /orders-shaped requests over HTTP (keep-alive, BENCH_CONCURRENCY
 * at a time) and reports the CPU time it spent on them (user + system, span exports included).
 * Many short rounds, each starting at the next variant, so none always runs on a warmer or quieter
 * machine; the table gives each variant's median and its least disturbed (lowest) round.
 *
 * PostgreSQL: a private one (@shop/infra) unless BENCH_DATABASE_URL names one. Exports go to an
 * OTLP sink in this process that counts spans and discards them.
 * Knobs: BENCH_REQUESTS (1000 per variant and round), BENCH_ROUNDS (10), BENCH_QUERIES (6 per
 * request, BEGIN and COMMIT included), BENCH_CONCURRENCY (8), BENCH_VARIANTS (comma-separated
 * names; default all, "none" always first).
 */
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { freePort } from "@shop/infra";
import { postgresUrl, startPostgres, stopPostgres } from "@shop/infra/src/postgres";
import { environmentOf, variants, type Variant } from "./tracing-variants";

const requests = Number(process.env.BENCH_REQUESTS ?? 1000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
const queries = Number(process.env.BENCH_QUERIES ?? 6);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const body = JSON.stringify({
  customerId: "bench", items: [{ sku: "TSHIRT-BLK-M", quantity: 1 }], paymentMethod: "tok_visa",
  shippingAddress: { name: "Ada", line1: "1 Main St", city: "London", postalCode: "N1", country: "GB" }, email: "ada@example.com",
});
const chosen = (Object.keys(variants) as Variant[]).filter((variant) =>
  variant === "none" || !process.env.BENCH_VARIANTS || process.env.BENCH_VARIANTS.split(",").includes(variant));
const probeTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

interface Server { variant: Variant; child: ChildProcess; port: number; agent: http.Agent; cpuPerRequest: number[]; rssBytes: number; spans: number }

/** An OTLP/HTTP endpoint that counts the spans it is sent (JSON, as the exporter sends them) and keeps none. */
async function startSink(): Promise<{ url: string; spans: () => number; close: () => void }> {
  let spans = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString() || "{}") as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };
      for (const resource of payload.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans += scope.spans?.length ?? 0;
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, spans: () => spans, close: () => server.close() };
}

function post(server: Server, headers: Record<string, string> = {}): Promise<{ traceparent: string | null }> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      host: "127.0.0.1", port: server.port, path: "/orders", method: "POST", agent: server.agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        if (response.statusCode !== 200) reject(new Error(`${server.variant}: HTTP ${response.statusCode} ${Buffer.concat(chunks).toString()}`));
        else resolve(JSON.parse(Buffer.concat(chunks).toString()) as { traceparent: string | null });
      });
    });
    request.on("error", reject);
    request.end(body);
  });
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once("message", (answer) => resolve(answer as T));
    child.send(message);
  });
}

async function startServer(variant: Variant, databaseUrl: string, sinkUrl: string): Promise<Server> {
  const child = fork(path.join(__dirname, "tracing-server.ts"), {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...environmentOf(variant, sinkUrl), BENCH_VARIANT: variant, DATABASE_URL: databaseUrl, BENCH_QUERIES: String(queries) },
  });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    child.once("message", (message) => resolve(message as { port: number }));
    child.once("exit", (code) => reject(new Error(`${variant}: the server exited (${code}) before listening`)));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return { variant, child, port, agent, cpuPerRequest: [], rssBytes: 0, spans: 0 };
}

/** `count` requests, `concurrency` at a time; resolves with this server's CPU µs per request. */
async function measure(server: Server, count: number, sink: { spans: () => number }): Promise<number> {
  await ask(server.child, "start");
  let next = 0;
  const spansBefore = sink.spans();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < count) await post(server);
  }));
  const { cpuMicros, rssBytes } = await ask<{ cpuMicros: number; rssBytes: number }>(server.child, "stop");
  server.rssBytes = rssBytes;
  server.spans += sink.spans() - spansBefore;
  return cpuMicros / count;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const pad = (text: string, width: number) => text.padEnd(width);
const load = () => os.loadavg().map((n) => n.toFixed(2)).join(" ");

async function main(): Promise<void> {
  console.log(`${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.availableParallelism()} cores, Node ${process.version}; load average ${load()}`);
  console.log(`${requests} requests per variant and round, ${rounds} rounds, ${queries} queries per request, ${concurrency} at a time\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tracing-bench-"));
  fs.chmodSync(dir, 0o755); // when we run as root, PostgreSQL runs as another user and must reach its data dir
  let postgres: { pid: number } | undefined;
  let databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) {
    const port = await freePort();
    const options = { port, passwordsFile: path.join(dir, "postgres-passwords.json") };
    postgres = await startPostgres({ ...options, dataDir: path.join(dir, "postgres"), logFile: path.join(dir, "postgres.log"), databases: ["bench"], fast: true });
    databaseUrl = postgresUrl(options, "bench"); // as the `bench` role, which owns it
  }
  const sink = await startSink();
  const servers: Server[] = [];
  try {
    for (const variant of chosen) servers.push(await startServer(variant, databaseUrl, sink.url));
    for (const server of servers) await measure(server, Math.ceil(requests / 2), sink); // warm-up: JIT, connections; not counted
    for (const server of servers) server.spans = 0;
    for (let round = 0; round < rounds; round++) {
      const order = [...servers.slice(round % servers.length), ...servers.slice(0, round % servers.length)];
      for (const server of order) server.cpuPerRequest.push(await measure(server, requests, sink));
      console.log(`round ${round + 1}/${rounds} done; load average ${load()}`);
    }
    // One checkout, one trace: does a client's traceparent come back out of the handler's context (as outbox.add stores it)?
    const propagates = await Promise.all(servers.map(async (server) =>
      (await post(server, { traceparent: `00-${probeTraceId}-00f067aa0ba902b7-01` })).traceparent?.split("-")[1] === probeTraceId));

    const none = servers[0]!;
    const [floor, floorMin] = [median(none.cpuPerRequest), Math.min(...none.cpuPerRequest)];
    console.log(`\n${pad("variant", 27)} ${pad("CPU µs/request", 15)} ${pad("× none", 7)} ${pad("lowest round", 13)} ${pad("× none", 7)} ${pad("spans/request", 14)} ${pad("traceparent", 12)} RSS MB`);
    servers.forEach((server, index) => {
      const [cpu, cpuMin] = [median(server.cpuPerRequest), Math.min(...server.cpuPerRequest)];
      console.log([
        pad(server.variant, 27), pad(`${Math.round(cpu)}`, 15), pad((cpu / floor).toFixed(2), 7), pad(`${Math.round(cpuMin)}`, 13), pad((cpuMin / floorMin).toFixed(2), 7),
        pad((server.spans / (requests * rounds)).toFixed(2), 14), pad(propagates[index] ? "travels" : "lost", 12), (server.rssBytes / 2 ** 20).toFixed(0),
      ].join(" "));
    });
    console.log("\nCPU µs/request: median of the rounds; lowest round: the least disturbed one; × none: against the first line.");
    for (const variant of chosen) console.log(`  ${pad(variant, 28)} ${variants[variant]}`);

    // Not timings: what each variant must do, or its figures mean nothing.
    const problems = servers.flatMap((server, index) => {
      const spansPerRequest = server.spans / (requests * rounds);
      const wrong: string[] = [];
      if (server.variant !== "none" && !propagates[index]) wrong.push("the client's traceparent did not reach the handler");
      if (server.variant === "exporting" && spansPerRequest < 1 + queries) wrong.push(`exported ${spansPerRequest.toFixed(2)} spans per request, expected at least ${1 + queries} (HTTP and every query)`);
      if (server.variant.startsWith("new default") && server.spans > 0) wrong.push(`exported ${server.spans} spans with no exporter configured`);
      return wrong.map((problem) => `${server.variant}: ${problem}`);
    });
    for (const problem of problems) console.error(`WRONG ${problem}`);
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => {
      server.child.once("exit", resolve);
      server.child.send("exit");
    })));
    for (const server of servers) server.agent.destroy();
    sink.close();
    if (postgres) await stopPostgres(postgres.pid);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
