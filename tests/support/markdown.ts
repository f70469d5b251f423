/**
 * What the docs tests read in the repository's Markdown: links, line anchors into code, and the
 * code the docs show (inline code spans and fenced blocks), where commands and paths appear.
 * Pure functions over text, so the tests can also feed them fixtures.
 */
import fs from "node:fs";
import path from "node:path";

export const repoRoot = path.resolve(__dirname, "../..");

/** Every Markdown file of the repository (not node_modules, not hidden folders such as .cache), relative to the root. */
export function markdownFiles(dir = repoRoot): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(full);
    return entry.name.endsWith(".md") ? [path.relative(repoRoot, full)] : [];
  });
}

export interface Link {
  /** The Markdown file, relative to the root. */
  file: string;
  /** What the reader sees: `[text](target)`. */
  text: string;
  target: string;
}

/** The relative links of a Markdown text, links within the page (`#heading`) included; not web links. */
export function linksOf(file: string, markdown: string): Link[] {
  return [...markdown.matchAll(/\[([^\]]*)\]\(([^)\s]+)\)/g)]
    .map((match) => ({ file, text: match[1]!, target: match[2]! }))
    .filter(({ target }) => !/^[a-z]+:/i.test(target));
}

/** The anchors of a Markdown text's headings, as GitHub makes them: `## Forge an event` → `forge-an-event`. */
export function headingAnchors(markdown: string): Set<string> {
  let fenced = false;
  const anchors = new Set<string>();
  for (const line of markdown.split("\n")) {
    if (line.trimStart().startsWith("```")) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line)?.[1];
    if (heading) anchors.add(heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-"));
  }
  return anchors;
}

/**
 * Why a line anchor does not point at what it promises, or undefined when it does. The promise is
 * the link's text (without backticks): it must appear on line `lineNumber` (1-based) of the code,
 * and on neither line next to it, so that the code moving by one line, up or down, breaks the
 * promise. Write `[placeOrders](orders.ts#L75)` or ``[`acks: -1`](relay.ts#L190)``.
 */
export function anchorProblem(code: string[], lineNumber: number, text: string): string | undefined {
  const expected = text.replaceAll("`", "").trim();
  const line = code[lineNumber - 1];
  if (line === undefined) return `line ${lineNumber} is past the end (${code.length} lines)`;
  if (!line.includes(expected)) return `line ${lineNumber} does not contain "${expected}": ${line.trim()}`;
  const neighbour = [lineNumber - 1, lineNumber + 1].find((n) => code[n - 1]?.includes(expected));
  if (neighbour) return `"${expected}" is on line ${neighbour} too: quote more of line ${lineNumber}, so that a one-line move is caught`;
  return undefined;
}

/** The code a Markdown text shows: the contents of its fenced blocks, line by line, and of its inline code spans. */
export function codeOf(markdown: string): string[] {
  const code: string[] = [];
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.trimStart().startsWith("```")) {
      fenced = !fenced;
    } else if (fenced) {
      code.push(line);
    } else {
      code.push(...[...line.matchAll(/`([^`]+)`/g)].map((match) => match[1]!));
    }
  }
  return code;
}

/**
 * The words after each `pnpm` or `./shop` in a piece of code, up to the end of that command (`;`,
 * `&&`, `|`, a closing parenthesis). A shell comment (` # ...`) is prose: not read.
 */
export function commandsIn(code: string): string[][] {
  return [...code.replace(/(^|\s)#.*/, "").matchAll(/(?:^|[\s;&|(])(?:pnpm|\.\/shop)\s+([^;&|#)\n]*)/g)]
    .map((match) => match[1]!.trim().split(/\s+/).filter(Boolean))
    .filter((words) => words.length > 0);
}

/**
 * The words of a piece of code that may be paths in the repository: they hold a `/`, and are
 * neither placeholders (`<topic>`, `*`), URLs, package names, assignments, absolute paths nor
 * relative to some other file (`../`).
 */
export function pathsIn(code: string): string[] {
  return code.split(/\s+/)
    .map((word) => word.replace(/^["'(]+|'s$|["'),.:;]+$/g, ""))
    .filter((word) => word.includes("/") && !/[<>*…$=?:@~]/.test(word) && !/^(\/|\.\.\/)/.test(word));
}
