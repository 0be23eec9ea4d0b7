/**
 * Every rendered CDC job (render/flinkJob.ts renderCdcJobs: the real mysql-cdc 3.5.0 source and the
 * real StarRocks connector 1.2.10 sink) submitted through the real SQL Gateway, from a MariaDB binlog
 * source into the StarRocks stand-in (tests/standins/starrocks.ts: MySQL protocol + Stream Load, rows
 * kept in MariaDB). The snapshot arrives, then inserts, updates and deletes; each stand-in table must
 * equal its source table key by key.
 */
import { Column, SELECTABLE_TABLES, TableDef, replicatedTables, valueColumns } from "../../catalog/tables";
import { FlinkClient } from "../../clients/flink";
import { query, withMysql } from "../../clients/mysql";
import { StackConfig } from "../../config";
import { CdcJobSpec, PIPELINE_NAME_KEY, renderCdcJobs } from "../../render/flinkJob";
import { quoteIdent, quoteString } from "../../render/sql";
import { createLoaderUserSql, grantLoaderSql, starrocksCreateDatabaseSql, starrocksCreateTableSql } from "../../render/starrocks";
import { sampleValue } from "../../render/mysql";
import { StarRocksStandIn, startStarRocksStandIn } from "../standins/starrocks";
import { describeReal, realTier, RealTier } from "./harness";
import { CdcSource, startCdcSource } from "./harness/source";

const LOADER_PASSWORD = "loader-real-tier-pw";
type Row = Record<string, unknown>;

/** One comparable text per value: numbers without trailing zeros, datetimes to the millisecond. */
function norm(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  const s = v instanceof Date ? v.toISOString().replace("T", " ").replace("Z", "") : String(v);
  const dt = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(s);
  if (dt) return `${dt[1]}.${(dt[2] ?? "").padEnd(3, "0").slice(0, 3)}`;
  if (/^-?\d+(\.\d+)?$/.test(s)) return String(Number(s));
  return s;
}

/** key -> row text, for a table read from a MariaDB (the source, or the stand-in's store). */
async function snapshotOf(conn: { host: string; port: number; user: string; password: string }, db: string, t: TableDef): Promise<Map<string, string>> {
  const rows = await withMysql(conn, {}, (c) => query<Row>(c, `SELECT * FROM ${quoteIdent(db)}.${quoteIdent(t.name)}`));
  const out = new Map<string, string>();
  for (const r of rows) out.set(t.key.map((k) => norm(r[k])).join("|"), t.columns.map((c) => `${c.name}=${norm(r[c.name])}`).join(", "));
  return out;
}

/** The differences between two keyed snapshots, at most a few, for the failure message. */
function differences(source: Map<string, string>, sink: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of source) if (sink.get(k) !== v) out.push(`key ${k}: source {${v}} sink {${sink.get(k) ?? "missing"}}`);
  for (const k of sink.keys()) if (!source.has(k)) out.push(`key ${k}: only in sink {${sink.get(k)}}`);
  return out.slice(0, 5);
}

/** A value different from the sample row's, of the column's type. */
function changedValue(c: Column, n: number): string {
  switch (c.type.kind) {
    case "bigint": case "int": return String(7000 + n);
    case "decimal": return "4321.09";
    case "varchar": return quoteString(`upd_${n}`.slice(0, c.type.length));
    case "datetime": return quoteString("2030-06-01 12:34:56.789");
    case "mapped": throw new Error(`column ${c.name}: the demo tables have no mapped columns`);
  }
}

function insertRowSql(db: string, t: TableDef, n: number): string {
  const vals = t.columns.map((c) => {
    const v = sampleValue(t, c, n);
    return typeof v === "number" ? String(v) : quoteString(v);
  });
  return `INSERT INTO ${quoteIdent(db)}.${quoteIdent(t.name)} (${t.columns.map((c) => quoteIdent(c.name)).join(", ")}) VALUES (${vals.join(", ")})`;
}

const keyWhere = (t: TableDef, n: number) => t.key.map((k) => `${quoteIdent(k)} = ${n}`).join(" AND ");

