/**
 * The CdcJob provider (createCdcJobProvider) against the REAL Flink 1.20.3 tier: a real mysql-cdc source on a
 * MariaDB binlog, the real StarRocks connector loading into the StarRocks stand-in (tests/standins), state on
 * S3 (moto). In order, one pipeline through its life:
 *   create (ready only when every task runs AND a checkpoint completed), a no-op diff, refresh (read),
 *   a savepoint upgrade while a writer keeps inserting and updating rows (after convergence the sink equals
 *   the source by key: none lost, none extra), a stateless upgrade, an upgrade whose new statements do not
 *   plan (old job untouched), an upgrade whose new job cannot run (the old statements come back from the same
 *   savepoint: the table is never left without a job), delete with a savepoint; then create adopting a job of
 *   the pipeline that already runs (no duplicate), a cancelled job resumed by the update from its newest
 *   retained checkpoint with no row lost, a crash-looping job
 *   (wrong source password) failing create with the root cause well within its timeout, and the rendered
 *   bounded restart strategy ending a job that cannot run in FAILED. A lost TaskManager seen as drift and
 *   healed by the next up is the real engine's case (tests/engine/verbs.ts).
 */
import { FlinkClient } from "../../clients/flink";
import { query, withMysql } from "../../clients/mysql";
import { findTable } from "../../catalog/tables";
import { StackConfig } from "../../config";
import { CdcJobInputs, CdcJobOutputs, createCdcJobProvider, materialize, minioObjectStore, registryKey } from "../../providers/cdcJob";
import { PIPELINE_NAME_KEY, PLACEHOLDER_SECRETS, renderCdcJob } from "../../render/flinkJob";
import { createLoaderUserSql, grantLoaderSql, starrocksCreateDatabaseSql, starrocksCreateTableSql } from "../../render/starrocks";
import { StarRocksStandIn, startStarRocksStandIn } from "../standins/starrocks";
import { describeReal, realTier, RealTier } from "./harness";
import { CdcSource, startCdcSource } from "./harness/source";

const LOADER_PASSWORD = "loader-real-tier-pw";
const TIMEOUT_MS = 150_000;

