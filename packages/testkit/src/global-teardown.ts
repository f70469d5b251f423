import { useEnvironment } from "./index";

/** Jest globalTeardown: runs after every test, passed or failed. */
export default async function globalTeardown(): Promise<void> {
  const startedAt = Date.now();
  await useEnvironment().stop();
  console.log(`Test infrastructure stopped in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`);
}
