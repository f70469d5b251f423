import fs from "node:fs";
import path from "node:path";
import { composeSecrets, withSecrets } from "./compose-secrets";
import { repoRoot } from "./paths";

test("when .env is empty, then every secret is set, each to its own random value", () => {
  const { text, added } = withSecrets("");

  expect(added).toEqual(composeSecrets);
  const values = text.trim().split("\n").map((line) => line.split("=")[1]);
  expect(new Set(values).size).toBe(composeSecrets.length);
  expect(values.every((value) => /^[0-9a-f]{64}$/.test(value!))).toBe(true);
});

test("when .env (copied from .env.example) has some secrets set and some empty, then the empty ones are filled in place, the set ones kept, the missing ones added", () => {
  const { text, added } = withSecrets("LOG_LEVEL=info\nKAFKA_ADMIN_PASSWORD=kept\nKAFKA_PASSWORD_ORDER=\n", () => "new");

  expect(text.split("\n").slice(0, 3)).toEqual(["LOG_LEVEL=info", "KAFKA_ADMIN_PASSWORD=kept", "KAFKA_PASSWORD_ORDER=new"]);
  expect(added).toEqual(composeSecrets.filter((name) => name !== "KAFKA_ADMIN_PASSWORD"));
  expect(text.match(/^KAFKA_PASSWORD_ORDER=/gm)).toHaveLength(1);
});

test("when docker-compose.yml requires a secret from .env, then pnpm compose:secrets makes it", () => {
  const compose = fs.readFileSync(path.join(repoRoot, "docker-compose.yml"), "utf8");
  const required = new Set([...compose.matchAll(/\$\{([A-Z0-9_]*(?:PASSWORD|KEK|TOKEN)[A-Z0-9_]*):\?/g)].map((match) => match[1]!));
  expect(required.size).toBeGreaterThan(0);
  expect([...required].filter((name) => !composeSecrets.includes(name))).toEqual([]);
});
