import { Type } from "@sinclair/typebox";
import { personalDataKekConfig, serviceConfig } from "@shop/service-kit";

export const { load: loadConfig } = serviceConfig(3004, {
  ...personalDataKekConfig("contact"), // e-mail addresses only (decision 014)
  EMAIL_ADMIN_TOKEN: Type.String({ minLength: 32, description: "GET /emails shows addresses in full to `Authorization: Bearer <this>`, masked to everyone else" }),
  SMTP_URL: Type.String({ pattern: "^smtps?://", default: "smtp://127.0.0.1:1025", description: "the SMTP server mails go to; the default is Mailpit's port" }),
  EMAIL_FROM: Type.String({
    pattern: "@[^@>\\s]+>?$", default: "Shop <orders@shop.example>",
    description: "the sender; its domain is also the Message-ID's",
  }),
});