describeReal("rendered CDC jobs on real Flink into the StarRocks stand-in", () => {
  let tier: RealTier;
  let flink: FlinkClient;
  let source: CdcSource | undefined;
  let standin: StarRocksStandIn | undefined;
  let cfg: StackConfig;
  let tables: TableDef[];
  const SAMPLE_ROWS = 10;

  beforeAll(async () => {
    tier = await realTier();
    flink = new FlinkClient({ gatewayUrl: tier.gatewayUrl, restUrl: tier.restUrl, timeoutMs: 120_000 });
    [source, standin] = await Promise.all([startCdcSource({ tables: [...SELECTABLE_TABLES], sampleRows: SAMPLE_ROWS }), startStarRocksStandIn({ preset: "ready" })]);
    cfg = {
      ...source.cfg,
      starrocks: {
        ...source.cfg.starrocks,
        fromFlink: { jdbcUrl: `jdbc:mysql://127.0.0.1:${standin.queryPort}`, loadUrl: `127.0.0.1:${standin.httpPort}` },
      },
    };
    tables = replicatedTables(cfg.tables);
    // What the stack's StarRocks providers do: database, Primary Key tables, the loader user and its grants.
    const root = { host: "127.0.0.1", port: standin.queryPort, user: "root", password: standin.rootPassword };
    await withMysql(root, {}, async (c) => {
      await query(c, starrocksCreateDatabaseSql(cfg.starrocks.database));
      for (const t of tables) await query(c, starrocksCreateTableSql(cfg.starrocks.database, t));
      await query(c, createLoaderUserSql(cfg.starrocks.loaderUser, LOADER_PASSWORD));
      await query(c, grantLoaderSql(cfg.starrocks.loaderUser, cfg.starrocks.database));
    });
  });
  afterAll(async () => {
    await tier?.cancelAllJobs();
    await Promise.all([source?.stop(), standin?.stop()]);
  });

  /** Submits one job the way the CdcJob provider does: one session, each statement with pipeline.name. */
  async function submit(spec: CdcJobSpec): Promise<string> {
    const session = await flink.openSession(spec.pipelineName);
    let jobId: string | undefined;
    try {
      for (const s of spec.statements) jobId = (await flink.runStatement(session, s, { [PIPELINE_NAME_KEY]: spec.pipelineName })).jobID ?? jobId;
    } finally {
      await flink.closeSession(session).catch(() => undefined);
    }
    if (!jobId) throw new Error(`${spec.pipelineName}: the INSERT returned no job id`);
    await flink.waitForJobRunning(jobId, 120_000);
    return jobId;
  }

  /** Waits until every stand-in table equals its source table; fails with the differences. */
  async function converge(what: string, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const store = standin!.store.server;
    const storeConn = { host: store.host, port: store.port, user: store.user, password: store.password };
    const srcConn = { host: source!.db.host, port: source!.db.port, user: source!.db.user, password: source!.db.password };
    for (;;) {
      const diffs: string[] = [];
      for (const t of tables) {
        const d = differences(await snapshotOf(srcConn, cfg.source.database, t), await snapshotOf(storeConn, cfg.starrocks.database, t));
        diffs.push(...d.map((x) => `${t.name} ${x}`));
      }
      if (!diffs.length) return;
      if (Date.now() > deadline) throw new Error(`${what}: stand-in tables still differ from the source after ${timeoutMs / 1000}s:\n${diffs.slice(0, 12).join("\n")}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  test("every table's job runs and the snapshot arrives", async () => {
    const specs = renderCdcJobs(cfg, { cdcPassword: source!.cdcPassword, loaderPassword: LOADER_PASSWORD });
    expect(specs.map((s) => s.table)).toEqual(tables.map((t) => t.name));
    for (const spec of specs) await submit(spec);
    const running = (await flink.listJobsOverview()).filter((j) => j.state === "RUNNING").map((j) => j.name);
    expect(running.sort()).toEqual(specs.map((s) => s.pipelineName).sort());
    await converge("snapshot");
    // Not vacuous: the sample rows are there (the heartbeat table starts empty).
    const orders = await withMysql({ ...standin!.store.server }, {}, (c) => query<Row>(c, `SELECT COUNT(*) AS n FROM shop.orders`));
    expect(Number(orders[0].n)).toBe(SAMPLE_ROWS);
  });

  test("inserts, updates and deletes on every table reach the stand-in", async () => {
    const db = cfg.source.database;
    for (const t of tables) {
      for (const n of [101, 102, 103]) await source!.sql(insertRowSql(db, t, n));
      const col = valueColumns(t)[0];
      // An update of a snapshot row and of a row inserted during the binlog phase.
      for (const n of [2, 101]) {
        await source!.sql(`UPDATE ${quoteIdent(db)}.${quoteIdent(t.name)} SET ${quoteIdent(col.name)} = ${changedValue(col, n)} WHERE ${keyWhere(t, n)}`);
      }
      for (const n of [3, 102]) await source!.sql(`DELETE FROM ${quoteIdent(db)}.${quoteIdent(t.name)} WHERE ${keyWhere(t, n)}`);
    }
    await converge("inserts, updates and deletes");
    const store = { ...standin!.store.server };
    const left = await withMysql(store, {}, (c) => query<Row>(c, `SELECT COUNT(*) AS n FROM shop.orders`));
    expect(Number(left[0].n)).toBe(SAMPLE_ROWS + 3 - 2);
    const deleted = await withMysql(store, {}, (c) => query<Row>(c, `SELECT COUNT(*) AS n FROM shop.orders WHERE order_id IN (3, 102)`));
    expect(Number(deleted[0].n)).toBe(0);
  });
});
