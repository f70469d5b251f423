import { environmentVariable, startEnvironment } from "./index";

/** Jest globalSetup: one environment for the whole run. Workers inherit the variable set here. */
export default async function globalSetup(): Promise<void> {
  const startedAt = Date.now();
  console.log("\nStarting the test infrastructure...");
  const { environment, descriptorFile } = await startEnvironment((line) => console.log(`  ${line}`));
  process.env[environmentVariable] = descriptorFile;
  console.log(`Test infrastructure ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s: ${environment.description}\n`);
}
