/**
 * The DLQ command:
 *   pnpm --filter @shop/messaging dlq list <topic>      every dead letter, with why and where from
 *   pnpm --filter @shop/messaging dlq redrive <topic>   republish them to <topic> (fix the cause first)
 * <topic> is the source topic ("orders") or its DLQ ("orders.dlq"). Reads KAFKA_BROKERS, and
 * KAFKA_USERNAME and KAFKA_PASSWORD: the admin principal's (decision 011; a service's own may not
 * read other groups' topics nor write to source topics), e.g. from .cache/infra/dev/infra.env.
 */
import { deadLetterTopic, dlqHeaders, listDeadLetters, redrive } from "./dead-letter";
import type { IncomingMessage, KafkaConfig } from "./kafka";

const usage = "usage: dlq list <topic> | dlq redrive <topic>   (KAFKA_BROKERS=host:port[,host:port], KAFKA_USERNAME, KAFKA_PASSWORD: the admin principal)";

/** Runs the command; returns the exit code. */
export async function dlqCommand(args: readonly string[], env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<number> {
  const [command, topic] = args;
  const { KAFKA_BROKERS: brokers, KAFKA_USERNAME: username, KAFKA_PASSWORD: password } = env;
  const missing = Object.entries({ KAFKA_BROKERS: brokers, KAFKA_USERNAME: username, KAFKA_PASSWORD: password }).filter(([, value]) => !value);
  if (missing.length > 0) return print(`${missing.map(([name]) => name).join(", ")} not set\n${usage}`), 2;
  if (!topic || (command !== "list" && command !== "redrive")) return print(usage), 2;
  const kafka: KafkaConfig = { brokers: brokers!.split(","), clientId: "dlq-cli", credentials: { username: username!, password: password! } };
  if (command === "redrive") {
    const count = await redrive(kafka, topic);
    print(`re-drove ${count} message(s) from ${deadLetterTopic(topic)} to their source topic`);
    return 0;
  }
  const letters = await listDeadLetters(kafka, topic);
  print(`${letters.length} message(s) in ${deadLetterTopic(topic)}`);
  for (const letter of letters) print(describe(letter));
  return 0;
}

function describe({ topic, partition, offset, key, headers }: IncomingMessage): string {
  return [
    `- ${topic} partition ${partition} offset ${offset}, key ${key?.toString() ?? "(none)"}`,
    `  ${headers[dlqHeaders.kind]}: ${headers[dlqHeaders.error]}`,
    `  from ${headers[dlqHeaders.topic]}/${headers[dlqHeaders.partition]}@${headers[dlqHeaders.offset]}, consumer group ${headers[dlqHeaders.group]}, at ${headers[dlqHeaders.failedAt]}`,
    ...(headers["event-id"] ? [`  event ${headers["event-type"]} ${headers["event-id"]}`] : []),
  ].join("\n");
}

if (require.main === module) {
  dlqCommand(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
