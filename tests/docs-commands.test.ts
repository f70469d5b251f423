/**
 * The commands and paths the docs give a reader must exist: in the code of every Markdown file
 * (fenced blocks and inline code), `pnpm <script>`, `./shop <script>` and
 * `pnpm --filter <package> <script>` name a script of that package.json; a subcommand
 * (`pnpm infra up`, `pnpm svc kill payment`) is one the script's usage line lists; and a path
 * that starts at a folder or file of the repository (or of the Markdown file's own folder) exists.
 * What the commands do is tested where they live (infra, supervisor and messaging suites).
 */
import fs from "node:fs";
import path from "node:path";
import { codeOf, commandsIn, markdownFiles, pathsIn, repoRoot } from "./support/markdown";

interface Package { dir: string; scripts: Record<string, string> }

function readPackage(dir: string): [string, Package] {
  const json = JSON.parse(fs.readFileSync(path.join(repoRoot, dir, "package.json"), "utf8")) as { name: string; scripts?: Record<string, string> };
  return [json.name, { dir, scripts: json.scripts ?? {} }];
}

const root = readPackage(".")[1];
const workspace = new Map(["infra", "tests", ...["services", "packages"].flatMap((group) =>
  fs.readdirSync(path.join(repoRoot, group)).map((name) => `${group}/${name}`))]
  .filter((dir) => fs.existsSync(path.join(repoRoot, dir, "package.json")))
  .map(readPackage));
/** pnpm's own commands that the docs use. */
const pnpmCommands = new Set(["install", "exec", "add", "rebuild"]);

/**
 * The usage text of a script: in the TypeScript file its command runs, from the line that says
 * `usage:` to the end of that statement. Undefined when the script prints none.
 */
function usageOf({ dir, scripts }: Package, script: string): string | undefined {
  const file = /\S+\.ts\b/.exec(scripts[script] ?? "")?.[0];
  if (!file) return undefined;
  const lines = fs.readFileSync(path.join(repoRoot, dir, file), "utf8").split("\n");
  const start = lines.findIndex((line) => line.includes("usage:"));
  if (start < 0) return undefined;
  const end = lines.findIndex((line, index) => index >= start && line.trimEnd().endsWith(";"));
  return lines.slice(start, end + 1).join("\n");
}

/** Why a command of the docs would not run as written, or undefined. */
function commandProblem(words: string[]): string | undefined {
  const filtered = words[0] === "--filter";
  if (filtered && /^[<…]/.test(words[1] ?? "")) return undefined; // `pnpm --filter <package> <script>`: a pattern, not a command
  const name = filtered ? words[1]! : "the root package";
  const pkg = filtered ? workspace.get(words[1]!) : root;
  const [script, subcommand] = filtered ? words.slice(2) : words;
  if (!pkg) return `no workspace package is named ${name}`;
  if (!script || /^[-<…]/.test(script)) return undefined; // `pnpm --help`, `./shop <script>`: no script named
  if (!filtered && pnpmCommands.has(script)) return undefined;
  if (!(script in pkg.scripts)) return `${name} has no script "${script}" (it has: ${Object.keys(pkg.scripts).join(", ")})`;
  const usage = usageOf(pkg, script);
  // `usage: pnpm poison <topic>`: the first word is a value the script checks itself, not a subcommand.
  const firstIsValue = usage !== undefined && new RegExp(`\\b${script}\\s+<`).test(usage);
  if (usage && subcommand && !firstIsValue && /^[a-z][a-z0-9-]*$/.test(subcommand) && !new RegExp(`\\b${subcommand}\\b`).test(usage)) {
    return `"${subcommand}" is not in the usage of ${script}: ${usage.trim()}`;
  }
  return undefined;
}

/** Why a path of the docs does not exist, or undefined (also for words that only look like paths). */
function pathProblem(markdownFile: string, word: string): string | undefined {
  const relative = word.replace(/^\.\//, "");
  const first = relative.split("/")[0]!;
  const base = [repoRoot, path.join(repoRoot, path.dirname(markdownFile))]
    .find((dir) => first !== "" && !first.startsWith(".cache") && fs.existsSync(path.join(dir, first)));
  if (!base || fs.existsSync(path.join(base, relative))) return undefined;
  return `${word} does not exist (${path.relative(repoRoot, path.join(base, relative))})`;
}

const docs = markdownFiles().map((file) => ({ file, code: codeOf(fs.readFileSync(path.join(repoRoot, file), "utf8")) }));
const commands = docs.flatMap(({ file, code }) => code.flatMap(commandsIn).map((words) => ({ file, command: words.join(" "), words })));
const paths = docs.flatMap(({ file, code }) => code.flatMap(pathsIn).map((word) => ({ file, word })));

test("when the docs are scanned, then they have commands and paths to check", () => {
  expect(commands.length).toBeGreaterThan(100);
  expect(paths.length).toBeGreaterThan(20);
});

test.each(commands)("when $file says pnpm $command, then that script exists", ({ words }) => {
  expect(commandProblem(words)).toBeUndefined();
});

test.each(paths)("when $file names $word, then it exists", ({ file, word }) => {
  expect(pathProblem(file, word)).toBeUndefined();
});

test("when a doc names a script or subcommand that does not exist, then the check says so", () => {
  expect(commandProblem(["--filter", "@shop/analytics", "rebuild"])).toMatch(/@shop\/analytics has no script "rebuild"/);
  expect(commandProblem(["--filter", "@shop/analytics", "rebuild-read-model"])).toBeUndefined();
  expect(commandProblem(["infra", "restart"])).toMatch(/"restart" is not in the usage of infra/);
  expect(commandProblem(["poison", "notifications"])).toBeUndefined(); // usage: pnpm poison <topic>
  expect(commandProblem(["infra", "up"])).toBeUndefined();
  expect(commandProblem(["bench:everything"])).toMatch(/has no script "bench:everything"/);
});
