import fs from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { startSystem } from "../saga/system";
import { openLoop } from "../saga/load";
import pg from "pg";

function stat(pid: number) {
  // self + live descendants usr/sys ticks
  const table = new Map<number, { ppid: number; u: number; s: number }>();
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const t = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      const f = t.slice(t.lastIndexOf(")") + 2).split(" ");
      table.set(Number(e), { ppid: Number(f[1]), u: Number(f[11]) + Number(f[13]), s: Number(f[12]) + Number(f[14]) });
    } catch {}
  }
  let u = 0, s = 0; const pending = [pid];
  while (pending.length) { const p = pending.pop()!; const x = table.get(p); if (!x) continue; u += x.u; s += x.s; for (const [c, y] of table) if (y.ppid === p) pending.push(c); }
  return { u, s };
}

async function main() {
  const log = (l: string) => console.log(l);
  const system = await startSystem(log);
  try {
    const rates = (process.env.PROBE_RATES ?? "20,10,25,100").split(",").map(Number);
    const seconds = Number(process.env.PROBE_SECONDS ?? 20);
    const admin = new pg.Client({ connectionString: system.environment.databaseUrl("order") });
    await admin.connect();
    await admin.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    for (const rate of rates) {
      await admin.query("SELECT pg_stat_statements_reset()");
      const db0 = (await admin.query("SELECT sum(xact_commit)::int AS c FROM pg_stat_database")).rows[0].c;
      const before = Object.fromEntries(Object.entries(system.processes).map(([n, p]) => [n, stat(p)]));
      const t0 = Date.now();
      const pl = await openLoop(system.orderUrl, rate, seconds, () => {});
      await sleep(1500);
      const dt = (Date.now() - t0) / 1000;
      const after = Object.fromEntries(Object.entries(system.processes).map(([n, p]) => [n, stat(p)]));
      const rows = Object.keys(before).map((n) => `${n}=${(((after[n]!.u - before[n]!.u)) / dt).toFixed(1)}u/${((after[n]!.s - before[n]!.s) / dt).toFixed(1)}s`);
      const total = Object.keys(before).reduce((a, n) => a + after[n]!.u - before[n]!.u + after[n]!.s - before[n]!.s, 0) / dt;
      const db1 = (await admin.query("SELECT sum(xact_commit)::int AS c FROM pg_stat_database")).rows[0].c;
      const top = await admin.query("SELECT d.datname, s.calls, round(s.total_exec_time::numeric,0) AS ms, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 110) AS q FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid ORDER BY s.calls DESC LIMIT 40");
      log(`xacts/s ${((db1 - db0) / dt).toFixed(0)}`);
      for (const r of top.rows) log(`  ${String(r.calls).padStart(7)} ${String(r.ms).padStart(6)}ms ${r.datname.padEnd(10)} ${r.q}`);
      log(`rate ${rate}: accepted ${pl.acceptedIds.length} total ${total.toFixed(0)}% | ${rows.join(" ")}`);
    }
    await admin.end();
    if (process.env.PROBE_HOLD) { log("holding"); await sleep(Number(process.env.PROBE_HOLD) * 1000); }
  } finally {
    await system.stop();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
