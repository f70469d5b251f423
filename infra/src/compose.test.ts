/**
 * docker-compose.yml publishes every port on 127.0.0.1 only (issue "Trust on the bus"): a port
 * published without an address listens on every interface of the machine, so anyone on its
 * network could reach Kafka, the registry and PostgreSQL. Checked here because CI has no Docker.
 */
import fs from "node:fs";
import path from "node:path";
import { services } from "@shop/contracts";
import { repoRoot } from "./paths";
import { personalDataEnv } from "./personal-data-secrets";

const compose = fs.readFileSync(path.join(repoRoot, "docker-compose.yml"), "utf8");

/** The entries of every `ports:` list: `- "host:container"` lines that follow a `ports:` key. */
function publishedPorts(text: string): string[] {
  const entries: string[] = [];
  let inPorts = false;
  for (const line of text.split("\n")) {
    if (/^\s*ports:\s*$/.test(line)) inPorts = true;
    else if (inPorts && /^\s*#/.test(line)) continue;
    else if (inPorts && /^\s*- /.test(line)) entries.push(line.replace(/^\s*- /, "").replace(/\s+#.*$/, "").replace(/"/g, "").trim());
    else inPorts = false;
  }
  return entries;
}

test("when docker-compose.yml publishes ports, then it finds the ones we know of", () => {
  expect(publishedPorts(compose)).toEqual(expect.arrayContaining(["127.0.0.1:3001:3001", "127.0.0.1:5433:5432"]));
});

test("when docker-compose.yml publishes a port, then it binds 127.0.0.1 only", () => {
  const open = publishedPorts(compose).filter((entry) => !entry.startsWith("127.0.0.1:"));
  expect(open).toEqual([]);
});

test("when docker-compose.yml configures a service, then it passes exactly the personal-data secrets pnpm start gives it (decision 014)", () => {
  const secrets = { keks: { contact: "c", address: "a" }, emailAdminToken: "t" };
  for (const service of services) {
    const block = compose.split(/\n  (?=[a-z-]+:\n)/).find((section) => section.startsWith(`${service}:\n`)) ?? "";
    const given = [...block.matchAll(/^\s+((?:PERSONAL_DATA_KEK|EMAIL_ADMIN)_[A-Z_]+):/gm)].map((match) => match[1]).sort();
    expect([service, given]).toEqual([service, Object.keys(personalDataEnv(service, secrets)).sort()]);
  }
});
