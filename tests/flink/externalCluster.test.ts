/**
 * The CdcJob provider on an external session cluster (against the Flink fake): state dirs on hdfs:// or
 * file:// need no bucket, loss recovery says why it cannot list them, and the job-level options travel in
 * every statement's execution config; changing them upgrades the job through a savepoint.
 */
import { resolveConfig } from "../../config";
import { CdcJobInputs, CdcJobOutputs, createCdcJobProvider, recoveryListingOff } from "../../providers/cdcJob";
import { renderCdcJobs } from "../../render/flinkJob";
import { FlinkFake } from "../fakes/flink";

const EXTERNAL = {
  flinkMode: "external", flinkRestUrl: "http://jm:8081", flinkSqlGatewayUrl: "http://gw:8083",
  flinkCheckpointDir: "file:///var/flink/checkpoints", flinkSavepointDir: "hdfs://namenode:8020/flink/savepoints",
};
const SECRETS = { cdcPassword: "cdc-pw-Zq81", loaderPassword: "loader-pw-Xy72" };
const planFor = (raw: Record<string, unknown>) => renderCdcJobs(resolveConfig({ tables: ["orders"], ...EXTERNAL, ...raw }, { stack: "test" }), SECRETS)[0];
const orders = planFor({});

let fake: FlinkFake;
let logs: string[];
let storeOpened: number;
let provider: ReturnType<typeof createCdcJobProvider>;

beforeEach(async () => {
  fake = await new FlinkFake({}).start();
  logs = [];
  storeOpened = 0;
  provider = createCdcJobProvider({
    objectStore: () => {
      storeOpened++;
      throw new Error("no object store may be opened for hdfs:// or file:// state");
    },
    log: (m) => logs.push(m),
    pollInitialMs: 2,
    pollMaxMs: 10,
  });
});
afterEach(() => fake.close());

function raw(plan = orders, over: Partial<CdcJobInputs> = {}): Record<string, unknown> {
  return {
    gatewayUrl: fake.gatewayUrl,
    restUrl: fake.restUrl,
    statements: plan.statements,
    pipelineName: plan.pipelineName,
    table: plan.table,
    serverIdRange: plan.serverIdRange,
    jobOptions: plan.jobOptions,
    checkpointDir: EXTERNAL.flinkCheckpointDir,
    savepointDir: EXTERNAL.flinkSavepointDir,
    timeoutMs: 5000,
    providerVersion: "1.0.0",
    s3Endpoint: "",
    s3AccessKey: "",
    s3SecretKey: "",
    bucket: "",
    ...over,
  };
}

test("check accepts hdfs:// and file:// dirs without a bucket, and refuses other schemes", async () => {
  expect((await provider.check!({}, raw())).failures).toEqual([]);
  const gs = await provider.check!({}, raw(orders, { savepointDir: "gs://b/sp" }));
  expect(gs.failures).toEqual([{ property: "savepointDir", reason: "savepointDir gs://b/sp is not an s3://, hdfs:// or file:// URI" }]);
  // An s3:// dir still has to be on the bucket loss recovery lists.
  const s3 = await provider.check!({}, raw(orders, { checkpointDir: "s3://state/cp" }));
  expect(s3.failures).toEqual([
    { property: "bucket", reason: "bucket is required" },
    { property: "checkpointDir", reason: "checkpointDir s3://state/cp is not on bucket " },
  ]);
});

test("recovery listing is off, with the reason, unless both dirs are on S3 with a store", () => {
  expect(recoveryListingOff({ checkpointDir: "s3://b/cp", savepointDir: "s3://b/sp", s3Endpoint: "http://s3", bucket: "b" })).toBeUndefined();
  expect(recoveryListingOff({ checkpointDir: "file:///cp", savepointDir: "s3://b/sp", s3Endpoint: "http://s3", bucket: "b" })).toMatch(/^file:\/\/\/cp is not on S3/);
  expect(recoveryListingOff({ checkpointDir: "s3://b/cp", savepointDir: "s3://b/sp", s3Endpoint: "", bucket: "b" })).toMatch(/no S3 endpoint/);
});

test("create sends the job options with every statement, logs that recovery listing is off, opens no store", async () => {
  const inputs = (await provider.check!({}, raw())).inputs as CdcJobInputs;
  const outs = (await provider.create(inputs)).outs as CdcJobOutputs;
  expect(fake.jobs.get(outs.jobId)!.state).toBe("RUNNING");
  const posts = fake.requestsTo("POST", /\/v3\/sessions\/[^/]+\/statements$/);
  expect(posts).toHaveLength(3);
  for (const p of posts) {
    expect(p.body.executionConfig).toEqual({
      "execution.checkpointing.interval": "10s",
      "execution.checkpointing.dir": "file:///var/flink/checkpoints",
      "execution.checkpointing.savepoint-dir": "hdfs://namenode:8020/flink/savepoints",
      "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
      "parallelism.default": "1",
      "pipeline.name": orders.pipelineName,
    });
  }
  expect(logs.join("\n")).toMatch(/loss recovery is off: file:\/\/\/var\/flink\/checkpoints and hdfs:\/\/namenode:8020\/flink\/savepoints are not on S3/);
  expect(storeOpened).toBe(0);
});

test("a new checkpoint interval is a savepoint upgrade into the configured savepoint dir", async () => {
  const olds = (await provider.create((await provider.check!({}, raw())).inputs)).outs as CdcJobOutputs;
  const news = (await provider.check!(olds, raw(planFor({ checkpointInterval: "30s" })))).inputs as CdcJobInputs;
  const d = await provider.diff!(olds.pipelineName, olds, news);
  expect(d.changes).toBe(true);
  expect(d.replaces ?? []).toEqual([]);
  const o = (await provider.update!(olds.pipelineName, olds, news)).outs as CdcJobOutputs;
  expect(fake.requestsTo("POST", /\/stop$/).map((r) => r.body.targetDirectory)).toEqual(["hdfs://namenode:8020/flink/savepoints"]);
  expect(o.lastSavepoint).toMatch(/^hdfs:\/\/namenode:8020\/flink\/savepoints\/savepoint-/);
  const last = fake.submissions().at(-1)!;
  expect(last.executionConfig).toMatchObject({ "execution.checkpointing.interval": "30s", "execution.state-recovery.path": o.lastSavepoint });
  expect(storeOpened).toBe(0);
});

test("a managed cluster's inputs carry no job options, so existing jobs see no change", async () => {
  const managed = renderCdcJobs(resolveConfig({ tables: ["orders"] }, { stack: "test" }), SECRETS)[0];
  expect(managed.jobOptions).toEqual({});
  const inputs = { ...raw(managed), jobOptions: undefined, checkpointDir: "s3://b/cp", savepointDir: "s3://b/sp", bucket: "b" };
  const checked = (await provider.check!({}, inputs)).inputs;
  expect(checked.jobOptions).toBeUndefined();
  const d = await provider.diff!("id", { ...checked, jobId: "0".repeat(32), jobState: "RUNNING" }, checked);
  expect(d.changes).toBe(false);
});
