/**
 * The program's own providers, end to end, against real services: index.ts is evaluated under Pulumi
 * mocks for an all-external stack (sourceMode, starrocksMode and flinkMode external), and the dynamic
 * resources it declares are run with their serialized providers in the engine's order
 * (tests/real/harness/program.ts): create everything, refresh (no drift), preview (no changes), a new
 * sinkFlushIntervalMs applied by update (a savepoint upgrade of each job), and delete in reverse order,
 * with rows flowing from the source to the sink in between.
 *
 * Services: the real Flink 1.20.3 tier (JobManager, TaskManager, SQL Gateway, S3 on moto), a MariaDB
 * source with binlog (tests/real/harness/source.ts), and the StarRocks STAND-IN (tests/standins/starrocks.ts,
 * not StarRocks: MySQL protocol and Stream Load with a 307 to a "CN" port, rows kept in MariaDB), preset as
 * a cluster its operator has set up (an alive compute node and a default storage volume).
 */
import { defaultLoaderUser } from "../../config/users";
import { FlinkClient } from "../../clients/flink";
import { findTable } from "../../catalog/tables";
import { minioObjectStore, registryKey } from "../../providers/cdcJob";
import { createTableSql } from "../../render/mysql";
import { StarRocksStandIn, startStarRocksStandIn } from "../standins/starrocks";
import { describeReal, realTier, RealTier } from "./harness";
import { DeclaredResource, Engine, declaredResources } from "./harness/program";
import { CdcSource, startCdcSource } from "./harness/source";

const STACK = "program";
const STATE_PREFIX = "program-test";
const SECRET_KEYS = ["sourcePassword", "starrocksAdminPassword", "flinkS3SecretKey"];

