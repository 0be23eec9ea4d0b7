/**
 * `cdc catalog` on a real MariaDB holding a user's own database (tests/helpers/appSchema.ts), configured as a
 * stack with `catalog: source`: the human report (golden) and --json; refusals exit 1. And what the other
 * commands do on such tables: `counts` counts them, the commands that write rows refuse them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { withMysql } from "../../clients/mysql";
import { APP_SCHEMA, HEARTBEAT_DDL } from "../helpers/appSchema";
import { MariaDbServer, mariadbAvailable, startMariaDb } from "../helpers/mariadb";
import { execFileSync } from "child_process";
import { runInProcess } from "./run-cli";

const maybe = mariadbAvailable() ? describe : describe.skip;

maybe("cdc catalog on a source catalog", () => {
  let server: MariaDbServer;
  let dir: string;
  const url = () => `mysql://root:${encodeURIComponent(server.password)}@127.0.0.1:${server.port}/app`;
  const project = (config: Record<string, unknown>) => {
    const lines = Object.entries({ sourceMode: "external", sourceHost: "db.internal", sourceDatabase: "app", catalog: "source", ...config })
      .map(([k, v]) => `  starrocks-cdc:${k}: ${JSON.stringify(v)}`);
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), `config:\n${lines.join("\n")}\n  starrocks-cdc:sourcePassword:\n    secure: AAABAxyz\n`);
  };

  beforeAll(async () => {
    server = await startMariaDb({ binlog: false });
    await withMysql(server, {}, async (c) => {
      for (const s of APP_SCHEMA) await c.query(s);
      await c.query(HEARTBEAT_DDL);
      await c.query("INSERT INTO app.accounts (id, name) VALUES (18446744073709551615, 'max'), (1, 'one')");
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-catalog-"));
    fs.copyFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test("prints each table's columns MySQL -> Flink -> StarRocks and every warning", async () => {
    project({ captureTables: "accounts|order_lines|audit_log", catalogKeys: ["audit_log:host,ts"], catalogBuckets: ["accounts:8"] });
    const r = await runInProcess(["catalog", "--project-dir", dir, "--source", url()]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatchSnapshot();
  });

  test("--json holds the same data", async () => {
    project({ captureTables: "accounts|audit_log", catalogKeys: ["audit_log:host,ts"] });
    const r = await runInProcess(["catalog", "--project-dir", dir, "--source", url(), "--json"]);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ stack: "dev", catalog: "source", sourceDatabase: "app", ok: true });
    expect(d.tables.map((t: { name: string }) => t.name)).toEqual(["accounts", "audit_log", "cdc_heartbeat"]);
    expect(d.tables[0].columns[0]).toEqual({ name: "id", mysql: "bigint(20) unsigned", flink: "DECIMAL(20, 0)", starrocks: "LARGEINT", arrives: "integer", nullable: false, key: true });
    expect(d.tables[0].columns.find((c: { name: string }) => c.name === "opens")).toEqual({ name: "opens", mysql: "time(3)", flink: "BIGINT", starrocks: "BIGINT", arrives: "time-micros", nullable: true, key: false });
    expect(d.tables[1]).toMatchObject({ name: "audit_log", key: ["host", "ts"], chunkKeyColumn: "host" });
    expect(d.issues).toContainEqual({ kind: "wide-key", table: "audit_log", message: expect.stringMatching(/266 encoded bytes/) });
  });

  test("refusals are listed and exit 1", async () => {
    project({});
    const r = await runInProcess(["catalog", "--project-dir", dir, "--source", url()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/refused \(pulumi preview fails until these are fixed\):\n {2}table audit_log has no primary key[^\n]*\n {2}float_key\.f double is a key column[^\n]*\n {2}gadgets\.u uuid[^\n]*\n\n3 refusal\(s\)\n$/);
  });

  test("a demo stack prints the demo tables without connecting", async () => {
    fs.writeFileSync(path.join(dir, "Pulumi.demo.yaml"), "config:\n  starrocks-cdc:tables: [orders]\n");
    const r = await runInProcess(["catalog", "--project-dir", dir, "--stack", "demo", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).tables.map((t: { name: string; serverIds: string }) => `${t.name} ${t.serverIds}`)).toEqual(["orders 5400-5400", "cdc_heartbeat 5900-5900"]);
  });

  test("counts covers the user's tables; commands that write rows refuse them", async () => {
    const env = { CDC_SOURCE_URL: url(), CDC_SINK_URL: url() };
    const counts = await runInProcess(["counts", "--tables", "accounts,order_lines", "--json"], env);
    expect(counts.code).toBe(0);
    expect(JSON.parse(counts.stdout).tables).toEqual([
      { table: "accounts", source: 2, sink: 2, difference: 0, toolRows: 0 },
      { table: "order_lines", source: 0, sink: 0, difference: 0, toolRows: 0 },
    ]);
    for (const args of [["latency", "multi"], ["load", "10"], ["cleanup"], ["bench", "burst", "-n", "10"]]) {
      const r = await runInProcess([...args, "--tables", "accounts"], env);
      expect([args[0], r.code]).toEqual([args[0], 2]);
      expect(r.stderr).toMatch(new RegExp(`\`cdc ${args[0]}\` writes rows into the tables it works on, and accounts is a table of your own database: this tool never writes into them`));
    }
    await withMysql(server, {}, async (c) => expect((await c.query("SELECT COUNT(*) AS n FROM app.accounts"))[0]).toEqual([{ n: "2" }]));
  });

  test("verify compares a user's table column by column, by the catalog's mapping of its source types", async () => {
    await withMysql(server, {}, async (c) => {
      await c.query("CREATE DATABASE IF NOT EXISTS app_copy");
      await c.query("CREATE TABLE IF NOT EXISTS app_copy.order_lines LIKE app.order_lines");
      await c.query("INSERT INTO app.order_lines VALUES (1, 1, 'A-1'), (1, 2, 'B-2'), (2, 1, 'C-3')");
      // The copy differs only in one value of a non-key column.
      await c.query("INSERT INTO app_copy.order_lines VALUES (1, 1, 'A-1'), (1, 2, 'B-X'), (2, 1, 'C-3')");
    });
    const sinkUrl = url().replace(/\/app$/, "/app_copy");
    const r = await runInProcess(["verify", "--tables", "order_lines", "--json"], { CDC_SOURCE_URL: url(), CDC_SINK_URL: sinkUrl });
    expect(r.code).toBe(1);
    const t = JSON.parse(r.stdout).tables[0];
    expect(t).toMatchObject({ table: "order_lines", rowsCompared: 3, different: 1 });
    expect(t.samples).toEqual([expect.objectContaining({ kind: "different", key: { order_id: "1", line: "2" }, columns: [expect.objectContaining({ column: "sku", source: "B-2", sink: "B-X" })] })]);
  });

  test("npm run render writes the DDL and job SQL of a source catalog, read with --source", () => {
    project({ captureTables: "accounts|order_lines" });
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "render-src-"));
    const root = path.resolve(__dirname, "../..");
    const render = (args: string[]) => execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "render/cli.ts"), "--project-dir", dir, "--out", out, ...args], { cwd: root, env: { ...process.env, CDC_SOURCE_URL: "" }, encoding: "utf8", stdio: "pipe" });
    expect(() => render([])).toThrow(/catalog: source\): pass --source mysql:\/\/user:pass@host:port \(or set CDC_SOURCE_URL\)/);
    render(["--source", url()]);
    expect(fs.readdirSync(path.join(out, "sql/flink")).sort()).toEqual(["accounts.sql", "cdc_heartbeat.sql", "order_lines.sql"]);
    expect(fs.readFileSync(path.join(out, "sql/starrocks/tables.sql"), "utf8")).toContain("`id` LARGEINT NOT NULL");
    fs.rmSync(out, { recursive: true, force: true });
  });
});
