/**
 * Rendered Flink SQL of the CDC jobs: only documented option keys, keys matching StarRocks, secrets only as
 * placeholders in scripts, execution config per statement (never SET).
 */
import { TABLES, replicatedTables } from "../../catalog/tables";
import { resolveConfig } from "../../config";
import {
  CDC_PASSWORD_PLACEHOLDER,
  LOADER_PASSWORD_PLACEHOLDER,
  PLACEHOLDER_SECRETS,
  flinkType,
  renderCdcJobs,
  renderJobScript,
} from "../../render/flinkJob";

/**
 * Allow-lists of WITH option keys.
 * - mysql-cdc 3.5.0: apache/flink-cdc release-3.5.0 MySqlSourceOptions.java and
 *   docs/content/docs/connectors/flink-sources/mysql-cdc.md (hostname, port, username, password,
 *   database-name, table-name, server-id, server-time-zone, scan.incremental.snapshot.enabled, heartbeat.interval).
 * - starrocks 1.2.10_flink-1.19: StarRocks/starrocks-connector-for-apache-flink v1.2.10 StarRocksSinkOptions.java and
 *   docs/content/connector-sink.md (jdbc-url, load-url, database-name, table-name, username, password,
 *   sink.semantic, sink.buffer-flush.interval-ms, sink.label-prefix; stream-load properties pass through the
 *   `sink.properties.` prefix, SINK_PROPERTIES_PREFIX: format, strip_outer_array and strict_mode are Stream Load parameters).
 */
const SOURCE_KEYS = ["connector", "hostname", "port", "username", "password", "database-name", "table-name", "server-id", "server-time-zone", "scan.incremental.snapshot.enabled", "heartbeat.interval"];
const SINK_KEYS = ["connector", "jdbc-url", "load-url", "database-name", "table-name", "username", "password", "sink.semantic", "sink.buffer-flush.interval-ms", "sink.buffer-flush.max-bytes", "sink.label-prefix", "sink.properties.format", "sink.properties.strip_outer_array", "sink.properties.strict_mode"];

const cfg = resolveConfig({ sourceTimeZone: "+02:00" }, { stack: "dev" });
const secrets = { cdcPassword: "cdc-s3cr'et\\x", loaderPassword: "load-s3cret" };
const jobs = renderCdcJobs(cfg, secrets);

/** WITH options of a CREATE TABLE statement. */
function options(stmt: string): Record<string, string> {
  const w = stmt.slice(stmt.indexOf("WITH ("));
  const out: Record<string, string> = {};
  for (const m of w.matchAll(/'((?:[^']|'')*)'\s*=\s*'((?:[^']|'')*)'/g)) out[m[1].replace(/''/g, "'")] = m[2].replace(/''/g, "'");
  return out;
}

