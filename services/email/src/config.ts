import { Type, type Static } from "@sinclair/typebox";
import { commonConfig, infrastructureConfig, personalDataKekConfig, readConfig } from "@shop/observability";

const configSchema = Type.Object({
  ...commonConfig(3004),
  ...infrastructureConfig(),
  ...personalDataKekConfig("contact"), // e-mail addresses only (decision 014)
  EMAIL_ADMIN_TOKEN: Type.String({ minLength: 32, description: "GET /emails shows addresses in full to `Authorization: Bearer <this>`, masked to everyone else" }),
  SMTP_URL: Type.String({ pattern: "^smtps?://", default: "smtp://127.0.0.1:1025", description: "the SMTP server mails go to; the default is Mailpit's port" }),
  EMAIL_FROM: Type.String({
    pattern: "@[^@>\\s]+>?$", default: "Shop <orders@shop.example>",
    description: "the sender; its domain is also the Message-ID's",
  }),
});

export type Config = Static<typeof configSchema>;

/** Reads and validates the environment once; throws a ConfigError listing every bad variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => readConfig(configSchema, env);
