/**
 * The commands of a guide in docs/, read from the guide itself, so that a test runs what the page
 * says and the page cannot drift from what runs: every line of a fenced `sh` block is a command of
 * the section (`## ` heading) it is in; a trailing ` # comment` is not part of it. A test takes
 * each command by section and text (`take` fails if the page no longer has it) and, at the end,
 * asks which commands it never ran (`notRun`).
 *
 * A command runs in a shell at the repository's root, like one typed into a terminal there: a
 * line that only sets variables (`set -a; . file; set +a`) stays in effect for the commands after
 * it, as it would in that terminal.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";

export interface CommandResult { command: string; code: number | null; stdout: string; stderr: string }

export interface Guide {
  /** The commands of a section, in page order. */
  commands(section: string): string[];
  /**
   * Runs one command of a section, adapted by the shell's `rewrite` (e.g. where .cache is) and with
   * its `<placeholder>`s replaced. Fails if the section has no such command, or it exits non-zero.
   */
  run(section: string, command: string, placeholders?: Record<string, string>): Promise<CommandResult>;
  /** "section: command" for every command no test ran. */
  notRun(): string[];
}

export function readGuide(file: string, shell: { cwd: string; env: NodeJS.ProcessEnv; rewrite: (command: string) => string }): Guide {
  const sections = commandsBySection(fs.readFileSync(file, "utf8"));
  const ran = new Set<string>();
  let prelude = ""; // the variable-setting lines run so far, as in one terminal session

  const take = (section: string, command: string) => {
    const commands = sections.get(section);
    if (!commands) throw new Error(`${file} has no section "## ${section}" (it has: ${[...sections.keys()].join("; ")})`);
    if (!commands.includes(command)) throw new Error(`${file}, "${section}", has no command \`${command}\`; its commands are:\n${commands.join("\n")}`);
    ran.add(`${section}: ${command}`);
  };

  return {
    commands: (section) => sections.get(section) ?? [],
    async run(section, command, placeholders = {}) {
      take(section, command);
      let line = shell.rewrite(command);
      for (const [name, value] of Object.entries(placeholders)) line = line.replaceAll(`<${name}>`, value);
      if (/^set -a;/.test(line)) {
        prelude += `${line}\n`;
        return { command, code: 0, stdout: "", stderr: "" };
      }
      const result = await runShell(`${prelude}${line}`, shell);
      if (result.code !== 0) throw new Error(`\`${command}\` exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
      return { command, ...result };
    },
    notRun: () => [...sections].flatMap(([section, commands]) => commands.map((c) => `${section}: ${c}`)).filter((c) => !ran.has(c)),
  };
}

/** Section heading → the commands of its `sh` blocks (a block may be indented, inside a list item). */
export function commandsBySection(markdown: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  for (const part of markdown.split(/^## /m).slice(1)) {
    const heading = part.slice(0, part.indexOf("\n")).trim();
    const commands: string[] = [];
    for (const [, indent, body] of part.matchAll(/^( *)```sh\n([\s\S]*?)^\1```/gm)) {
      for (const raw of body!.split("\n")) {
        const command = raw.slice(indent!.length).replace(/\s+# .*$/, "").trim();
        if (command) commands.push(command);
      }
    }
    sections.set(heading, commands);
  }
  return sections;
}

function runShell(script: string, { cwd, env }: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Omit<CommandResult, "command">> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
