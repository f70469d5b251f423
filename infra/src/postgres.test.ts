import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { canPassThrough, postgresDataDir, postgresUrl, startPostgres, stopPostgres } from "./postgres";
import { freePort } from "./ports";

describe("canPassThrough", () => {
  const someoneElse = { uid: 54321, gid: 54321 };
  let folder: string;
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "pass-through-")); // mode 0700, ours
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  test("when a folder on the way is 0700 and owned by another user, then nobody else may pass", () => {
    expect(canPassThrough(someoneElse, path.join(folder, "a", "b"))).toBe(false);
  });

  test("when every folder on the way lets others enter, then another user may pass", () => {
    fs.chmodSync(folder, 0o755);
    expect(canPassThrough(someoneElse, path.join(folder, "a", "b"))).toBe(true);
  });

  test("when the user owns the 0700 folder, then it may pass", () => {
    const { uid, gid } = fs.statSync(folder);
    expect(canPassThrough({ uid, gid }, folder)).toBe(true);
  });
});

// The clone of a fresh user lives in `mktemp -d` (0700). As root, PostgreSQL runs as `postgres` and could
// not reach a data dir in there; as another user it owns the folder. Both ways, it must start.
test("when the environment lives inside a folder only its owner may enter, then PostgreSQL starts, and its data can be removed", async () => {
  const privateFolder = fs.mkdtempSync(path.join(os.tmpdir(), "private-clone-"));
  const environmentDir = path.join(privateFolder, "repo", ".cache", "infra", "dev");
  fs.mkdirSync(environmentDir, { recursive: true, mode: 0o755 });
  const dataDir = postgresDataDir(environmentDir);
  const postgres = { port: await freePort(), passwordsFile: path.join(environmentDir, "postgres-passwords.json") };
  let pid: number | undefined;
  try {
    pid = (await startPostgres({ ...postgres, dataDir, logFile: path.join(environmentDir, "postgres.log"), databases: ["probe"], fast: true })).pid;
    const client = new Client({ connectionString: postgresUrl(postgres, "probe") });
    await client.connect();
    const { rows } = await client.query<{ answer: number }>("SELECT 1 + 1 AS answer");
    await client.end();
    expect(rows).toEqual([{ answer: 2 }]);
    if (process.getuid?.() === 0) expect(dataDir.startsWith("/var/tmp/checkout-saga-postgres-")).toBe(true);
    else expect(dataDir).toBe(path.join(environmentDir, "postgres"));
  } finally {
    if (pid) await stopPostgres(pid);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(privateFolder, { recursive: true, force: true });
  }
  expect(fs.existsSync(dataDir)).toBe(false);
}, 60_000);
