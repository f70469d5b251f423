/**
 * The mail server the email service sends to during the benchmark: infra's SMTP sink, in a
 * process of its own so that its CPU is not counted as the load generator's. Prints "ready" once
 * it listens, then one line per mail; the benchmark counts the lines.
 *
 *   node --import tsx tests/bench/saga/smtp-sink.ts <port>
 */
import { startSmtpSink } from "@shop/infra/src/smtp-sink";

async function main(): Promise<void> {
  const sink = await startSmtpSink(Number(process.argv[2]), () => process.stdout.write("mail\n"));
  process.stdout.write("ready\n");
  const stop = () => {
    setTimeout(() => process.exit(0), 2000).unref(); // a client holding its connection open does not keep us
    void sink.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