describeReal("CdcJob provider on real Flink", () => {
  let tier: RealTier;
  let flink: FlinkClient;
  let source: CdcSource;
  let sr: StarRocksStandIn;
  let cfg: StackConfig;
  const logs: string[] = [];
  const provider = createCdcJobProvider({ log: (m) => logs.push(m), pollInitialMs: 200, pollMaxMs: 1000 });
  let outs: CdcJobOutputs;
  let inputs: CdcJobInputs;
  let nextId = 100_000;

  /** The job's statements (placeholders) for config overrides on top of the tier's. */
  const statementsFor = (over: Partial<StackConfig["flink"]> = {}, c: StackConfig = cfg) =>
    renderCdcJob({ ...c, flink: { ...c.flink, ...over } }, findTable("orders"), PLACEHOLDER_SECRETS).statements;

  async function checked(over: Partial<CdcJobInputs> = {}): Promise<CdcJobInputs> {
    const spec = renderCdcJob(cfg, findTable("orders"), PLACEHOLDER_SECRETS);
    const r = await provider.check!({}, {
      gatewayUrl: tier.gatewayUrl,
      restUrl: tier.restUrl,
      statements: spec.statements,
      cdcPassword: source.cdcPassword,
      loaderPassword: LOADER_PASSWORD,
      pipelineName: spec.pipelineName,
      table: "orders",
      serverIdRange: spec.serverIdRange,
      savepointDir: tier.savepointDir,
      checkpointDir: tier.checkpointDir,
      timeoutMs: TIMEOUT_MS,
      providerVersion: "real",
      s3Endpoint: tier.s3.endpoint,
      s3AccessKey: tier.s3.accessKey,
      s3SecretKey: tier.s3.secretKey,
      s3Region: tier.s3.region,
      bucket: tier.s3.bucket,
      ...over,
    });
    expect(r.failures).toEqual([]);
    return r.inputs as CdcJobInputs;
  }

  const sinkRows = () =>
    withMysql({ host: sr.host, port: sr.queryPort, user: "root", password: "" }, {}, (c) => query<{ order_id: string; status: string }>(c, "SELECT order_id, status FROM shop.orders"));
  const sourceRows = () => source.sql<{ order_id: string; status: string }>("SELECT order_id, status FROM shop.orders");
  const byKey = (rows: Array<{ order_id: unknown; status: unknown }>) => new Map(rows.map((r) => [String(r.order_id), String(r.status)]));

  /** Waits until the sink holds exactly the source's rows (keys and status), then returns the row count. */
  async function converged(timeoutMs = 120_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let diff = "";
    for (;;) {
      const [src, dst] = [byKey(await sourceRows()), byKey(await sinkRows())];
      const missing = [...src.keys()].filter((k) => !dst.has(k));
      const extra = [...dst.keys()].filter((k) => !src.has(k));
      const stale = [...src.keys()].filter((k) => dst.has(k) && dst.get(k) !== src.get(k));
      if (!missing.length && !extra.length && !stale.length) return src.size;
      diff = `${missing.length} missing (e.g. ${missing.slice(0, 3)}), ${extra.length} extra (e.g. ${extra.slice(0, 3)}), ${stale.length} stale`;
      if (Date.now() > deadline) throw new Error(`sink did not converge with the source in ${timeoutMs} ms: ${diff}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** A writer inserting a row and updating an older one every ~25 ms until stopped; resolves with the count. */
  function startWriter(): { stop(): Promise<number> } {
    let running = true;
    let written = 0;
    const loop = (async () => {
      while (running) {
        const id = nextId++;
        await source.sql("INSERT INTO shop.orders (order_id, customer_id, status, total_amount, order_date, updated_at) VALUES (?, 1, 'new', 10.00, NOW(), NOW())", [id]);
        if (id % 5 === 0) await source.sql("UPDATE shop.orders SET status = 'paid', updated_at = NOW() WHERE order_id = ?", [id - 3]);
        written++;
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    return { stop: async () => ((running = false), await loop, written) };
  }

  const jobIsReady = async (jobId: string) => {
    const job = await flink.getJob(jobId);
    const cps = await flink.checkpointStats(jobId);
    return { state: job?.state, vertices: (job?.vertices ?? []).map((v) => v.status), completed: cps?.completed ?? 0 };
  };

  beforeAll(async () => {
    tier = await realTier();
    flink = new FlinkClient({ gatewayUrl: tier.gatewayUrl, restUrl: tier.restUrl, timeoutMs: 60_000 });
    source = await startCdcSource({ tables: ["orders"], sampleRows: 20 });
    sr = await startStarRocksStandIn({ preset: "ready" });
    const root = { host: sr.host, port: sr.queryPort, user: "root", password: "" };
    cfg = {
      ...source.cfg,
      starrocks: { ...source.cfg.starrocks, fromFlink: { jdbcUrl: `jdbc:mysql://127.0.0.1:${sr.queryPort}`, loadUrl: `127.0.0.1:${sr.httpPort}` } },
    };
    await withMysql(root, {}, async (c) => {
      await query(c, starrocksCreateDatabaseSql(cfg.starrocks.database));
      await query(c, starrocksCreateTableSql(cfg.starrocks.database, findTable("orders")));
      await query(c, createLoaderUserSql(cfg.starrocks.loaderUser, LOADER_PASSWORD));
      await query(c, grantLoaderSql(cfg.starrocks.loaderUser, cfg.starrocks.database));
    });
  }, 120_000);

  afterAll(async () => {
    await tier?.cancelAllJobs().catch(() => undefined);
    await sr?.stop().catch(() => undefined);
    await source?.stop().catch(() => undefined);
  });

  test("create: ready only when every task runs and a checkpoint completed; the snapshot arrives", async () => {
    inputs = await checked();
    const started = Date.now();
    outs = (await provider.create(inputs)).outs as CdcJobOutputs;
    const seen = await jobIsReady(outs.jobId);
    expect(seen.state).toBe("RUNNING");
    expect(seen.vertices.length).toBeGreaterThan(0);
    expect(seen.vertices.every((v) => v === "RUNNING")).toBe(true);
    expect(seen.completed).toBeGreaterThanOrEqual(1);
    // The rendered checkpoint interval is 10 s: a ready job has been up for about that long at least.
    expect(Date.now() - started).toBeGreaterThan(5_000);
    expect(outs).toMatchObject({ jobState: "RUNNING", restoredFrom: "", lastFailure: "" });
    expect(outs.labelGeneration).toMatch(/^g[0-9a-z]+$/);
    expect(await converged()).toBe(20);
    expect(JSON.stringify(outs.statements)).not.toContain(source.cdcPassword);
  });

  test("a no-op diff, and refresh reads the running job without drift", async () => {
    expect(await provider.diff!("orders", outs, inputs)).toMatchObject({ changes: false, replaces: [] });
    const read = await provider.read!(outs.pipelineName, outs);
    expect(read.id).toBe(outs.pipelineName);
    expect(read.props).toMatchObject({ jobId: outs.jobId, jobState: "RUNNING", lastFailure: "" });
    expect((await provider.diff!("orders", read.props, inputs)).changes).toBe(false);
  });

  test("EXPLAIN PLAN FOR the INSERT through the SQL Gateway returns the plan (what upgrades check first)", async () => {
    const session = await flink.openSession("explain-check");
    try {
      const [src, sink, insert] = materialize({ statements: inputs.statements, cdcPassword: source.cdcPassword, loaderPassword: LOADER_PASSWORD }, "");
      await flink.runStatement(session, src);
      await flink.runStatement(session, sink);
      const r = await flink.runStatement(session, `EXPLAIN PLAN FOR ${insert}`);
      expect(r.jobID).toBeUndefined();
      const text = String(r.rows[0]?.fields[0] ?? "");
      expect(text).toContain("== Abstract Syntax Tree ==");
      expect(text).toContain("sink_orders");
    } finally {
      await flink.closeSession(session).catch(() => undefined);
    }
  });

  test("a savepoint upgrade while a writer inserts and updates: no row lost, none extra", async () => {
    const writer = startWriter();
    await new Promise((r) => setTimeout(r, 2000));
    const news = await checked({ statements: statementsFor({ sinkFlushIntervalMs: 2000 }) });
    expect((await provider.diff!("orders", outs, news)).changes).toBe(true);
    const o = (await provider.update!(outs.pipelineName, outs, news)).outs as CdcJobOutputs;
    await new Promise((r) => setTimeout(r, 2000));
    const written = await writer.stop();
    expect(written).toBeGreaterThan(20);
    expect(o.jobId).not.toBe(outs.jobId);
    expect(o.restoredFrom).toBe(o.lastSavepoint);
    expect(o.lastSavepoint).toMatch(new RegExp(`^${tier.savepointDir}/savepoint-${outs.jobId.slice(0, 6)}-`));
    expect(o.labelGeneration).toBe(outs.labelGeneration);
    expect((await flink.getJob(outs.jobId))?.state).toBe("FINISHED");
    expect(await converged()).toBe(20 + written);
    outs = o;
    inputs = news;
  });

  test("a stateless upgrade starts a fresh snapshot with a new label generation, and converges", async () => {
    const news = await checked({ statements: statementsFor({ sinkFlushIntervalMs: 3000 }), upgradeMode: "stateless" });
    const o = (await provider.update!(outs.pipelineName, outs, news)).outs as CdcJobOutputs;
    expect(o.restoredFrom).toBe("");
    expect(o.labelGeneration).not.toBe(outs.labelGeneration);
    expect(o.jobHistory).toEqual([o.jobId]);
    expect((await flink.getJob(outs.jobId))?.state).toBe("CANCELED");
    await source.sql("INSERT INTO shop.orders (order_id, customer_id, status, total_amount, order_date, updated_at) VALUES (?, 2, 'new', 5.00, NOW(), NOW())", [nextId++]);
    await converged();
    outs = o;
    inputs = await checked({ statements: news.statements });
  });

  test("new statements Flink cannot plan leave the running job untouched", async () => {
    // The connector validates option ranges when the sink is planned (interval-ms must be >= 1000).
    const bad = inputs.statements.map((s) => s.replace("'sink.buffer-flush.interval-ms' = '3000'", "'sink.buffer-flush.interval-ms' = '10'"));
    expect(bad[1]).toContain("'10'");
    const err: Error = await provider.update!(outs.pipelineName, outs, await checked({ statements: bad })).then(() => { throw new Error("update succeeded"); }, (e) => e);
    expect(err.message).toMatch(new RegExp(`do not plan in Flink, so job ${outs.jobId} keeps running unchanged`));
    expect(err.message).not.toContain(LOADER_PASSWORD);
    expect((await flink.getJob(outs.jobId))?.state).toBe("RUNNING");
    expect((await flink.findJobsByName(outs.pipelineName)).filter((j) => j.state === "RUNNING").map((j) => j.jid)).toEqual([outs.jobId]);
  });

  test("a sink table StarRocks does not have fails planning: the connector checks the table over JDBC when the INSERT is planned", async () => {
    const missing = inputs.statements.map((s, i) => (i === 1 ? s.replace("'table-name' = 'orders'", "'table-name' = 'orders_missing'") : s));
    expect(missing[1]).toContain("orders_missing");
    const err: Error = await provider.update!(outs.pipelineName, outs, await checked({ statements: missing })).then(() => { throw new Error("update succeeded"); }, (e) => e);
    expect(err.message).toMatch(new RegExp(`do not plan in Flink, so job ${outs.jobId} keeps running unchanged`));
    expect(err.message).not.toContain(LOADER_PASSWORD);
    expect((await flink.getJob(outs.jobId))?.state).toBe("RUNNING");
  });

  test("a new job that cannot run after the stop: the old statements come back from the same savepoint", async () => {
    // A source host:port where no MySQL listens: plans fine, fails when the source connects.
    const news = await checked({ statements: inputs.statements.map((s) => s.replace(`'port' = '${source.db.port}'`, "'port' = '1'")) });
    expect(news.statements[0]).toContain("'port' = '1'");
    const started = Date.now();
    const err: Error = await provider.update!(outs.pipelineName, outs, news).then(() => { throw new Error("update succeeded"); }, (e) => e);
    const m = /The previous statements run again as job ([0-9a-f]{32}), restored from (\S+);/.exec(err.message);
    expect({ message: err.message, matched: !!m }).toMatchObject({ matched: true });
    expect(err.message).toMatch(/the new statements failed after job [0-9a-f]{32} stopped/);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
    const [, backId, savepoint] = m!;
    expect(savepoint).toMatch(new RegExp(`^${tier.savepointDir}/savepoint-${outs.jobId.slice(0, 6)}-`));
    // The table has exactly one running job, the restored one, and rows keep flowing.
    expect((await flink.findJobsByName(outs.pipelineName)).filter((j) => j.state === "RUNNING").map((j) => j.jid)).toEqual([backId]);
    const writer = startWriter();
    await new Promise((r) => setTimeout(r, 1500));
    await writer.stop();
    await converged();
    // Pulumi keeps the old state after a failed update; refresh follows the restored job by name.
    const read = await provider.read!(outs.pipelineName, outs);
    expect(read.props).toMatchObject({ jobId: backId, jobState: "RUNNING", lastFailure: "" });
    outs = read.props as CdcJobOutputs;
  });

  test("delete stops the job with a savepoint and logs where it is", async () => {
    await provider.delete!(outs.pipelineName, outs);
    expect((await flink.getJob(outs.jobId))?.state).toBe("FINISHED");
    const line = logs.find((l) => l.includes(`stopped job ${outs.jobId} with savepoint`));
    expect(line).toBeDefined();
    const savepoint = /with savepoint (\S+);/.exec(line!)![1];
    const keys = (await minioObjectStore({ ...tier.s3 }).list(savepoint.replace(`s3://${tier.s3.bucket}/`, "") + "/")).map((o) => o.key);
    expect(keys.some((k) => k.endsWith("/_metadata"))).toBe(true);
    // Its registry is removed, so a later create of the pipeline starts fresh instead of resuming.
    expect(await minioObjectStore({ ...tier.s3 }).getText(registryKey(outs.pipelineName))).toBeUndefined();
    expect(logs.join("\n")).not.toContain(source.cdcPassword);
    expect(logs.join("\n")).not.toContain(LOADER_PASSWORD);
  });

  test("create adopts a job of the pipeline that already runs instead of submitting a duplicate", async () => {
    // A job of the same pipeline.name submitted outside the provider (a create that timed out, a lost state).
    const name = `${outs.pipelineName}-adopt`;
    const session = await flink.openSession("adopt-check");
    let submitted: string | undefined;
    try {
      for (const s of materialize({ statements: inputs.statements, cdcPassword: source.cdcPassword, loaderPassword: LOADER_PASSWORD }, "")) {
        submitted = (await flink.runStatement(session, s, { [PIPELINE_NAME_KEY]: name })).jobID ?? submitted;
      }
    } finally {
      await flink.closeSession(session).catch(() => undefined);
    }
    expect(submitted).toMatch(/^[0-9a-f]{32}$/);
    const o = (await provider.create(await checked({ pipelineName: name }))).outs as CdcJobOutputs;
    expect(o.jobId).toBe(submitted);
    expect(o.jobHistory).toEqual([submitted]);
    expect(logs.some((l) => l.includes(`adopted running job ${submitted} of ${name}`))).toBe(true);
    expect((await flink.findJobsByName(name)).filter((j) => j.state === "RUNNING").map((j) => j.jid)).toEqual([submitted]);
    await flink.cancelJob(o.jobId);
    await flink.waitForJobState(o.jobId, ["CANCELED", "FAILED", "FINISHED"], 60_000, false);
  });

  test("a cancelled job: refresh shows it as drift; the update resumes from its newest retained checkpoint, no row lost", async () => {
    const p = await checked({ pipelineName: `${outs.pipelineName}-resume` });
    const o = (await provider.create(p)).outs as CdcJobOutputs;
    const writer = startWriter();
    await new Promise((r) => setTimeout(r, 1500));
    await writer.stop();
    // A checkpoint completed after those rows were written, so the restore starts from a non-initial offset.
    const before = (await flink.checkpointStats(o.jobId))?.completed ?? 0;
    const deadline = Date.now() + 30_000;
    while (((await flink.checkpointStats(o.jobId))?.completed ?? 0) <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect((await flink.checkpointStats(o.jobId))?.completed ?? 0).toBeGreaterThan(before);
    expect(await flink.cancelJob(o.jobId)).toBe(true);
    expect(await flink.waitForJobState(o.jobId, ["CANCELED", "FAILED", "FINISHED"], 60_000, false)).toBe("CANCELED");
    // Rows written while no job runs come from the binlog after the restore.
    const downWriter = startWriter();
    await new Promise((r) => setTimeout(r, 1000));
    await downWriter.stop();
    const read = await provider.read!(o.pipelineName, o);
    expect(read.props).toMatchObject({ jobId: o.jobId, jobState: "CANCELED" });
    expect((await provider.diff!(o.pipelineName, read.props, p)).changes).toBe(true);
    const resumed = (await provider.update!(o.pipelineName, read.props, p)).outs as CdcJobOutputs;
    expect(resumed.jobId).not.toBe(o.jobId);
    expect(resumed.restoredFrom).toMatch(new RegExp(`^${tier.checkpointDir}/${o.jobId}/chk-\\d+$`));
    expect(resumed.labelGeneration).toBe(o.labelGeneration);
    expect((await flink.findJobsByName(p.pipelineName)).filter((j) => j.state === "RUNNING").map((j) => j.jid)).toEqual([resumed.jobId]);
    await converged();
    await flink.cancelJob(resumed.jobId);
    await flink.waitForJobState(resumed.jobId, ["CANCELED", "FAILED", "FINISHED"], 60_000, false);
  });

  test("a crash-looping job (wrong source password) fails create with the root cause, well within its timeout", async () => {
    const bad = await checked({ pipelineName: `${outs.pipelineName}-badpw`, cdcPassword: "not-the-password" });
    const started = Date.now();
    const err: Error = await provider.create(bad).then(() => { throw new Error("create succeeded"); }, (e) => e);
    const took = Date.now() - started;
    expect(err.message).toMatch(/failed after it started .*Access denied for user 'flink_cdc'/);
    expect(err.message).not.toContain("not-the-password");
    expect(took).toBeLessThan(TIMEOUT_MS / 2);
    // It was cancelled, so it does not keep restarting.
    const jobs = await flink.findJobsByName(bad.pipelineName);
    expect(jobs.map((j) => j.state)).toEqual(["CANCELED"]);
    // Recorded, so loss recovery can still find any state it left.
    expect(JSON.parse((await minioObjectStore({ ...tier.s3 }).getText(registryKey(bad.pipelineName)))!).jobIds).toEqual(jobs.map((j) => j.jid));
  });

  test("the rendered bounded restart strategy ends a job that cannot run in FAILED", async () => {
    // Submitted directly, so no provider cancels it: Flink's own restart strategy must give up.
    const statements = materialize({ statements: inputs.statements, cdcPassword: "still-wrong", loaderPassword: LOADER_PASSWORD }, "");
    const session = await flink.openSession("restart-strategy");
    let jobId: string | undefined;
    try {
      for (const s of statements) jobId = (await flink.runStatement(session, s, { [PIPELINE_NAME_KEY]: "restart-strategy-check" })).jobID ?? jobId;
    } finally {
      await flink.closeSession(session).catch(() => undefined);
    }
    // failure-rate: more than 3 failures in 5 min, 10 s apart -> FAILED after about 30-40 s.
    const state = await flink.waitForJobState(jobId!, ["FAILED", "CANCELED", "FINISHED"], 120_000, false);
    expect(state).toBe("FAILED");
    expect(await flink.jobFailureCause(jobId!)).toMatch(/Access denied|Recovery is suppressed/);
  });
});
