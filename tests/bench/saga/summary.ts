/**
 * pnpm bench:saga:summary — the saga benchmark's result files (tests/bench/results/), compared:
 * per figure the median and the range over the runs, as a Markdown table for the README.
 *
 *   pnpm bench:saga:summary                  the runs of the newest result's commit
 *   pnpm bench:saga:summary --commit abc1234 the runs of that commit (a prefix is enough)
 *   pnpm bench:saga:summary --last 5         the five newest runs, whatever their commit
 */
import fs from "node:fs";
import path from "node:path";
import { resultsDir } from "./results";

interface ResultFile {
  file: string; date: string; commit: string; dirty: boolean; machine: { cpuModel: string; cores: number };
  settings: { rates: number[]; seconds: number; burst: number; clients: number };
  figures: Record<string, number | null>;
}

function readResults(): ResultFile[] {
  const files = fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir).filter((name) => /^saga-.*\.json$/.test(name)) : [];
  return files
    .map((name) => ({ file: name, ...(JSON.parse(fs.readFileSync(path.join(resultsDir, name), "utf8")) as Omit<ResultFile, "file">) }))
    .sort((a, b) => b.date.localeCompare(a.date)); // newest first
}

function choose(results: ResultFile[], args: string[]): ResultFile[] {
  const option = (name: string) => {
    const index = args.indexOf(name);
    return index === -1 ? undefined : args[index + 1];
  };
  const last = option("--last");
  if (last !== undefined) return results.slice(0, Number(last));
  const commit = option("--commit") ?? results[0]?.commit;
  return results.filter((result) => commit !== undefined && result.commit.startsWith(commit));
}

function median(sorted: number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Three significant digits at most, no trailing noise: 191.3, 0.47, 3700. */
function format(value: number): string {
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return String(Number(value.toPrecision(3)));
}

function main(): void {
  const args = process.argv.slice(2);
  const runs = choose(readResults(), args);
  if (runs.length === 0) {
    console.error(`No saga results ${args.length > 0 ? `for ${args.join(" ")} ` : ""}in ${resultsDir}: run pnpm bench:saga first.`);
    process.exitCode = 1;
    return;
  }
  const commits = [...new Set(runs.map((run) => `${run.commit.slice(0, 7)}${run.dirty ? " (dirty)" : ""}`))];
  const machines = [...new Set(runs.map((run) => `${run.machine.cpuModel} × ${run.machine.cores}`))];
  const settings = [...new Set(runs.map(({ settings: s }) => `rates ${s.rates.join(",")} × ${s.seconds} s, burst ${s.burst} from ${s.clients} clients`))];
  console.log(`${runs.length} run${runs.length === 1 ? "" : "s"} of ${commits.join(", ")} on ${machines.join("; ")}, ` +
    `${runs.at(-1)!.date.slice(0, 10)} to ${runs[0]!.date.slice(0, 10)}; ${settings.join(" | ")}${settings.length > 1 ? " (mixed settings!)" : ""}\n`);

  console.log("| figure | median | min–max |");
  console.log("|---|---:|---:|");
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.figures)))];
  for (const name of names) {
    const values = runs.map((run) => run.figures[name]).filter((value): value is number => typeof value === "number").sort((a, b) => a - b);
    if (values.length === 0) continue;
    const range = `${format(values[0]!)}–${format(values.at(-1)!)}`;
    const missing = values.length < runs.length ? ` (${values.length} of ${runs.length} runs)` : "";
    console.log(`| ${name}${missing} | ${format(median(values))} | ${range} |`);
  }
}

main();
