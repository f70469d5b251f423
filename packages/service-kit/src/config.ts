import type { Static, TObject } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

/** Bad configuration: every wrong variable, each with what is wrong. Start-up stops with this message. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration; fix these environment variables and start again:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Reads the variables named in `schema` from the environment once: applies defaults, converts
 * strings to numbers, validates, and returns a frozen, typed object. Lists every bad variable
 * at once, rather than failing on the first and making the operator come back for each.
 */
export function readConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Readonly<Static<T>> {
  const raw: Record<string, string> = {};
  for (const name of Object.keys(schema.properties)) {
    const value = env[name];
    if (value !== undefined && value !== "") raw[name] = value;
  }
  const config = Value.Convert(schema, Value.Default(schema, { ...raw }));
  const problems = [...Value.Errors(schema, config)].map((error) => {
    const name = error.path.replace(/^\//, "");
    const got = raw[name] === undefined ? "it is not set" : `got ${JSON.stringify(raw[name])}`;
    const description = schema.properties[name]?.description;
    return `${name}: ${error.message}; ${got}${description ? ` (${description})` : ""}`;
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config as Static<T>);
}
