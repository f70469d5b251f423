/**
 * The kafka-setup container of docker compose (and a manual run against any broker): creates the
 * saga's topics and applies the ACLs generated from the ownership tables, as admin, then exits.
 *   KAFKA_BROKERS=kafka:9092 KAFKA_USERNAME=admin KAFKA_PASSWORD=... node --import tsx infra/src/kafka-setup-cli.ts
 * The native environments run the same code at start (native-environment.ts).
 */
import { setUpKafka } from "./kafka-setup";

async function main(): Promise<void> {
  const { KAFKA_BROKERS: brokers, KAFKA_USERNAME: username, KAFKA_PASSWORD: password } = process.env;
  const missing = Object.entries({ KAFKA_BROKERS: brokers, KAFKA_USERNAME: username, KAFKA_PASSWORD: password }).filter(([, value]) => !value);
  if (missing.length > 0) throw new Error(`${missing.map(([name]) => name).join(", ")} not set (the admin principal's)`);
  await setUpKafka(brokers!.split(","), { username: username!, password: password! }, (line) => console.log(line));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