describeReal("the program's providers on an all-external stack", () => {
  let tier: RealTier;
  let flink: FlinkClient;
  let source: CdcSource;
  let sink: StarRocksStandIn;
  let config: Record<string, unknown>;
  const engine = new Engine();
  let jobIdsAfterCreate: Record<string, string> = {};

  const sinkIds = async (): Promise<number[]> => {
    const r = await sink.store.relay("SELECT order_id FROM orders ORDER BY order_id", "shop");
    return (r.rows ?? []).map((row) => Number(row[0]));
  };
  const sourceIds = async (): Promise<number[]> =>
    (await source.sql<{ order_id: string | number }>("SELECT order_id FROM shop.orders ORDER BY order_id")).map((r) => Number(r.order_id));
  /** Waits until the sink holds exactly the source's order ids. */
  const converged = async (what: string, timeoutMs = 120_000): Promise<number[]> => {
    const deadline = Date.now() + timeoutMs;
    let want: number[] = [];
    let got: number[] = [];
    while (Date.now() < deadline) {
      want = await sourceIds();
      got = await sinkIds().catch(() => []);
      if (got.length === want.length && got.every((v, i) => v === want[i])) return got;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${what}: the sink did not converge in ${timeoutMs / 1000}s; source ${JSON.stringify(want)}, sink ${JSON.stringify(got)}\n${tier.logExcerpt()}`);
  };
  const insertOrders = (ids: number[]) =>
    source.sql(`INSERT INTO shop.orders (order_id, customer_id, status, total_amount, order_date, updated_at) VALUES ${ids.map((id) => `(${id}, 7, 'new', 12.50, NOW(), NOW())`).join(", ")}`);
  const declare = (over: Record<string, unknown> = {}): Promise<DeclaredResource[]> => declaredResources({ ...config, ...over }, SECRET_KEYS, STACK);
  const jobState = async (jobId: string) => (await flink.getJob(jobId))?.state;

  beforeAll(async () => {
    tier = await realTier();
    flink = new FlinkClient({ gatewayUrl: tier.gatewayUrl, restUrl: tier.restUrl, timeoutMs: 60_000 });
    [source, sink] = await Promise.all([
      startCdcSource({ tables: ["orders"], sampleRows: 5 }),
      startStarRocksStandIn({ preset: "ready", rootPassword: "admin-Pw-7c1e" }),
    ]);
    // An external source brings its own schema: the stack creates nothing there, so the heartbeat table too.
    await source.sql(createTableSql("shop", findTable("cdc_heartbeat")));
    config = {
      tables: ["orders"],
      sourceMode: "external", sourceHost: "127.0.0.1", sourcePort: source.db.port, sourceUser: source.cdcUser, sourcePassword: source.cdcPassword,
      minBinlogRetentionSeconds: 0,
      starrocksMode: "external", starrocksHost: sink.host, starrocksQueryPort: sink.queryPort, starrocksHttpPort: sink.httpPort,
      starrocksAdminUser: "root", starrocksAdminPassword: sink.rootPassword,
      flinkMode: "external", flinkRestUrl: tier.restUrl, flinkSqlGatewayUrl: tier.gatewayUrl,
      flinkCheckpointDir: `s3://${tier.s3.bucket}/${STATE_PREFIX}/checkpoints`,
      flinkSavepointDir: `s3://${tier.s3.bucket}/${STATE_PREFIX}/savepoints`,
      flinkS3Endpoint: tier.s3.endpoint, flinkS3AccessKey: tier.s3.accessKey, flinkS3SecretKey: tier.s3.secretKey, s3Region: tier.s3.region,
      checkpointInterval: "3s",
      sinkFlushIntervalMs: 1000,
      providerTimeout: "3min",
    };
  }, 180_000);

  afterAll(async () => {
    // Leave nothing running for the next test file, whatever failed above.
    if (engine.state.size) await engine.destroy().catch(() => undefined);
    await tier?.cancelAllJobs().catch(() => undefined);
    await Promise.all([source?.stop(), sink?.stop()]);
  }, 180_000);

  test("up creates everything in the engine's order: preflight, database, tables, loader user, then the jobs", async () => {
    const declared = await declare();
    const result = await engine.up(declared);
    expect(result.created.sort()).toEqual([
      "cdc-job-cdc_heartbeat", "cdc-job-orders", "loader-user", "sink-database", "sink-table-cdc_heartbeat", "sink-table-orders", "source-preflight",
    ]);
    // Nothing the cluster's operator owns was touched: no compute node added, no volume created.
    expect(sink.fe.log.map((s) => s.sql).filter((s) => /COMPUTE NODE|STORAGE VOLUME/i.test(s))).toEqual([]);
    expect(sink.fe.databases.get("shop")?.has("orders")).toBe(true);
    expect(sink.fe.users.has(defaultLoaderUser("dev"))).toBe(true);
    for (const name of ["cdc-job-orders", "cdc-job-cdc_heartbeat"]) {
      const outs = engine.state.get(name)!.outputs;
      expect(await jobState(outs.jobId)).toBe("RUNNING");
      jobIdsAfterCreate[name] = outs.jobId;
    }
  }, 600_000);

  test("rows flow from the source to the sink: the snapshot, then the binlog", async () => {
    expect(await converged("snapshot")).toEqual([1, 2, 3, 4, 5]);
    await insertOrders([101, 102, 103]);
    expect(await converged("binlog inserts")).toEqual([1, 2, 3, 4, 5, 101, 102, 103]);
    // The jobs carry the stack's checkpointing: checkpoints land in the configured dir, not the cluster's.
    const store = minioObjectStore({ ...tier.s3 });
    const jobId = jobIdsAfterCreate["cdc-job-orders"];
    const deadline = Date.now() + 60_000;
    let keys: string[] = [];
    while (!keys.some((k) => k.endsWith("/_metadata")) && Date.now() < deadline) {
      keys = (await store.list(`${STATE_PREFIX}/checkpoints/${jobId}/`)).map((o) => o.key);
      if (!keys.some((k) => k.endsWith("/_metadata"))) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(keys.some((k) => new RegExp(`^${STATE_PREFIX}/checkpoints/${jobId}/chk-\\d+/_metadata$`).test(k))).toBe(true);
    // Loss recovery's registry lists the job on the configured bucket.
    expect(JSON.parse((await store.getText(registryKey(engine.state.get("cdc-job-orders")!.outputs.pipelineName)))!).jobIds).toEqual([jobId]);
  }, 300_000);

  test("refresh reads every resource back with no drift, and a second preview shows no changes", async () => {
    expect(await engine.refresh()).toEqual([]);
    expect((await engine.preview(await declare())).filter((d) => d.changes)).toEqual([]);
  }, 300_000);

  test("a new sinkFlushIntervalMs upgrades each job through a savepoint, and no row is lost", async () => {
    const declared = await declare({ sinkFlushIntervalMs: 2000 });
    const plan = await engine.preview(declared);
    expect(plan.filter((d) => d.changes).map((d) => d.name).sort()).toEqual(["cdc-job-cdc_heartbeat", "cdc-job-orders"]);
    expect(plan.flatMap((d) => d.replaces)).toEqual([]);

    // Rows written while the upgrade runs must arrive exactly once through the savepoint.
    await insertOrders([201, 202]);
    const result = await engine.up(declared);
    expect(result.updated.sort()).toEqual(["cdc-job-cdc_heartbeat", "cdc-job-orders"]);
    expect(result.created).toEqual([]);
    for (const name of ["cdc-job-orders", "cdc-job-cdc_heartbeat"]) {
      const outs = engine.state.get(name)!.outputs;
      const oldId = jobIdsAfterCreate[name];
      expect(outs.jobId).not.toBe(oldId);
      expect(outs.lastSavepoint).toMatch(new RegExp(`^s3://${tier.s3.bucket}/${STATE_PREFIX}/savepoints/savepoint-${oldId.slice(0, 6)}-[0-9a-f]+$`));
      expect(outs.restoredFrom).toBe(outs.lastSavepoint);
      expect(outs.jobHistory).toEqual([oldId, outs.jobId]);
      expect(await jobState(oldId)).toBe("FINISHED");
      expect(await jobState(outs.jobId)).toBe("RUNNING");
      expect(outs.statements[1]).toContain("'sink.buffer-flush.interval-ms' = '2000'");
    }
    await insertOrders([301]);
    expect(await converged("after the upgrade")).toEqual([1, 2, 3, 4, 5, 101, 102, 103, 201, 202, 301]);
    expect((await engine.preview(declared)).filter((d) => d.changes)).toEqual([]);
  }, 600_000);

  test("destroy deletes in reverse order: the jobs stop with a savepoint, then the user, tables and database go", async () => {
    const order = [...engine.state.keys()].reverse();
    const jobIds = ["cdc-job-orders", "cdc-job-cdc_heartbeat"].map((n) => engine.state.get(n)!.outputs.jobId);
    const pipeline = engine.state.get("cdc-job-orders")!.outputs.pipelineName;
    expect(await engine.destroy()).toEqual(order);
    expect(order.indexOf("loader-user")).toBeGreaterThan(order.indexOf("cdc-job-orders"));
    expect(order.indexOf("sink-database")).toBeGreaterThan(order.indexOf("sink-table-orders"));
    for (const id of jobIds) expect(await jobState(id)).toBe("FINISHED");
    expect(sink.fe.databases.has("shop")).toBe(false);
    expect(sink.fe.users.has(defaultLoaderUser("dev"))).toBe(false);
    expect(await minioObjectStore({ ...tier.s3 }).getText(registryKey(pipeline))).toBeUndefined();
    // The source is only read: its rows and the CDC user are still there.
    expect(await sourceIds()).toEqual([1, 2, 3, 4, 5, 101, 102, 103, 201, 202, 301]);
  }, 300_000);
});
