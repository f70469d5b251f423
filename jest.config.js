/**
 * One Jest run for the whole workspace: unit tests beside the code (`*.test.ts`) and the
 * cross-service suites under tests/. Real infrastructure is started once per run by
 * globalSetup (see packages/testkit) and stopped by globalTeardown.
 *
 * @type {import('jest').Config}
 */
module.exports = {
  roots: ["<rootDir>/services", "<rootDir>/packages", "<rootDir>/infra", "<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  transform: {
    // Type-checking is `pnpm typecheck`'s job; tests only strip types (fast).
    "^.+\\.ts$": ["ts-jest", { isolatedModules: true, tsconfig: "<rootDir>/tsconfig.base.json" }],
  },
  testEnvironment: "node",
  testTimeout: 120_000,
  verbose: true,
};
