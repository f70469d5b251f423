/**
 * Sending over SMTP with nodemailer, and the one question the at-most-once protocol (emails.ts)
 * asks when a send fails: is the mail certainly not delivered, so that it may be tried again?
 */
import { createTransport } from "nodemailer";
import { RetriableError } from "@shop/messaging";

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Set as the Message-ID header: the same on every attempt, so a receiver can spot a repeat. */
  messageId: string;
}

export interface Mailer {
  /** The sender's domain, for Message-IDs. */
  domain: string;
  /** Resolves with the Message-ID the server accepted the mail under; rejects with nodemailer's error. */
  send(mail: OutgoingMail): Promise<string>;
  close(): void;
}

export function createMailer({ url, from, timeoutMs = 10_000 }: { url: string; from: string; timeoutMs?: number }): Mailer {
  // One pooled connection, kept open between mails (sendMails sends them one after the other):
  // a new session per mail costs a TCP handshake, the greeting and EHLO before every mail. The
  // pool sends a message again on its own only when the connection closed before a byte of it
  // went out (a server that ended an idle session, nodemailer's pool-resource.js), so it never
  // repeats a mail that may have gone; a session that breaks later fails the send ("unknown").
  const transport = createTransport({
    url, pool: true, maxConnections: 1, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs,
  });
  return {
    domain: /@([^@>\s]+)>?$/.exec(from)?.[1] ?? "localhost",
    async send({ to, subject, text, messageId }) {
      const info = await transport.sendMail({ from, to, subject, text, messageId });
      return info.messageId;
    },
    close: () => transport.close(),
  };
}

/**
 * Why a send failed, as far as delivery is concerned:
 * - `unreachable`: no SMTP session (connection refused, DNS, no greeting): not sent; the server may come back.
 * - `deferred`: the server refused with a 4xx reply: not sent; the same mail may go through later.
 * - `rejected`: refused for good (5xx), or nodemailer refused it before talking to the server: not sent.
 * - `unknown`: the session broke or timed out midway, maybe after the server had taken the mail.
 */
export type SendFailure = "unreachable" | "deferred" | "rejected" | "unknown";

const unreachableCodes = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

export function failureOf(error: unknown): SendFailure {
  // Fields nodemailer sets on its errors (NodemailerError).
  const { code, originalCode, responseCode, permanent, command, timeoutType } = error as {
    code?: string; originalCode?: string; responseCode?: number; permanent?: boolean; command?: string; timeoutType?: string;
  };
  // An SMTP reply of 4xx or 5xx, to any command including the end of DATA, means "not taken".
  if (responseCode !== undefined && responseCode >= 400) return permanent ? "rejected" : "deferred";
  if (command === "API") return "rejected"; // e.g. an invalid address: nothing was sent
  if (code === "EDNS" || unreachableCodes.has(originalCode ?? "")) return "unreachable";
  if (timeoutType === "CONNECT_TIMEOUT" || timeoutType === "GREETING_TIMEOUT") return "unreachable";
  return "unknown"; // nodemailer labels every broken session "CONN", before DATA or after it
}

/**
 * The error in one line without e-mail addresses: servers quote them back ("550 5.1.1
 * <ada@example.com>: user unknown"), and this line goes to logs and DLQ headers, where
 * addresses must not.
 */
export function describeError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return `${code ? `${code}: ` : ""}${message ?? String(error)}`.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, "[address]");
}

/**
 * The SMTP server cannot be reached: nothing was sent and no event is at fault. It carries the
 * network error's code (ECONNREFUSED ...), which packages/messaging classifies as `unavailable`,
 * as for a database outage: the consumer retries for as long as it takes and dead-letters nothing.
 */
export class SmtpUnavailable extends RetriableError {
  constructor(readonly code: string, description: string) {
    super(`SMTP server unreachable: ${description}`);
  }
}

/** What the handler throws for a mail that certainly did not go (see emails.ts); nodemailer's error is not attached, it may hold the address. */
export function sendError(failure: Exclude<SendFailure, "unknown">, error: unknown): Error {
  const { code, originalCode } = error as { code?: string; originalCode?: string };
  const description = describeError(error);
  switch (failure) {
    case "unreachable": return new SmtpUnavailable(originalCode ?? code ?? "ECONNREFUSED", description);
    case "deferred": return new RetriableError(`SMTP server deferred the mail: ${description}`); // retried, then the DLQ
    case "rejected": return new Error(`SMTP server rejected the mail: ${description}`); // the DLQ at once
  }
}
