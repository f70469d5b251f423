import net from "node:net";
import { freePort } from "./ports";
import { startSmtpSink } from "./smtp-sink";

/** An SMTP client by hand: sends each command and waits for the server's reply. */
async function session(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  let replies = "";
  socket.on("data", (chunk: Buffer) => (replies += chunk.toString()));
  const replied = async (count: number) => {
    while (replies.split("\r\n").filter((line) => /^\d{3} /.test(line)).length < count) await new Promise((resolve) => socket.once("data", resolve));
  };
  await replied(1); // the 220 greeting
  let expected = 1;
  return {
    socket,
    async send(command: string) {
      socket.write(`${command}\r\n`);
      await replied(++expected);
    },
  };
}

/** Opens a session, starts a mail, then resets the connection (RST), as a sender killed with SIGKILL does. */
async function resetMidMail(port: number): Promise<void> {
  const { socket, send } = await session(port);
  await send("EHLO killed.example");
  await send("MAIL FROM:<shop@shop.example>");
  const closed = new Promise((resolve) => socket.once("close", resolve));
  socket.resetAndDestroy();
  await closed;
}

describe("the SMTP sink", () => {
  it("goes on accepting mail after senders reset their connections mid-mail (a killed email service)", async () => {
    const port = await freePort();
    const lines: string[] = [];
    const warnings: string[] = [];
    const warn = jest.spyOn(console, "warn").mockImplementation((line: string) => void warnings.push(line));
    const sink = await startSmtpSink(port, (line) => lines.push(line));
    try {
      // Twice: the first reset used to be taken by the listen's one-time error handler, the second ended the process.
      await resetMidMail(port);
      await resetMidMail(port);
      const { socket, send } = await session(port);
      await send("EHLO shop.example");
      await send("MAIL FROM:<shop@shop.example>");
      await send("RCPT TO:<customer@example.com>");
      await send("DATA");
      await send("Message-ID: <receipt.1@shop.example>\r\nSubject: Still here\r\n\r\nx\r\n.");
      socket.end("QUIT\r\n");
      expect(lines).toEqual(["mail <receipt.1@shop.example>: Still here"]);
      expect(warnings.every((line) => line.startsWith("SMTP sink: a client's connection failed"))).toBe(true);
    } finally {
      await sink.close();
      warn.mockRestore();
    }
  });
});
