/**
 * Two projects. `unit`: every test outside tests/real, in-band (provider tests start real MariaDB servers
 * and S3/Flink/StarRocks fakes on loopback). `real`: tests/real, against a real Flink 1.20.3 cluster that
 * the project's globalSetup starts once per run (Jest runs it only when a test of the project is selected,
 * so `npx jest tests/cli` starts no Flink).
 */
// Every jest run (both projects, `npx jest` too) refuses an old Node before any test starts.
require("./bin/node-version").requireSupportedNode("jest");

const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true, diagnostics: false }] },
};

module.exports = {
  // v8 coverage: Istanbul counters would be captured into serialized dynamic-provider closures.
  coverageProvider: "v8",
  testTimeout: 120000,
  projects: [
    {
      ...common,
      displayName: "unit",
      roots: ["<rootDir>/tests"],
      testMatch: ["**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/tests/real/"],
    },
    {
      ...common,
      displayName: "real",
      roots: ["<rootDir>/tests/real"],
      testMatch: ["**/*.test.ts"],
      testEnvironment: "<rootDir>/tests/real/harness/environment.ts",
      globalSetup: "<rootDir>/tests/real/harness/globalSetup.ts",
      globalTeardown: "<rootDir>/tests/real/harness/globalTeardown.ts",
    },
  ],
};