describe("CDC job SQL", () => {
  test("one job per replicated table: the five user tables plus the heartbeat", () => {
    expect(jobs.map((j) => j.table)).toEqual(replicatedTables(cfg.tables).map((t) => t.name));
    expect(jobs).toHaveLength(6);
    for (const j of jobs) {
      expect(j.statements).toHaveLength(3);
      expect(j.pipelineName).toBe(`starrocks-cdc-dev-cdc-${j.table}`);
      for (const s of j.statements) expect(s.trim().endsWith(";")).toBe(false);
    }
  });

  test.each(jobs.map((j) => [j.table, j] as const))("%s uses only allow-listed option keys with the right values", (_t, j) => {
    const [source, sink, insert] = j.statements;
    expect(source).toMatch(/^CREATE TEMPORARY TABLE `src_/);
    expect(sink).toMatch(/^CREATE TEMPORARY TABLE `sink_/);
    const so = options(source);
    const si = options(sink);
    expect(Object.keys(so).sort()).toEqual([...SOURCE_KEYS].sort());
    expect(Object.keys(si).sort()).toEqual([...SINK_KEYS].sort());
    expect(so).toMatchObject({
      connector: "mysql-cdc",
      hostname: "mysql",
      port: "3306",
      username: cfg.source.user,
      password: secrets.cdcPassword,
      "database-name": cfg.source.database,
      "table-name": j.table,
      "server-id": `${j.serverIdRange.start}-${j.serverIdRange.end}`,
      "server-time-zone": "+02:00",
      "scan.incremental.snapshot.enabled": "true",
      "heartbeat.interval": "30s",
    });
    expect(si).toMatchObject({
      connector: "starrocks",
      "jdbc-url": "jdbc:mysql://starrocks-fe:9030",
      "load-url": "starrocks-fe:8030",
      username: cfg.starrocks.loaderUser,
      password: secrets.loaderPassword,
      "database-name": cfg.starrocks.database,
      "table-name": j.table,
      "sink.semantic": "at-least-once",
      "sink.buffer-flush.interval-ms": "1000",
      "sink.properties.format": "json",
      "sink.properties.strip_outer_array": "true",
      // A value StarRocks cannot convert fails the load instead of arriving as NULL.
      "sink.properties.strict_mode": "true",
    });
    expect(si["sink.label-prefix"]).toMatch(/^[-_A-Za-z0-9]+$/);
    expect(insert).toMatch(new RegExp(`^INSERT INTO \`sink_${j.table}\`\\nSELECT .*\\nFROM \`src_${j.table}\`$`));
    expect(j.statements.join("\n")).not.toMatch(/^\s*SET\s/im);
  });

  test("PRIMARY KEY ... NOT ENFORCED matches the catalog key, and types follow the catalog", () => {
    for (const j of jobs) {
      const t = TABLES.find((x) => x.name === j.table)!;
      const pk = `PRIMARY KEY (${t.key.map((k) => "`" + k + "`").join(", ")}) NOT ENFORCED`;
      expect(j.statements[0]).toContain(pk);
      expect(j.statements[1]).toContain(pk);
      for (const c of t.columns) expect(j.statements[0]).toContain(`\`${c.name}\` ${flinkType(c.type)}`);
    }
    expect(flinkType({ kind: "varchar", length: 20 })).toBe("STRING");
    expect(flinkType({ kind: "decimal", precision: 12, scale: 2 })).toBe("DECIMAL(12, 2)");
    expect(flinkType({ kind: "datetime" })).toBe("TIMESTAMP(3)");
    expect(flinkType({ kind: "bigint" })).toBe("BIGINT");
    expect(flinkType({ kind: "int" })).toBe("INT");
  });

  test("quotes in secrets are doubled, backslashes kept literal (Flink SQL string literals)", () => {
    expect(jobs[0].statements[0]).toContain(`'password' = 'cdc-s3cr''et\\x'`);
  });

  test("config flows into sink options", () => {
    const c2 = resolveConfig({ sinkSemantic: "exactly-once", sinkFlushIntervalMs: 5000, tables: ["orders"] }, { stack: "prod" });
    const [orders] = renderCdcJobs(c2, secrets);
    expect(options(orders.statements[1])).toMatchObject({ "sink.semantic": "exactly-once", "sink.buffer-flush.interval-ms": "5000", "sink.label-prefix": "starrocks-cdc-prod-cdc-orders" });
  });

  test("job scripts carry placeholders, never secrets", () => {
    for (const j of jobs) {
      const text = renderJobScript(j);
      expect(text).not.toContain("s3cr");
      expect(text).toContain(`'password' = '${CDC_PASSWORD_PLACEHOLDER}'`);
      expect(text).toContain(`'password' = '${LOADER_PASSWORD_PLACEHOLDER}'`);
      expect(text.match(/;\n/g)).toHaveLength(3);
      expect(text).toContain(j.pipelineName);
    }
    expect(CDC_PASSWORD_PLACEHOLDER).toBe("${CDC_PASSWORD}");
    expect(LOADER_PASSWORD_PLACEHOLDER).toBe("${LOADER_PASSWORD}");
    // Rendering with placeholders gives the same script.
    const viaPlaceholders = renderCdcJobs(cfg, PLACEHOLDER_SECRETS);
    expect(viaPlaceholders.map(renderJobScript)).toEqual(jobs.map(renderJobScript));
  });
});
