/** onShutdown in a real process: signals, steps in order, exit codes (close-with-grace underneath). */
import { spawn } from "node:child_process";
import path from "node:path";

// Each test starts a process under tsx (seconds on a loaded machine); one waits out its 1 s shutdown deadline.
jest.setTimeout(60_000); // was 30 s: a fresh-clone CI run under load went past it (decision 019)

/** Runs the test process in `mode`, sends `signals` once it is ready, and gives back its exit code and log messages. */
async function run(mode: string, signals: NodeJS.Signals[]): Promise<{ code: number | null; messages: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "testing-shutdown-process.ts"), mode], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  const messages = () => output.split("\n").filter(Boolean).map((line) => (JSON.parse(line) as { msg: string }).msg);
  const logged = (message: string) => new Promise<void>((resolve) => {
    const check = () => messages().includes(message) && resolve();
    check();
    child.stdout.on("data", check);
  });
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await logged("ready");
  // One at a time: the next signal once the one before has started the shutdown (two pending signals of a kind are one).
  for (const [i, signal] of signals.entries()) {
    if (i > 0) await logged("shutting down");
    child.kill(signal);
  }
  const code = await exited;
  return { code, messages: messages() };
}

/**
 * The exit code, every message, and the order of those in `ordered`. A line logged in the signal
 * handler can reach the pipe after the lines logged just after it (seen with a signal sent right
 * after start-up), so the order is checked where it is the point: the steps, then "stopped".
 */
function expectRun({ code, messages }: { code: number | null; messages: string[] }, expected: { code: number; messages: string[]; ordered?: string[] }) {
  expect({ code, messages: [...messages].sort() }).toEqual({ code: expected.code, messages: [...expected.messages].sort() });
  const ordered = expected.ordered ?? [];
  expect(messages.filter((message) => ordered.includes(message))).toEqual(ordered);
}

test("when SIGTERM arrives, then the steps run in order, it logs stopped and exits with 0", async () => {
  expectRun(await run("ok", ["SIGTERM"]), { code: 0, messages: ["ready", "shutting down", "step 1", "step 2", "stopped"], ordered: ["step 1", "step 2", "stopped"] });
});

test("when a step fails, then the steps after it do not run, it says so and exits with 1", async () => {
  expectRun(await run("failing", ["SIGINT"]), { code: 1, messages: ["ready", "shutting down", "shutdown failed"] });
});

test("when the steps outlast the deadline, then it says so and exits with 1", async () => {
  expectRun(await run("hanging", ["SIGTERM"]), { code: 1, messages: ["ready", "shutting down", "shutdown took too long: exiting"] });
});

test("when a second signal arrives while it stops, then it exits at once with 1", async () => {
  expectRun(await run("hanging", ["SIGTERM", "SIGTERM"]), { code: 1, messages: ["ready", "shutting down", "second signal: exiting now"] });
});

test("when an error nothing caught is thrown, then the steps still run and it exits with 1", async () => {
  expectRun(await run("uncaught", []), { code: 1, messages: ["ready", "uncaught error: shutting down", "step 1", "stopped"], ordered: ["step 1", "stopped"] });
});
