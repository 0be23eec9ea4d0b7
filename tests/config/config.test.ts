/** Configuration: defaults, validation messages that name key, value and what is allowed, and the Pulumi.yaml mirror. */
import * as fs from "fs";
import * as path from "path";
import { CONFIG_SCHEMA, ConfigError, parseDuration, resolveConfig } from "../../config";

const YAML = require("yaml");
const root = path.resolve(__dirname, "../..");

function problems(raw: Record<string, unknown>): string[] {
  try {
    resolveConfig(raw, { stack: "dev" });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

test("defaults give a valid dev stack", () => {
  const cfg = resolveConfig({}, { stack: "dev" });
  expect(cfg.prefix).toBe("starrocks-cdc-dev");
  expect(cfg.hostAddress).toBe("127.0.0.1");
  expect(cfg.starrocks.cnCount).toBe(1);
  expect(cfg.flink.slotsPerTaskManager).toBe(12);
  expect(cfg.flink.checkpointIntervalMs).toBe(10_000);
  expect(cfg.tables).toEqual(["orders", "customers", "products", "order_items", "inventory_movements"]);
  expect(cfg.source).toMatchObject({ mode: "managed", host: "mysql", port: 3306, hostFromHost: "127.0.0.1", portFromHost: 3306 });
});

test.each([
  [{ cnCount: 0 }, /cnCount: 0 is out of range; allowed 1\.\.16/],
  [{ portOffset: 65000 }, /portOffset: 65000 is out of range; allowed 0\.\.50000/],
  [{ portOffset: 60000 - 3306 + 10000 }, /out of range|above 65535/],
  [{ tables: ["orders", "invoices"] }, /tables: unknown table "invoices"; allowed: orders, customers/],
  [{ checkpointInterval: "ten seconds" }, /checkpointInterval: "ten seconds" is not a duration/],
  [{ providerTimeout: "5 fortnights" }, /providerTimeout: "5 fortnights" is not a duration/],
  [{ sourceMode: "replica" }, /sourceMode: "replica" is not allowed; use one of managed, external/],
  [{ sinkSemantic: "at-most-once" }, /sinkSemantic: "at-most-once" is not allowed/],
  [{ cnCount: "three" }, /cnCount: "three" is not an integer/],
  [{ retainData: "yes" }, /retainData: "yes" is not a boolean/],
  [{ hostAddress: "localhost" }, /hostAddress: "localhost" is not an IPv4 address/],
  [{ sinkFlushIntervalMs: 500 }, /sinkFlushIntervalMs: 500 is out of range; allowed 1000\.\.3600000/],
  [{ sourceTimeZone: "Berlin time" }, /sourceTimeZone: "Berlin time" is not a time zone/],
  [{ mysqlImage: "mysql:8.4.3" }, /mysqlImage: "mysql:8\.4\.3" is not a pinned MySQL 8\.0 tag/],
  [{ hostAddress: "::1" }, /hostAddress: "::1" is not an IPv4 address/],
  [{ feExtraConf: ["not a conf line"] }, /feExtraConf: line "not a conf line" is not of the form "key = value"/],
  [{ starrocksVersion: "latest" }, /starrocksVersion: "latest" is not a pinned patch version/],
  [{ flinkImage: "flink:1.19.1-scala_2.12-java17" }, /flinkImage: .* is not a pinned Flink 1\.20 Java 17 tag/],
  [{ mysqlServerId: 5400 }, /mysqlServerId: 5400 lies inside the CDC server-id blocks/],
  [{ cnCounts: 2 }, /cnCounts: unknown config key/],
  [{ slotsPerTaskManager: 2 }, /slotsPerTaskManager: 6 CDC jobs at parallelism 1 need 6 slots/],
])("rejects %j", (raw, message) => {
  const found = problems(raw);
  expect(found.join("\n")).toMatch(message);
});

test("external mode needs a host and a secret password", () => {
  const found = problems({ sourceMode: "external" }).join("\n");
  expect(found).toMatch(/sourceHost: required when sourceMode is external/);
  expect(found).toMatch(/sourcePassword: required when sourceMode is external; set it with `pulumi config set --secret sourcePassword/);
  const cfg = resolveConfig({ sourceMode: "external", sourceHost: "db", sourceHostFromHost: "10.0.0.5", sourcePassword: "x", sourceTimeZone: "Europe/Berlin" }, { stack: "dev" });
  expect(cfg.source).toMatchObject({ host: "db", port: 3306, hostFromHost: "10.0.0.5", timeZone: "Europe/Berlin" });
});

test("all problems are reported at once", () => {
  expect(problems({ cnCount: 0, portOffset: -1, sourceMode: "x" }).length).toBe(3);
});

test("Pulumi strings are coerced by declared type", () => {
  const cfg = resolveConfig({ cnCount: "3", retainData: "true", tables: '["orders"]' }, { stack: "dev" });
  expect(cfg.starrocks.cnCount).toBe(3);
  expect(cfg.retainData).toBe(true);
  expect(cfg.tables).toEqual(["orders"]);
});

test("durations follow Flink's notation", () => {
  expect(parseDuration("500ms")).toBe(500);
  expect(parseDuration("10s")).toBe(10_000);
  expect(parseDuration("5min")).toBe(300_000);
  expect(parseDuration("1h")).toBe(3_600_000);
  expect(parseDuration("10")).toBeUndefined();
  expect(parseDuration("-5s")).toBeUndefined();
});

test("Pulumi.yaml declares exactly the schema's keys, types and defaults", () => {
  const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
  expect(Object.keys(project.config).sort()).toEqual(Object.keys(CONFIG_SCHEMA).sort());
  for (const [key, spec] of Object.entries(CONFIG_SCHEMA)) {
    expect({ key, type: project.config[key].type, default: project.config[key].default }).toEqual({ key, type: spec.type, default: spec.default });
  }
});

test("the README documents every config key", () => {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  for (const key of Object.keys(CONFIG_SCHEMA)) expect(readme).toContain(`\`${key}\``);
});

test("Pulumi.dev.yaml is a valid stack", () => {
  const stack = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8"));
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(stack.config)) raw[k.replace(/^starrocks-cdc:/, "")] = v;
  expect(() => resolveConfig(raw, { stack: "dev" })).not.toThrow();
});

test("unknown keys are named together and the known keys listed once", () => {
  const found = problems({ cnCounts: 2, tabels: ["orders"] });
  expect(found.filter((p) => /unknown config key/.test(p))).toEqual([expect.stringMatching(/^cnCounts, tabels: unknown config keys; known keys: hostAddress, /)]);
  expect(found.join("\n").split("known keys:").length - 1).toBe(1);
});

const external = { sourceMode: "external", sourceHost: "db", sourcePassword: "x" };

test.each([
  [{ catalog: "mine" }, /catalog: "mine" is not allowed; use one of demo, source/],
  [{ catalog: "source" }, /catalog: "source" reads the tables of an existing server; set sourceMode to external/],
  [{ ...external, catalog: "source", tables: ["orders"] }, /tables: selects demo tables; with catalog: source choose tables with captureTables/],
  [{ captureTables: "orders_.*" }, /captureTables: applies only with catalog: source/],
  [{ ...external, catalog: "source", captureTables: "orders(" }, /captureTables: "orders\(" is not a regular expression/],
  [{ ...external, catalog: "source", catalogExcludeColumns: ["orders"] }, /catalogExcludeColumns: "orders" is not table\.column/],
  [{ ...external, catalog: "source", catalogKeys: ["log"] }, /catalogKeys: "log" is not table:column\[,column\]/],
  [{ ...external, catalog: "source", catalogKeys: ["log:a", "log:b"] }, /catalogKeys: names the key of table log twice/],
  [{ ...external, catalog: "source", catalogBuckets: ["events:0"] }, /catalogBuckets: "events:0" is not table:n with n in 1\.\.1024/],
  [{ ...external, catalog: "source", cdcServerIdBase: 4294967295 - 5000 }, /cdcServerIdBase: .* is out of range; allowed 2\.\.4290771991/],
])("catalog keys: rejects %j", (raw, message) => {
  expect(problems(raw).join("\n")).toMatch(message);
});

test("a source catalog's overrides parse by table", () => {
  const cfg = resolveConfig({ ...external, catalog: "source", captureTables: "app_.*", captureTablesExclude: "app_tmp_.*", catalogExcludeColumns: ["app_a.blob", "app_a.note"], catalogKeys: ["app_log:host, ts"], catalogBuckets: ["app_a:16"] }, { stack: "dev" });
  expect(cfg.catalog).toEqual({
    kind: "source",
    captureTables: "app_.*",
    captureTablesExclude: "app_tmp_.*",
    excludeColumns: { app_a: ["blob", "note"] },
    keys: { app_log: ["host", "ts"] },
    buckets: { app_a: 16 },
  });
  expect(resolveConfig({}, { stack: "dev" }).catalog.kind).toBe("demo");
});
