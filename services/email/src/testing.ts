/**
 * For this service's tests (not used by the service): customers' keys as the service reads them,
 * and a real SMTP server (smtp-server) that records what it receives and can be stopped, made to
 * refuse, or made to hang up at the worst moment. The test database is every service's
 * (@shop/service-kit/testing).
 */
import { SMTPServer } from "smtp-server";
import { seal } from "@shop/messaging";
import { freePort } from "@shop/infra";
import { testKeyring as keyringFor } from "@shop/service-kit/testing";

/**
 * A keyring holding the contact KEK, as the service's: `customer()` gives back what an order
 * would send (the address sealed) and the erasure of the customer's key.
 */
export function testKeyring() {
  const keys = keyringFor("contact");
  return {
    keyring: keys.keyring,
    async customer() {
      const { key, erase } = await keys.customer();
      return { seal: (address: string) => seal(address, key, "customerEmail"), erase };
    },
  };
}

export interface ReceivedMail {
  to: string[];
  /** The message as it arrived: headers, a blank line, the body. */
  raw: string;
  header(name: string): string | undefined;
}

/**
 * An SMTP server on a free port. `stop()` then `start()` takes it down and brings it back on the
 * same port. `refuseNext(code)` answers the next MAIL FROM with that reply code (`refuseNextAfter(n, code)`: the one after n more); `hangUpNext()`
 * reads the next message, keeps it, and closes the connection without answering, so the
 * client cannot know whether the mail was taken.
 */
export async function testSmtpServer() {
  const port = await freePort();
  const mails: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  let refusal: { after: number; code: number } | undefined;
  let hangUp = false;

  const create = () => new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS"], disableReverseLookup: true, logger: false,
    onMailFrom(_address, _session, callback) {
      if (refusal === undefined) return callback();
      if (refusal.after > 0) {
        refusal.after--;
        return callback();
      }
      const error = Object.assign(new Error("refused by the test"), { responseCode: refusal.code });
      refusal = undefined;
      callback(error);
    },
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString()));
      stream.on("end", () => {
        const headers = raw.split("\r\n\r\n")[0]!.replace(/\r\n[ \t]+/g, " "); // unfold long headers
        const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "im").exec(headers)?.[1];
        mails.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw, header });
        if (!hangUp) return callback();
        hangUp = false;
        for (const connection of server!.connections) if (connection.id === session.id) connection.close();
      });
    },
  });

  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async start(): Promise<void> {
      server = create();
      await new Promise<void>((resolve, reject) => {
        server!.once("error", reject);
        server!.listen(port, "127.0.0.1", () => resolve());
      });
    },
    async stop(): Promise<void> {
      const running = server;
      server = undefined;
      if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    },
    refuseNext(code: number) { refusal = { after: 0, code }; },
    /** Takes the next `accepted` mails, then refuses one with `code`. */
    refuseNextAfter(accepted: number, code: number) { refusal = { after: accepted, code }; },
    hangUpNext() { hangUp = true; },
  };
}

export type TestSmtpServer = Awaited<ReturnType<typeof testSmtpServer>>;
