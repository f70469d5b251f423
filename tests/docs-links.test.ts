/**
 * Docs that point into the code cannot rot unnoticed: every relative link in the Markdown files
 * must name a file that exists, a heading anchor (`break-it.md#forge-an-event`) a heading of that
 * file, and a line anchor (`#L42`) the line it promises by its text, so code that moves by even
 * one line fails here until the anchor moves with it.
 */
import fs from "node:fs";
import path from "node:path";
import { anchorProblem, headingAnchors, linksOf, markdownFiles, repoRoot, type Link } from "./support/markdown";

const links = markdownFiles().flatMap((file) => linksOf(file, fs.readFileSync(path.join(repoRoot, file), "utf8")));
const anchored = links.filter(({ target }) => /#L\d/.test(target));
const toHeadings = links.filter(({ target }) => target.includes("#") && !/#L\d/.test(target));

/** The file a link names: itself for a link within the page (`#heading`). */
const resolve = ({ file, target }: Link) => {
  const relative = decodeURIComponent(target.split("#")[0]!);
  return relative ? path.resolve(repoRoot, path.dirname(file), relative) : path.join(repoRoot, file);
};
const lineOf = ({ target }: Link) => Number(/#L(\d+)$/.exec(target)?.[1]);
const codeLines = (link: Link) => fs.readFileSync(resolve(link), "utf8").split("\n");

test("when the docs are scanned, then they have links and line anchors to check", () => {
  expect(links.length).toBeGreaterThan(20);
  expect(anchored.length).toBeGreaterThan(10);
});

test.each(links)("when $file links to $target, then the target exists", (link) => {
  const resolved = resolve(link);
  expect(fs.existsSync(resolved) ? resolved : `missing: ${resolved}`).toBe(resolved);
});

test.each(toHeadings)("when $file links to $target, then that file has the heading", (link) => {
  const anchor = decodeURIComponent(link.target.split("#")[1]!);
  expect(headingAnchors(fs.readFileSync(resolve(link), "utf8")).has(anchor) ? anchor : `no heading makes #${anchor}`).toBe(anchor);
});

test.each(anchored)("when $file anchors [$text]($target), then that line says $text", (link) => {
  expect(link.target).toMatch(/#L\d+$/); // one line; a range (#L3-L9) could not be checked this way
  expect(anchorProblem(codeLines(link), lineOf(link), link.text)).toBeUndefined();
});

test("when headings are read, then their anchors are GitHub's (lower case, punctuation dropped, spaces as hyphens), code blocks skipped", () => {
  const markdown = "# Personal data: where the customer's e-mail travels\n```sh\n# not a heading\n```\n## `pnpm svc` and the API";

  expect([...headingAnchors(markdown)]).toEqual(["personal-data-where-the-customers-e-mail-travels", "pnpm-svc-and-the-api"]);
});

test("when an anchor's code moves by one line, then the anchor check fails", () => {
  const code = ["import { pool } from \"./db\";", "", "export async function placeOrders(requests) {", "  return pool.query(requests);", "}"];

  expect(anchorProblem(code, 3, "placeOrders")).toBeUndefined();
  expect(anchorProblem(["// a new first line", ...code], 3, "placeOrders")).toMatch(/line 3 does not contain "placeOrders"/);
  expect(anchorProblem(code.slice(1), 3, "placeOrders")).toMatch(/line 3 does not contain "placeOrders"/);
});

test("when a text is on the line next to its anchor too, then the anchor check fails (a move by one line would go unseen)", () => {
  const code = ["/** placeOrders: prices, stores, publishes. */", "export async function placeOrders() {}"];

  expect(anchorProblem(code, 2, "placeOrders")).toMatch(/on line 1 too/);
  expect(anchorProblem(code, 2, "async function placeOrders")).toBeUndefined();
});

test("when the code behind any anchor of the docs moves by one line, then that anchor's check fails", () => {
  const stillPassing = anchored.filter((link) => {
    const code = codeLines(link);
    const line = lineOf(link);
    const movedDown = [...code.slice(0, line - 1), "", ...code.slice(line - 1)];
    const movedUp = [...code.slice(0, Math.max(line - 2, 0)), ...code.slice(line - 1)];
    return anchorProblem(movedDown, line, link.text) === undefined || anchorProblem(movedUp, line, link.text) === undefined;
  });

  expect(stillPassing).toEqual([]);
});
