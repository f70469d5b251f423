/**
 * Docs that point into the code cannot rot unnoticed: every relative link in the Markdown files
 * must name a file that exists, and every `#Lnn` anchor a line that file has.
 */
import fs from "node:fs";
import path from "node:path";

const repoRoot = path.resolve(__dirname, "..");

function markdownFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) return [];
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? markdownFiles(full) : entry.name.endsWith(".md") ? [full] : [];
  });
}

const links = markdownFiles(repoRoot).flatMap((file) =>
  [...fs.readFileSync(file, "utf8").matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith("#"))
    .map((target) => ({ file: path.relative(repoRoot, file), target })),
);

test("when the docs are scanned, then they have links to check", () => {
  expect(links.length).toBeGreaterThan(20);
});

test.each(links)("when $file links to $target, then the target exists", ({ file, target }) => {
  const [relative, anchor] = target.split("#");
  const resolved = path.resolve(repoRoot, path.dirname(file), decodeURIComponent(relative!));
  expect(fs.existsSync(resolved) ? resolved : `missing: ${resolved}`).toBe(resolved);
  const line = /^L(\d+)$/.exec(anchor ?? "")?.[1];
  if (line) {
    const lines = fs.readFileSync(resolved, "utf8").split("\n").length;
    expect(Number(line)).toBeLessThanOrEqual(lines);
  }
});
