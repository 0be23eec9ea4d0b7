/**
 * Source schema changes reaching StarRocks with the next `up`, on the REAL Flink tier (mysql-cdc on a MariaDB
 * binlog, the StarRocks connector loading into the StarRocks stand-in), the providers driven in engine order
 * (Table update, then CdcJob update) while a writer keeps inserting and updating rows:
 *   - a nullable column added in the middle of the source table: the preview (Table check) names the table,
 *     the column, the StarRocks statement and the re-snapshot; after the up every row equals its source row
 *     key by key, INCLUDING the new column for rows written between the source's ALTER and the up (a savepoint
 *     upgrade alone leaves those NULL: the old job's sink never carried the column);
 *   - a longer VARCHAR: MODIFY COLUMN in place, the job untouched (its SQL reads a STRING), no row lost;
 *   - a column dropped in the source: the running job fails loudly (mysql-cdc's schema no longer matches the
 *     binlog rows); the up keeps the StarRocks column and re-snapshots the table without it.
 */
import { FlinkClient } from "../../clients/flink";
import { query, withMysql } from "../../clients/mysql";
import { showCreateTable } from "../../clients/starrocks";
import { Column, TableDef, findTable } from "../../catalog/tables";
import { StackConfig } from "../../config";
import { CdcJobInputs, CdcJobOutputs, createCdcJobProvider } from "../../providers/cdcJob";
import { tableProvider } from "../../providers/table";
import { PROVIDER_VERSION } from "../../providers/version";
import { PLACEHOLDER_SECRETS, renderCdcJob } from "../../render/flinkJob";
import { createLoaderUserSql, grantLoaderSql, starrocksCreateDatabaseSql } from "../../render/starrocks";
import { StarRocksStandIn, startStarRocksStandIn } from "../standins/starrocks";
import { describeReal, realTier, RealTier } from "./harness";
import { CdcSource, startCdcSource } from "./harness/source";

const LOADER_PASSWORD = "loader-real-tier-pw";
const TIMEOUT_MS = 240_000;
const base = findTable("orders");

