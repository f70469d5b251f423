import { Type } from "@sinclair/typebox";
import { ConfigError, readConfig } from "./config";
import { commonConfig } from "./service-config";

const schema = Type.Object({
  ...commonConfig(3001),
  KAFKA_BROKERS: Type.String({ minLength: 1, description: "comma-separated host:port list" }),
});

describe("readConfig", () => {
  test("when variables are unset, then defaults apply and numbers are converted", () => {
    const config = readConfig(schema, { KAFKA_BROKERS: "127.0.0.1:9092" });
    expect(config).toEqual({ PORT: 3001, HOST: "127.0.0.1", LOG_LEVEL: "info", KAFKA_BROKERS: "127.0.0.1:9092" });
    expect(Object.isFrozen(config)).toBe(true);
    expect(readConfig(schema, { KAFKA_BROKERS: "b:1", PORT: "4000" }).PORT).toBe(4000);
  });

  test("when several variables are wrong, then one error names every one of them and what it got", () => {
    let error: unknown;
    try {
      readConfig(schema, { PORT: "not-a-port", LOG_LEVEL: "loud" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toMatch(/^PORT: .*got "not-a-port"/m);
    expect(problems).toMatch(/^LOG_LEVEL: .*got "loud"/m);
    expect(problems).toMatch(/^KAFKA_BROKERS: .*it is not set \(comma-separated host:port list\)/m);
  });
});
