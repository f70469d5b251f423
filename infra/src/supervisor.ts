/**
 * The supervisor of `pnpm start`: runs each service instance as a child process, knows its state,
 * and restarts it when it exits unexpectedly, the way systemd or Kubernetes would:
 *
 *   starting → ready                         (GET /health/ready answered 200)
 *   ready → backoff → starting               (it exited on its own, or `pnpm svc kill`)
 *   any → stopping → stopped                 (`pnpm svc stop`, Ctrl-C): stays stopped until `start`
 *   starting → crashed                       (it exited before it was ever ready: bad configuration;
 *                                             restarting would fail again. `pnpm svc start` retries)
 *
 * The wait before a restart doubles from 0.5 s to 10 s while it keeps failing, and goes back to
 * 0.5 s once the instance has stayed ready for 10 s. Every change is an event (the log, GET /events).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { repoRoot } from "./paths";
import { serviceNodeArgs } from "./service-command";

export type InstanceState = "starting" | "ready" | "stopping" | "stopped" | "backoff" | "crashed";
export type ServiceAction = "stop" | "start" | "restart" | "kill";
export const serviceActions: readonly ServiceAction[] = ["stop", "start", "restart", "kill"];

export interface InstanceSpec {
  name: string; instance: number; port: number; env: NodeJS.ProcessEnv;
  /** The script it runs, for what is not a service (the explorer); a service runs as serviceNodeArgs says. */
  entry?: string;
  /** Stopped after the others (the explorer: the services send it their last spans as they stop). */
  stopsLast?: boolean;
}
export interface InstanceView { name: string; instance: number; port: number; pid: number | null; state: InstanceState; restarts: number; since: string }
export interface SupervisorEvent { time: string; name: string; instance: number; event: string; detail: string }

const firstBackoffMs = 500;
const maxBackoffMs = 10_000;
const stableAfterMs = 10_000;
const stopGraceMs = 20_000;

class Instance {
  state: InstanceState = "stopped";
  since = new Date();
  restarts = 0;
  child?: ChildProcess;
  /** What the operator asked for: an exit of a `running` instance is unexpected. */
  wanted: "running" | "stopped" = "stopped";
  everReady = false;
  backoffMs = firstBackoffMs;
  exitedAt?: number;
  startedAt = 0;
  timer?: NodeJS.Timeout;
  constructor(readonly spec: InstanceSpec) {}
}

export class Supervisor extends EventEmitter {
  private readonly instances: Instance[];

  /** `output` receives each line a service writes; every state change is emitted as an "event" (SupervisorEvent). */
  constructor(specs: InstanceSpec[], private readonly output: (spec: InstanceSpec, line: string) => void) {
    super();
    this.instances = specs.map((spec) => new Instance(spec));
  }

  list(): InstanceView[] {
    return this.instances.map(({ spec, child, state, restarts, since }) => ({
      name: spec.name, instance: spec.instance, port: spec.port, pid: state === "stopped" || state === "backoff" || state === "crashed" ? null : child?.pid ?? null,
      state, restarts, since: since.toISOString(),
    }));
  }

  startAll(): void {
    for (const instance of this.instances) this.start(instance);
  }

  /** Stops every instance (SIGTERM, in parallel; those that stop last, after) and waits for them to exit. */
  async stopAll(): Promise<void> {
    await Promise.all(this.instances.filter((i) => !i.spec.stopsLast).map((instance) => this.stop(instance)));
    await Promise.all(this.instances.filter((i) => i.spec.stopsLast).map((instance) => this.stop(instance)));
  }