describeReal("source schema changes on real Flink", () => {
  let tier: RealTier;
  let flink: FlinkClient;
  let source: CdcSource;
  let sr: StarRocksStandIn;
  let cfg: StackConfig;
  const logs: string[] = [];
  const jobs = createCdcJobProvider({ log: (m) => logs.push(m), pollInitialMs: 200, pollMaxMs: 1000 });
  let jobOuts: CdcJobOutputs;
  let tableOuts: Record<string, unknown>;
  let def: TableDef = base;
  let nextId = 200_000;
  /** Columns the writer fills, besides the key: changes as the source schema changes. */
  let writerHasCoupon = false;

  const srConn = () => ({ host: sr.host, port: sr.queryPort, user: "root", password: "" });
  const tableInputs = (d: TableDef) => ({ ...srConn(), timeoutMs: 60_000, providerVersion: PROVIDER_VERSION, database: cfg.starrocks.database, definition: d, allowDestructiveChanges: false });

  async function jobInputs(d: TableDef): Promise<CdcJobInputs> {
    const spec = renderCdcJob(cfg, d, PLACEHOLDER_SECRETS);
    const r = await jobs.check!({}, {
      gatewayUrl: tier.gatewayUrl, restUrl: tier.restUrl, statements: spec.statements, columns: spec.columns,
      cdcPassword: source.cdcPassword, loaderPassword: LOADER_PASSWORD, pipelineName: spec.pipelineName, table: d.name,
      serverIdRange: spec.serverIdRange, savepointDir: tier.savepointDir, checkpointDir: tier.checkpointDir, timeoutMs: TIMEOUT_MS,
      providerVersion: "real", s3Endpoint: tier.s3.endpoint, s3AccessKey: tier.s3.accessKey, s3SecretKey: tier.s3.secretKey,
      s3Region: tier.s3.region, bucket: tier.s3.bucket,
    });
    expect(r.failures).toEqual([]);
    return r.inputs as CdcJobInputs;
  }

  /** `pulumi up` for a new definition, as the engine orders it: the Table (check, diff, update), then the job. */
  async function up(d: TableDef): Promise<{ preview: string[]; job: CdcJobOutputs }> {
    const checkedTable = (await tableProvider.check!(tableOuts, tableInputs(d))).inputs as Record<string, unknown>;
    const preview = checkedTable.schemaChanges as string[];
    // A nullable column kept in StarRocks after the source dropped it is no StarRocks change.
    if ((await tableProvider.diff!("orders", tableOuts, checkedTable)).changes) tableOuts = (await tableProvider.update!("orders", tableOuts, checkedTable)).outs;
    else tableOuts = { ...tableOuts, ...checkedTable, columns: tableOuts.columns };
    const news = await jobInputs(d);
    // Not every schema change changes the job's SQL (a longer VARCHAR is still a Flink STRING).
    if ((await jobs.diff!("orders", jobOuts, news)).changes) jobOuts = (await jobs.update!(jobOuts.pipelineName, jobOuts, news)).outs as CdcJobOutputs;
    def = d;
    return { preview, job: jobOuts };
  }

  /** Every column the sink and the source share, as text, by key. */
  async function rows(): Promise<{ src: Map<string, string>; dst: Map<string, string> }> {
    const cols = def.columns.map((c) => c.name).filter((c) => !["order_date", "updated_at"].includes(c));
    const list = cols.map((c) => `\`${c}\``).join(", ");
    const fmt = (r: Record<string, unknown>) => cols.map((c) => (r[c] === null || r[c] === undefined ? "NULL" : String(r[c]))).join("|");
    const src = await source.sql<Record<string, unknown>>(`SELECT ${list} FROM shop.orders`);
    const dst = await withMysql(srConn(), {}, (c) => query<Record<string, unknown>>(c, `SELECT ${list} FROM ${cfg.starrocks.database}.orders`));
    return { src: new Map(src.map((r) => [String(r.order_id), fmt(r)])), dst: new Map(dst.map((r) => [String(r.order_id), fmt(r)])) };
  }

  /** Waits until the sink holds exactly the source's rows, compared column by column; returns the row count. */
  async function converged(timeoutMs = 150_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { src, dst } = await rows();
      const missing = [...src.keys()].filter((k) => !dst.has(k));
      const extra = [...dst.keys()].filter((k) => !src.has(k));
      const wrong = [...src.keys()].filter((k) => dst.has(k) && dst.get(k) !== src.get(k));
      if (!missing.length && !extra.length && !wrong.length) return src.size;
      if (Date.now() > deadline) {
        const eg = wrong.slice(0, 3).map((k) => `${k}: source ${src.get(k)} / sink ${dst.get(k)}`);
        throw new Error(`sink did not converge in ${timeoutMs} ms: ${missing.length} missing, ${extra.length} extra, ${wrong.length} wrong (e.g. ${eg.join("; ")})`);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** Inserts a row and updates an older one every ~30 ms; fills `coupon` once the source has it. */
  function startWriter(): { stop(): Promise<number> } {
    let running = true;
    let written = 0;
    const loop = (async () => {
      while (running) {
        const id = nextId++;
        if (writerHasCoupon) {
          await source.sql("INSERT INTO shop.orders (order_id, customer_id, coupon, status, total_amount, order_date, updated_at) VALUES (?, 1, ?, 'new', 10.00, NOW(), NOW())", [id, `c${id}`]);
          if (id % 4 === 0) await source.sql("UPDATE shop.orders SET status = 'paid', coupon = ? WHERE order_id = ?", [`u${id}`, id - 3]);
        } else {
          await source.sql("INSERT INTO shop.orders (order_id, customer_id, status, total_amount, order_date, updated_at) VALUES (?, 1, 'new', 10.00, NOW(), NOW())", [id]);
          if (id % 4 === 0) await source.sql("UPDATE shop.orders SET status = 'paid' WHERE order_id = ?", [id - 3]);
        }
        written++;
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    return { stop: async () => ((running = false), await loop, written) };
  }

  const withColumns = (d: TableDef, columns: Column[]): TableDef => ({ ...d, columns });

  beforeAll(async () => {
    tier = await realTier();
    flink = new FlinkClient({ gatewayUrl: tier.gatewayUrl, restUrl: tier.restUrl, timeoutMs: 60_000 });
    source = await startCdcSource({ tables: ["orders"], sampleRows: 20 });
    sr = await startStarRocksStandIn({ preset: "ready" });
    cfg = { ...source.cfg, starrocks: { ...source.cfg.starrocks, fromFlink: { jdbcUrl: `jdbc:mysql://127.0.0.1:${sr.queryPort}`, loadUrl: `127.0.0.1:${sr.httpPort}` } } };
    await withMysql(srConn(), {}, async (c) => {
      await query(c, starrocksCreateDatabaseSql(cfg.starrocks.database));
      await query(c, createLoaderUserSql(cfg.starrocks.loaderUser, LOADER_PASSWORD));
    });
    const checked = (await tableProvider.check!({}, tableInputs(base))).inputs;
    tableOuts = (await tableProvider.create(checked)).outs;
    await withMysql(srConn(), {}, (c) => query(c, grantLoaderSql(cfg.starrocks.loaderUser, cfg.starrocks.database)));
    jobOuts = (await jobs.create(await jobInputs(base))).outs as CdcJobOutputs;
    expect(await converged()).toBe(20);
  }, 400_000);

  afterAll(async () => {
    await tier?.cancelAllJobs().catch(() => undefined);
    await sr?.stop().catch(() => undefined);
    await source?.stop().catch(() => undefined);
  });

  test("an added nullable column: preview names it; after the up every row carries its real value, also rows written before the up", async () => {
    const writer = startWriter();
    await new Promise((r) => setTimeout(r, 2000));
    await source.sql("ALTER TABLE shop.orders ADD COLUMN coupon VARCHAR(10) NULL AFTER customer_id");
    writerHasCoupon = true;
    // Rows written between the source's ALTER and the up: the running job carries on without the column.
    await new Promise((r) => setTimeout(r, 5000));
    const cols = [...base.columns];
    cols.splice(2, 0, { name: "coupon", type: { kind: "varchar", length: 10 }, nullable: true });
    const { preview, job } = await up(withColumns(base, cols));
    expect(preview).toEqual([expect.stringMatching(/^orders\.coupon: column coupon VARCHAR\(40\) NULL added \[re-snapshot\]\. StarRocks: ALTER TABLE `[a-z_]+`\.`orders` ADD COLUMN `coupon` VARCHAR\(40\) NULL AFTER `customer_id`\. Job: .*WITHOUT state/)]);
    await new Promise((r) => setTimeout(r, 2000));
    const written = await writer.stop();
    expect(written).toBeGreaterThan(50);
    // A re-snapshot: no restore path, a new label generation, and the log says why.
    expect(job.restoredFrom).toBe("");
    expect(logs.some((l) => /read again from a fresh snapshot/.test(l))).toBe(true);
    expect(await converged()).toBe(20 + written);
    const { dst } = await rows();
    expect([...dst.values()].filter((v) => v.includes("|c2") || v.includes("|u2")).length).toBeGreaterThan(0);
  }, 600_000);

  test("a longer VARCHAR: changed in place in StarRocks, the job keeps running (its SQL is unchanged), no row lost", async () => {
    const writer = startWriter();
    await source.sql("ALTER TABLE shop.orders MODIFY COLUMN coupon VARCHAR(60) NULL");
    const cols = def.columns.map((c) => (c.name === "coupon" ? { ...c, type: { kind: "varchar" as const, length: 60 } } : c));
    const before = jobOuts.jobId;
    const { preview, job } = await up(withColumns(def, cols));
    expect(preview).toEqual([expect.stringMatching(/^orders\.coupon: column coupon: VARCHAR\(40\) -> VARCHAR\(240\) \[in-place\]\. StarRocks: ALTER TABLE `[a-z_]+`\.`orders` MODIFY COLUMN `coupon` VARCHAR\(240\) NULL\. Job: unchanged/)]);
    expect(job.jobId).toBe(before);
    // A value only the wider column holds (50 bytes) reaches StarRocks.
    await source.sql("UPDATE shop.orders SET coupon = REPEAT('w', 50) WHERE order_id = 1");
    const written = await writer.stop();
    expect(await converged()).toBeGreaterThan(20 + written);
  }, 600_000);

  test("a column dropped in the source: kept in StarRocks, the job runs again without it after the up, every row equal", async () => {
    const before = jobOuts.jobId;
    writerHasCoupon = false;
    const writer = startWriter();
    await source.sql("ALTER TABLE shop.orders DROP COLUMN coupon");
    // Between the source change and the up: what the old job does with rows that lack the column.
    await new Promise((r) => setTimeout(r, 8000));
    const gap = await flink.getJob(before);
    const exceptions = await flink.newestException(before);
    logs.push(`dropped column, before the up: job ${before} is ${gap?.state}; newest exception: ${exceptions?.text ?? "none"}`);
    const { preview, job } = await up(withColumns(def, def.columns.filter((c) => c.name !== "coupon")));
    expect(preview).toEqual([expect.stringMatching(/^orders\.coupon: column coupon dropped in the source; kept in StarRocks; the re-snapshot reloads every row without it, so it holds NULL afterwards \[re-snapshot\]\. StarRocks: nothing to change\. Job: stopped .*WITHOUT state/)]);
    expect(job.jobId).not.toBe(before);
    expect(job.restoredFrom).toBe("");
    const written = await writer.stop();
    expect(written).toBeGreaterThan(20);
    // The StarRocks column is still there.
    const ddl = await withMysql(srConn(), {}, (c) => showCreateTable(c, cfg.starrocks.database, "orders"));
    expect(ddl).toContain("`coupon`");
    expect(await converged()).toBeGreaterThan(20 + written);
    process.stderr.write(logs.filter((l) => /dropped column|resuming|stopped job/.test(l)).join("\n") + "\n");
  }, 600_000);
});
