/**
 * A source catalog read from a real MariaDB 10.11 (clients/mysql.ts readSourceSchema → catalog/source.ts):
 * which tables are captured, composite keys, keys named for keyless tables, overrides, every refusal and
 * warning at preview, stable server-id blocks, an unreachable source, and the DDL and job SQL rendered from it.
 */
import { readSourceCatalog, SourceUnreachableError } from "../../catalog/load";
import { Catalog, refusals } from "../../catalog/source";
import { RESERVED_SPAN, sourceServerIdBlocks } from "../../catalog/serverIds";
import { withMysql } from "../../clients/mysql";
import { RawConfig, resolveConfig } from "../../config";
import { renderAll } from "../../render/all";
import { APP_SCHEMA, HEARTBEAT_DDL } from "../helpers/appSchema";
import { MariaDbServer, freePort, mariadbAvailable, startMariaDb } from "../helpers/mariadb";

const maybe = mariadbAvailable() ? describe : describe.skip;

maybe("a source catalog from MariaDB", () => {
  let server: MariaDbServer;
  const config = (extra: RawConfig = {}) =>
    resolveConfig({ sourceMode: "external", sourceHost: "127.0.0.1", sourcePort: server.port, sourceUser: "root", sourcePassword: "x", sourceDatabase: "app", catalog: "source", ...extra }, { stack: "dev" });
  const read = (extra: RawConfig = {}) => readSourceCatalog(config(extra), server.password);
  const table = (c: Catalog, name: string) => {
    const t = c.tables.find((x) => x.name === name);
    if (!t) throw new Error(`no table ${name}: ${c.issues.map((i) => i.message).join("; ")}`);
    return t;
  };

  beforeAll(async () => {
    server = await startMariaDb({ binlog: false });
    await withMysql(server, {}, async (c) => {
      for (const s of APP_SCHEMA) await c.query(s);
      await c.query(HEARTBEAT_DDL);
    });
  });
  afterAll(async () => server?.stop());

  test("every refusal is listed at once, each naming table.column, the type and the way out", async () => {
    const c = await read();
    expect(refusals(c).map((r) => r.message).sort()).toEqual([
      expect.stringMatching(/^float_key\.f double is a key column, and StarRocks cannot key DOUBLE .*catalogKeys/),
      expect.stringMatching(/^gadgets\.u uuid is a MariaDB type .*catalogExcludeColumns, or change it to CHAR\(36\)/),
      expect.stringMatching(/^table audit_log has no primary key: .*catalogKeys \(e\.g\. "audit_log:id"\), or leave the table out with captureTablesExclude/),
    ]);
    expect(refusals(c)).toHaveLength(3);
    expect(c.tables.map((t) => t.name)).toEqual(["accounts", "order_lines", "wide_keys", "cdc_heartbeat"]);
  });

  test("overrides name the key of a keyless table, leave columns and tables out, and set buckets", async () => {
    const c = await read({ captureTablesExclude: "float_key|gadgets", catalogKeys: ["audit_log:host,ts"], catalogExcludeColumns: ["accounts.secret"], catalogBuckets: ["accounts:8"] });
    expect(refusals(c)).toEqual([]);
    expect(c.tables.map((t) => t.name)).toEqual(["accounts", "audit_log", "order_lines", "wide_keys", "cdc_heartbeat"]);
    const audit = table(c, "audit_log");
    expect(audit.key).toEqual(["host", "ts"]);
    expect(audit.chunkKeyColumn).toBe("host");
    expect(table(c, "accounts").columns.map((x) => x.name)).not.toContain("secret");
    expect(table(c, "accounts").buckets).toBe(8);
    expect(table(c, "order_lines").key).toEqual(["order_id", "line"]);
    expect(c.issues.filter((i) => i.kind === "wide-key").map((i) => i.message)).toEqual([
      expect.stringMatching(/^table audit_log: its key \(host, ts\) can take up to 266 encoded bytes; .*128 bytes/),
      expect.stringMatching(/^table wide_keys: its key \(a, b\) can take up to 802 encoded bytes; .*128 bytes/),
    ]);
  });

  test("overrides are checked against the source, each naming its key", async () => {
    const c = await read({ captureTables: "accounts|audit_log", catalogKeys: ["audit_log:nope", "accounts:id", "gone:x"], catalogExcludeColumns: ["accounts.id", "accounts.missing"], catalogBuckets: ["order_lines:4"] });
    const messages = refusals(c).map((r) => r.message).join("\n");
    expect(messages).toMatch(/catalogKeys: audit_log\.nope is not a column of app\.audit_log/);
    expect(messages).toMatch(/catalogKeys: table accounts has a primary key \(id\) in MySQL/);
    expect(messages).toMatch(/catalogKeys: table gone is not a table of app/);
    expect(messages).toMatch(/catalogExcludeColumns: accounts\.id is a key column and cannot be left out/);
    expect(messages).toMatch(/catalogExcludeColumns: accounts\.missing is not a column of app\.accounts/);
    expect(messages).toMatch(/catalogBuckets: table order_lines is not captured/);
  });

  test("a nullable column named as key is refused", async () => {
    const c = await read({ captureTables: "audit_log", catalogKeys: ["audit_log:msg"] });
    expect(refusals(c).map((r) => r.message).join("\n")).toMatch(/catalogKeys: audit_log\.msg is nullable, but StarRocks key columns are NOT NULL/);
  });

  test("a source server whose own server_id lies in a job's range is refused", async () => {
    await withMysql(server, {}, (c) => c.query("SET GLOBAL server_id = 5900"));
    try {
      const c = await read({ captureTables: "accounts" });
      expect(refusals(c).map((r) => r.message)).toEqual([expect.stringMatching(/^the source server's own server_id 5900 lies in the server-id range of table cdc_heartbeat's CDC job; change cdcServerIdBase \(now 5400\)/)]);
      expect(refusals(await read({ captureTables: "accounts", cdcServerIdBase: 6000 }))).toEqual([]);
    } finally {
      await withMysql(server, {}, (c) => c.query("SET GLOBAL server_id = 1"));
    }
  });

  test("an unreachable source fails naming the host, the user and the cause", async () => {
    const port = await freePort();
    const cfg = resolveConfig({ sourceMode: "external", sourceHost: "127.0.0.1", sourcePort: port, sourceUser: "reader", sourcePassword: "x", sourceDatabase: "app", catalog: "source" }, { stack: "dev" });
    const err = await readSourceCatalog(cfg, "pw", undefined, 2000).catch((e) => e);
    expect(err).toBeInstanceOf(SourceUnreachableError);
    expect(err.message).toMatch(new RegExp(`^cannot read the tables of source database app at 127\\.0\\.0\\.1:${port} as user reader: .*ECONNREFUSED`));
  });

  test("a wrong password fails at once, naming the user", async () => {
    const err = await readSourceCatalog(config(), "wrong-password").catch((e) => e);
    expect(err.message).toMatch(/as user root: .*refused the login for user 'root'/);
    expect(err.message).not.toContain("wrong-password");
  });

  test("DDL and job SQL rendered from the catalog", async () => {
    const cfg = config({ captureTablesExclude: "float_key|gadgets|wide_keys", catalogKeys: ["audit_log:host,ts"], catalogBuckets: ["accounts:8"] });
    const c = await readSourceCatalog(cfg, server.password);
    const files = renderAll(cfg, c.tables);
    expect(Object.keys(files).filter((f) => f.startsWith("sql/flink/")).sort()).toEqual(["sql/flink/accounts.sql", "sql/flink/audit_log.sql", "sql/flink/cdc_heartbeat.sql", "sql/flink/order_lines.sql"]);
    const ddl = files["sql/starrocks/tables.sql"];
    expect(ddl).toContain("CREATE TABLE IF NOT EXISTS `shop`.`accounts` (\n  `id` LARGEINT NOT NULL,\n  `name` VARCHAR(200) NOT NULL,\n  `balance` DECIMAL(12,2) NULL,\n  `created` DATETIME NULL,\n  `flags` BIGINT NULL,\n  `photo` VARCHAR(87380) NULL,\n  `opens` BIGINT NULL,\n  `secret` VARCHAR(40) NULL\n) PRIMARY KEY (`id`)\nDISTRIBUTED BY HASH(`id`) BUCKETS 8\n");
    expect(ddl).toContain("CREATE TABLE IF NOT EXISTS `shop`.`order_lines` (\n  `order_id` INT NOT NULL,\n  `line` SMALLINT NOT NULL,\n  `sku` VARCHAR(80) NULL\n) PRIMARY KEY (`order_id`, `line`)\nDISTRIBUTED BY HASH(`order_id`, `line`)\n");
    const accounts = files["sql/flink/accounts.sql"];
    expect(accounts).toContain("  `id` DECIMAL(20, 0) NOT NULL,\n  `name` STRING NOT NULL,");
    expect(accounts).toContain("  `flags` BINARY(2),\n  `photo` STRING,\n  `opens` BIGINT,");
    expect(accounts).toContain("  `opens` BIGINT,");
    expect(accounts).toContain("'debezium.binary.handling.mode' = 'base64'");
    expect(accounts).toContain("SELECT `id`, `name`, `balance`, `created`, `flags`, `photo`, `opens`, `secret`\nFROM `src_accounts`");
    const audit = files["sql/flink/audit_log.sql"];
    expect(audit).toContain("'scan.incremental.snapshot.chunk.key-column' = 'host'");
    expect(audit).toContain("PRIMARY KEY (`host`, `ts`) NOT ENFORCED");
    // The heartbeat keeps the demo catalog's block; source tables take hashed blocks above the demo span.
    const block = sourceServerIdBlocks(["accounts", "audit_log", "order_lines"]).get("accounts")!;
    expect(accounts).toContain(`'server-id' = '${5400 + block.offset}-${5400 + block.offset}'`);
    expect(files["sql/flink/cdc_heartbeat.sql"]).toContain("'server-id' = '5900-5900'");
    expect(files["sql/mysql/schema.sql"]).not.toContain("accounts");
    expect(files["sql/mysql/schema.sql"]).toContain("cdc_heartbeat");
  });
});

test("source tables keep their server-id block whatever other tables come and go, inside the reserved span", () => {
  const names = Array.from({ length: 300 }, (_, i) => `t_${i}`);
  const all = sourceServerIdBlocks(names);
  const offsets = [...all.values()].map((b) => b.offset);
  expect(new Set(offsets).size).toBe(names.length);
  for (const o of offsets) {
    expect(o).toBeGreaterThanOrEqual(1000);
    expect(o + 64).toBeLessThanOrEqual(RESERVED_SPAN);
  }
  const some = sourceServerIdBlocks(names.filter((_, i) => i % 7 === 0));
  let moved = 0;
  for (const [name, b] of some) if (all.get(name)!.offset !== b.offset) moved++;
  // Only a table that collided with a dropped one may move: with 300 names in 65536 blocks, very few.
  expect(moved).toBeLessThanOrEqual(2);
  expect(sourceServerIdBlocks(["orders"]).get("orders")).toEqual(sourceServerIdBlocks(["zzz", "orders", "aaa"]).get("orders"));
});