  /** Resolves once every instance is ready; rejects when one crashes (it will not become ready). */
  whenAllReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const crashed = this.instances.find((i) => i.state === "crashed");
        if (crashed) return done(new Error(`${label(crashed.spec)} exited during start-up; its log is above`));
        if (this.instances.every((i) => i.state === "ready")) done();
      };
      const done = (error?: Error) => {
        this.off("event", check);
        if (error) reject(error); else resolve();
      };
      this.on("event", check);
      check();
    });
  }

  /** Applies `action` to the instances of `name` (all, or the one numbered `instance`); returns them as they are now. */
  act(name: string, action: ServiceAction, instance?: number): InstanceView[] {
    const targets = this.instances.filter((i) => i.spec.name === name && (instance === undefined || i.spec.instance === instance));
    if (targets.length === 0) throw new Error(`No service "${name}"${instance === undefined ? "" : ` instance ${instance}`}`);
    for (const target of targets) {
      if (action === "stop") void this.stop(target);
      if (action === "start") this.start(target);
      if (action === "restart") void this.stop(target).then(() => this.start(target));
      if (action === "kill") this.signal(target, "SIGKILL"); // an unexpected exit: restarted with backoff
    }
    return this.list().filter((view) => targets.some((t) => t.spec.name === view.name && t.spec.instance === view.instance));
  }

  /** The service names, in start order. */
  names(): string[] {
    return [...new Set(this.instances.map((i) => i.spec.name))];
  }

  private start(instance: Instance): void {
    clearTimeout(instance.timer);
    instance.wanted = "running";
    if (instance.state === "stopping" || instance.state === "starting" || instance.state === "ready") return;
    instance.everReady = false; // asked for by the operator: a failure before ready is a crash again
    this.spawn(instance);
  }

  private spawn(instance: Instance, event: "starting" | "restarting" = "starting"): void {
    const { spec } = instance;
    // Its own process group: Ctrl-C in the terminal reaches the supervisor only, which stops the
    // services itself, in order. The reaper (reaper.ts) stops them if the supervisor is killed.
    const args = spec.entry ? ["--import", "tsx", spec.entry] : serviceNodeArgs(spec.name); // a service's telemetry first (service-command.ts)
    const child = spawn(process.execPath, args, {
      cwd: repoRoot, env: { ...process.env, ...spec.env, PORT: String(spec.port) }, stdio: ["ignore", "pipe", "pipe"], detached: true,
    });
    instance.child = child;
    instance.startedAt = Date.now();
    this.change(instance, "starting", event, `${event} (pid ${child.pid}, port ${spec.port})`);
    for (const stream of [child.stdout!, child.stderr!]) forEachLine(stream, (line) => this.output(spec, line));
    child.once("exit", (code, signal) => this.exited(instance, child, signal ?? `exit code ${code}`));
    void this.waitUntilReady(instance, child);
  }

  private async waitUntilReady(instance: Instance, child: ChildProcess): Promise<void> {
    while (instance.child === child && instance.state === "starting") {
      const response = await fetch(`http://127.0.0.1:${instance.spec.port}/health/ready`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
      if (response?.ok && instance.child === child && instance.state === "starting") {
        const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
        const detail = instance.exitedAt === undefined ? `ready in ${seconds(instance.startedAt)}` : `ready again after ${seconds(instance.exitedAt)}`;
        instance.everReady = true;
        instance.exitedAt = undefined;
        this.change(instance, "ready", "ready", detail);
        // Stayed up a while: the next failure is a new one, restarted quickly again.
        instance.timer = setTimeout(() => (instance.backoffMs = firstBackoffMs), stableAfterMs);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private exited(instance: Instance, child: ChildProcess, how: string): void {
    if (instance.child !== child) return;
    clearTimeout(instance.timer);
    instance.child = undefined;
    if (instance.wanted === "stopped") return this.change(instance, "stopped", "stopped", `stopped (${how})`);
    if (!instance.everReady) {
      return this.change(instance, "crashed", "crashed", `exited (${how}) before it was ever ready; not restarting: its log is above (\`pnpm svc start ${instance.spec.name}\` tries again)`);
    }
    instance.exitedAt ??= Date.now(); // the first exit of a series: "ready again after" counts from here
    const delay = instance.backoffMs;
    instance.backoffMs = Math.min(delay * 2, maxBackoffMs);
    this.change(instance, "backoff", "exited", `exited (${how}); restarting in ${(delay / 1000).toFixed(1)} s`);
    instance.timer = setTimeout(() => {
      instance.restarts += 1;
      this.spawn(instance, "restarting");
    }, delay);
  }

  private async stop(instance: Instance): Promise<void> {
    instance.wanted = "stopped";
    clearTimeout(instance.timer);
    const child = instance.child;
    if (!child) {
      if (instance.state !== "stopped") this.change(instance, "stopped", "stopped", "stopped");
      return;
    }
    const exited = new Promise((resolve) => child.once("exit", resolve));
    if (instance.state !== "stopping") this.change(instance, "stopping", "stopping", "stopping (SIGTERM)");
    this.signal(instance, "SIGTERM");
    const escalate = setTimeout(() => this.signal(instance, "SIGKILL"), stopGraceMs);
    await exited;
    clearTimeout(escalate);
  }

  /** To the whole process group (negative pid): whatever the service started goes with it. */
  private signal(instance: Instance, signal: NodeJS.Signals): void {
    const pid = instance.child?.pid;
    if (pid === undefined) return;
    try { process.kill(-pid, signal); } catch { /* already gone */ }
  }

  private change(instance: Instance, state: InstanceState, event: string, detail: string): void {
    instance.state = state;
    instance.since = new Date();
    const payload: SupervisorEvent = { time: instance.since.toISOString(), name: instance.spec.name, instance: instance.spec.instance, event, detail };
    this.emit("event", payload);
  }

  /** The pids of the running instances, for the reaper. */
  pids(): number[] {
    return this.instances.flatMap((i) => (i.child?.pid === undefined ? [] : [i.child.pid]));
  }
}

/** "payment", or "inventory#2" for the second instance of a scaled service. */
export const label = (spec: { name: string; instance: number }) => (spec.instance === 1 ? spec.name : `${spec.name}#${spec.instance}`);

/** One line of the supervisor's log: "payment exited (SIGKILL); restarting in 0.5 s", "payment ready again after 3.2 s". */
export const describeEvent = (event: SupervisorEvent) => `${label(event)} ${event.detail}`;

function forEachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let rest = "";
  stream.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split("\n");
    rest = lines.pop()!;
    for (const line of lines) if (line.trim()) onLine(line);
  });
}
