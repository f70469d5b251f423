/**
 * Registers the contracts' schemas in a registry with its admin credential, by running
 * packages/contracts/src/register.ts: the one writer of schemas (services only read them).
 * A child process rather than an import, because @shop/contracts' own tests depend on infra.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { repoRoot } from "./paths";
import type { Credential } from "./registry-credentials";

export async function registerContractSchemas(url: string, admin: Credential): Promise<string> {
  const script = path.join(repoRoot, "packages", "contracts", "src", "register.ts");
  const env = {
    ...process.env,
    SCHEMA_REGISTRY_URL: url, SCHEMA_REGISTRY_ADMIN_USERNAME: admin.username, SCHEMA_REGISTRY_ADMIN_PASSWORD: admin.password,
  };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", script], { cwd: repoRoot, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`Registering the schemas failed (${script}):\n${stderr || stdout || error.message}`));
      else resolve(stdout.trim());
    });
  });
}
