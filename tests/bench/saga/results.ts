/**
 * One JSON file per run in tests/bench/results/ (committed): where and on what the run was
 * measured, and every figure. `figures` repeats the main ones flat ("100/s: saga p99 ms": 412),
 * which is what `pnpm bench:saga:summary` compares across runs.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ExplorerHeadline, Headline, IdleFigures, PhaseFigures } from "./figures";

export const resultsDir = path.resolve(__dirname, "..", "results");

export interface RunInfo {
  date: string;
  commit: string;
  dirty: boolean;
  /** Uncommitted changes in the checkout when the run started (`git status --porcelain`), result files aside. */
  dirtyFiles: string[];
  machine: { cpuModel: string; cores: number; memoryGb: number; os: string; loadAverageAtStart: number[] };
  node: string;
}

export function runInfo(): RunInfo {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: resultsDir, encoding: "utf8" }).trim();
  // Earlier runs' result files do not count: several runs of one commit are the point.
  const dirtyFiles = git("status", "--porcelain", "--", ":(top)", ":(top,exclude)tests/bench/results").split("\n").filter(Boolean);
  return {
    date: new Date().toISOString(),
    commit: git("rev-parse", "HEAD"),
    dirty: dirtyFiles.length > 0,
    dirtyFiles,
    machine: {
      cpuModel: os.cpus()[0]?.model ?? "unknown", cores: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`, loadAverageAtStart: os.loadavg().map((load) => Number(load.toFixed(2))),
    },
    node: process.version,
  };
}

export function flatFigures(headline: Headline, phases: PhaseFigures[], idle: IdleFigures, explorer: ExplorerHeadline | null): Record<string, number> {
  const figures: Record<string, number> = {
    "checkouts/s (best)": headline.checkoutsPerS,
    "saga p99 ms at 100/s": headline.p99MsAt100,
    "saga p50 ms at 10/s": headline.p50MsAt10,
    "idle CPU % of a core, six services": headline.idleCpuPct,
  };
  for (const phase of phases) {
    figures[`${phase.name}: accepted`] = phase.accepted;
    figures[`${phase.name}: refused`] = phase.refused;
    figures[`${phase.name}: cancelled (timeout)`] = phase.cancelled.timeout ?? 0;
    figures[`${phase.name}: saga p50 ms`] = phase.sagaMs.p50;
    figures[`${phase.name}: saga p99 ms`] = phase.sagaMs.p99;
    figures[`${phase.name}: completed checkouts/s`] = phase.completedPerS;
    figures[`${phase.name}: CPU ms/checkout`] = phase.cpuMsPerCheckout.total!;
    figures[`${phase.name}: PG transactions/checkout`] = phase.pgTransactionsPerCheckout;
    figures[`${phase.name}: Kafka requests/checkout`] = phase.kafkaRequestsPerCheckout;
    if (phase.explorer) {
      figures[`${phase.name}: explorer CPU ms/checkout`] = phase.cpuMsPerCheckout.explorer ?? NaN;
      figures[`${phase.name}: explorer /api/sagas p99 ms`] = phase.explorer.sagasListMs.p99;
      figures[`${phase.name}: explorer SSE delay p99 ms`] = phase.explorer.sseDelayMs.p99;
    }
  }
  if (explorer) {
    figures["explorer CPU ms/checkout at the top rate"] = explorer.cpuMsPerCheckoutAtTopRate;
    figures["explorer /api/sagas p99 ms at 200/s"] = explorer.sagasListP99MsAt200;
    figures["explorer saga detail p99 ms at 200/s"] = explorer.sagaDetailP99MsAt200;
    figures["explorer SSE delay p99 ms at 200/s"] = explorer.sseDelayP99MsAt200;
  }
  for (const name of ["kafka", "registry", "postgres"]) figures[`idle CPU % of a core, ${name}`] = idle.cpuPct[name] ?? NaN;
  return figures;
}

/** Writes tests/bench/results/<benchmark>-<date>-<commit>.json; returns its path. */
export function writeResult(run: RunInfo, content: Record<string, unknown>, benchmark = "saga"): string {
  const stamp = run.date.replace(/:/g, "").replace(/\.\d+Z$/, "Z"); // 2026-12-02T183005Z
  const file = path.join(resultsDir, `${benchmark}-${stamp}-${run.commit.slice(0, 7)}.json`);
  fs.mkdirSync(resultsDir, { recursive: true });
  // NaN (a figure that could not be measured) is not JSON: it is written as null.
  fs.writeFileSync(file, `${JSON.stringify({ benchmark, ...run, ...content }, (_, value) => (Number.isNaN(value) ? null : value), 2)}\n`);
  return file;
}
