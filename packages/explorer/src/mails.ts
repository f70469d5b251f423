/**
 * The mails the SMTP sink of `pnpm start` received (infra/src/smtp-sink.ts posts each one here),
 * the latest `capacity` of them. Under docker compose, Mailpit keeps them instead.
 */
export interface Mail { at: string; to: string; subject: string; orderId: string | null }

export function createMailbox(capacity: number) {
  const mails: Mail[] = [];
  return {
    add(mail: Mail) {
      mails.unshift(mail);
      if (mails.length > capacity) mails.pop();
    },
    list: (): readonly Mail[] => mails,
  };
}
