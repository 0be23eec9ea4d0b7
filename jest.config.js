/** Tests run in-band: provider tests start real MariaDB servers and S3/Flink/StarRocks fakes on loopback. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // v8 coverage: Istanbul counters would be captured into serialized dynamic-provider closures.
  coverageProvider: "v8",
  transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true, diagnostics: false }] },
  testTimeout: 120000,
};
