/**
 * pnpm svc status | stop | start | restart | kill <name> [--instance N]
 *
 * Acts on a running `pnpm start` through its control API (control-api.ts), from another terminal.
 * <name> is a service (order, inventory, payment, email, warehouse, analytics) or an
 * infrastructure component (kafka, registry, postgres). `kill` is SIGKILL, a crash on purpose:
 * the supervisor restarts a killed service with backoff; a killed component stays down until
 * `pnpm svc start <component>`.
 */
import { readRunningSupervisor, supervisorFileOf } from "./control-api";
import { devDir } from "./dev-environment";
import { components } from "./native-environment";
import type { InstanceView } from "./supervisor";
import type { ComponentView } from "./infra-control";

const usage = "usage: pnpm svc status | stop | start | restart | kill <service or kafka|registry|postgres> [--instance N]";

async function call(base: string, method: "GET" | "POST", path: string): Promise<unknown> {
  const response = await fetch(`${base}${path}`, { method }).catch(() => {
    throw new Error(`The supervisor at ${base} does not answer: is \`pnpm start\` still running? Start it with \`pnpm start\` in another terminal.`);
  });
  const body = (await response.json()) as { error?: string };
  if (!response.ok) throw new Error(body.error ?? `${method} ${path}: HTTP ${response.status}`);
  return body;
}

function printStatus(services: InstanceView[], infra: ComponentView[]): void {
  const rows = [
    ["NAME", "INSTANCE", "PORT", "PID", "STATE", "RESTARTS", "SINCE"],
    ...services.map((s) => [s.name, String(s.instance), String(s.port), String(s.pid ?? "-"), s.state, String(s.restarts), s.since.slice(11, 19)]),
    ...infra.map((c) => [c.name, "-", String(c.port), String(c.pid ?? "-"), c.state, "-", "-"]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd());
}

async function main(): Promise<void> {
  const [command, name, ...rest] = process.argv.slice(2);
  if (!command || !["status", "stop", "start", "restart", "kill"].includes(command) || (command !== "status" && !name)) {
    console.error(usage);
    process.exitCode = 2;
    return;
  }
  const supervisor = readRunningSupervisor(devDir);
  if (!supervisor) {
    throw new Error(`No \`pnpm start\` is running here (${supervisorFileOf(devDir)} is missing or names a process that is gone). Start the system with \`pnpm start\` in another terminal, then try again.`);
  }
  if (command === "status") {
    const { services } = (await call(supervisor.url, "GET", "/services")) as { services: InstanceView[] };
    const { components: infra } = (await call(supervisor.url, "GET", "/infra")) as { components: ComponentView[] };
    return printStatus(services, infra);
  }
  const instanceFlag = rest.indexOf("--instance");
  const instance = instanceFlag === -1 ? undefined : rest[instanceFlag + 1];
  if (instanceFlag !== -1 && !/^[1-9]\d*$/.test(instance ?? "")) throw new Error(`--instance needs a number from 1 (got ${instance ?? "nothing"})`);
  if ((components as readonly string[]).includes(name!)) {
    console.log(`${command} ${name}...`);
    const result = (await call(supervisor.url, "POST", `/infra/${name}/${command}`)) as { state: string };
    console.log(`${name} is ${result.state}.`);
    return;
  }
  const query = instance === undefined ? "" : `?instance=${instance}`;
  const result = (await call(supervisor.url, "POST", `/services/${encodeURIComponent(name!)}/${command}${query}`)) as { instances: InstanceView[] };
  for (const i of result.instances) console.log(`${command}: ${i.name} instance ${i.instance} (port ${i.port}${i.pid ? `, pid ${i.pid}` : ""})`);
  console.log("Follow it in the log of `pnpm start`, or with `pnpm svc status`.");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
