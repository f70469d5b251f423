import { Type, type Static } from "@sinclair/typebox";
import { commonConfig, infrastructureConfig, readConfig } from "@shop/observability";

const configSchema = Type.Object({
  ...commonConfig(3004),
  ...infrastructureConfig(),
  SMTP_URL: Type.String({ pattern: "^smtps?://", default: "smtp://127.0.0.1:1025", description: "the SMTP server mails go to; the default is Mailpit's port" }),
  EMAIL_FROM: Type.String({
    pattern: "@[^@>\\s]+>?$", default: "Shop <orders@shop.example>",
    description: "the sender; its domain is also the Message-ID's",
  }),
});

export type Config = Static<typeof configSchema>;

/** Reads and validates the environment once; throws a ConfigError listing every bad variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Readonly<Config> => readConfig(configSchema, env);
