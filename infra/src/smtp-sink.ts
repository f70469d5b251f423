/**
 * An SMTP server that accepts every mail and reports it in one line: where the email service's
 * mails go under `pnpm start` (docker compose uses Mailpit, which has a web UI). `received`, when
 * given, gets each mail too: `pnpm start` hands them to the saga explorer's Mails panel.
 */
import { SMTPServer } from "smtp-server";

export interface ReceivedMail { to: string; subject: string; orderId?: string }

export async function startSmtpSink(
  port: number, report: (line: string) => void, received?: (mail: ReceivedMail) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString()));
      stream.on("end", () => {
        const subject = /^Subject: (.*)$/im.exec(raw)?.[1] ?? "(no subject)";
        // The Message-ID names the order (<kind.orderId@domain>); the address is personal data and stays out of the log.
        // \s* spans a folded header: a long Message-ID (a cancellation's) comes on the next line.
        const messageId = /^Message-ID:\s*(<[^>]*>)/im.exec(raw)?.[1] ?? "(no Message-ID)";
        report(`mail ${messageId}: ${subject}`);
        // The email service names the order in each mail; the first UUID in it is the orderId.
        const orderId = /[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}/i.exec(raw)?.[0];
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address).join(", "); // for the explorer's mailbox view, not the log
        received?.({ to, subject, ...(orderId ? { orderId } : {}) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      // From now on an error is one client's (a sender killed mid-mail resets its connection:
      // ECONNRESET). Unheard, the server's "error" event would end the process, and under
      // `pnpm start` the supervisor with it; one line says what happened, and the sink goes on.
      server.on("error", (error: NodeJS.ErrnoException) => console.warn(`SMTP sink: a client's connection failed (${error.code ?? error.message}); still accepting mail`));
      resolve();
    });
  });
  return { url: `smtp://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
