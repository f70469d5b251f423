/**
 * CPU time per process, from /proc/<pid>/stat (Linux): utime + stime, in ms.
 *
 * A component is a process and its descendants, selected by parent pid, never by user: the
 * PostgreSQL cluster is the postmaster and the backends it forks, while the machine's own
 * PostgreSQL may run as the same user. A backend that exits is reaped by the postmaster and its
 * time moves into the postmaster's cutime/cstime, so "self + reaped children + live
 * descendants" keeps growing monotonically as connections come and go.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";

interface ProcStat { ppid: number; ownTicks: number; reapedChildrenTicks: number }

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // exited meanwhile
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ")".
  // Fields from there: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const field = (n: number) => Number(fields[n - 3]);
  return { ppid: field(4), ownTicks: field(14) + field(15), reapedChildrenTicks: field(16) + field(17) };
}

export interface ProcessTable { stats: Map<number, ProcStat>; children: Map<number, number[]> }

/** Every process on the machine, read once, so that one snapshot sees one consistent tree. */
export function processTable(): ProcessTable {
  const stats = new Map<number, ProcStat>();
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    stats.set(Number(entry), stat);
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)]);
  }
  return { stats, children };
}

/** CPU ms of `root` and every live descendant, including the children each has reaped; 0 if `root` is gone. */
export function treeCpuMs(table: ProcessTable, root: number): number {
  let ticks = 0;
  const pending = table.stats.has(root) ? [root] : [];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    const stat = table.stats.get(pid)!;
    ticks += stat.ownTicks + stat.reapedChildrenTicks;
    pending.push(...(table.children.get(pid) ?? []));
  }
  return (ticks * 1000) / ticksPerSecond;
}

/** CPU ms of this process alone: not its children (the services, the SMTP sink), which are measured apart. */
export function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
