/**
 * An SMTP server that accepts every mail and reports it in one line: where the email service's
 * mails go under `pnpm start` (docker compose uses Mailpit, which has a web UI).
 */
import { SMTPServer } from "smtp-server";

export async function startSmtpSink(port: number, report: (line: string) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString()));
      stream.on("end", () => {
        const subject = /^Subject: (.*)$/im.exec(raw)?.[1] ?? "(no subject)";
        // The Message-ID names the order (<kind.orderId@domain>); the address is personal data and stays out of the log.
        const messageId = /^Message-ID: (.*)$/im.exec(raw)?.[1] ?? "(no Message-ID)";
        report(`mail ${messageId}: ${subject}`);
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return { url: `smtp://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
