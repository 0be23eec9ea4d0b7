/**
 * The CdcJob provider against the Flink FAKE (tests/fakes/flink.ts) and an in-memory object store, for what
 * the real cluster (tests/real/) cannot produce on demand or what needs no Flink: the request shape (one
 * statement per request, pipeline.name, the session closed), diff, a failing savepoint aborting an update, a
 * stop that never completes (delete cancels), the savepoint nonce, options-only updates, retained-state
 * ordering, and client errors. Create, savepoint and stateless upgrades, adoption, resuming a failed or
 * cancelled job, loss recovery and delete are proven against real Flink (tests/real/cdcJob.test.ts,
 * tests/real/faults.test.ts). No timed assertions: the fake advances job states per observation.
 */
import * as net from "net";
import { FlinkClient } from "../../clients/flink";
import { resolveConfig } from "../../config";
import { CdcJobInputs, CdcJobOutputs, createCdcJobProvider, materialize, newestRetainedState, registryKey } from "../../providers/cdcJob";
import { PLACEHOLDER_SECRETS, renderCdcJobs } from "../../render/flinkJob";
import { FlinkFake, MemoryObjectStore } from "../fakes/flink";
import { fakeJobInputs, startFakeProvider } from "./fakeProvider";

const cfg = resolveConfig({ tables: ["orders", "customers"] }, { stack: "test" });
const SECRETS = { cdcPassword: "cdc-pw-Zq81", loaderPassword: "loader-pw-Xy72" };
// As the program passes them: statements with placeholders, the passwords as separate (secret) inputs.
const [orders] = renderCdcJobs(cfg, PLACEHOLDER_SECRETS);
const BUCKET = "bkt";

let fake: FlinkFake;
let store: MemoryObjectStore;
let logs: string[];
let provider: ReturnType<typeof createCdcJobProvider>;

beforeEach(async () => {
  ({ store, fake, logs, provider } = await startFakeProvider(BUCKET));
});
afterEach(() => fake.close());

async function checked(over: Partial<CdcJobInputs> = {}): Promise<CdcJobInputs> {
  const raw = fakeJobInputs(fake, orders, SECRETS, BUCKET, over);
  const r = await provider.check!({}, raw);
  expect(r.failures).toEqual([]);
  return r.inputs as CdcJobInputs;
}

async function create(over: Partial<CdcJobInputs> = {}): Promise<{ inputs: CdcJobInputs; outs: CdcJobOutputs }> {
  const inputs = await checked(over);
  const r = await provider.create(inputs);
  expect(r.id).toBe(orders.pipelineName);
  return { inputs, outs: r.outs as CdcJobOutputs };
}

/** A loopback port with nothing listening. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function allText(): string {
  return logs.join("\n");
}

function expectNoSecrets(text: string): void {
  for (const s of [SECRETS.cdcPassword, SECRETS.loaderPassword, "secret-SK7"]) expect(text).not.toContain(s);
}

describe("create", () => {
  test("submits one statement per request with pipeline.name, closes the session, waits for RUNNING", async () => {
    const { outs } = await create();
    const job = fake.jobs.get(outs.jobId)!;
    expect(job.state).toBe("RUNNING");
    expect(job.name).toBe("starrocks-cdc-test-cdc-orders");
    expect(outs).toMatchObject({ jobName: orders.pipelineName, jobState: "RUNNING", serverIdRange: orders.serverIdRange, lastSavepoint: "", restoredFrom: "", jobHistory: [outs.jobId] });
    const posts = fake.requestsTo("POST", /\/v3\/sessions\/[^/]+\/statements$/);
    expect(posts.map((p) => p.body.statement)).toEqual(materialize({ statements: orders.statements, ...SECRETS }, outs.labelGeneration));
    for (const p of posts) expect(p.body.executionConfig).toEqual({ "pipeline.name": orders.pipelineName });
    expect(fake.requestsTo("DELETE", /^\/v3\/sessions\/[^/]+$/)).toHaveLength(1);
    for (const r of fake.requestsTo("GET", /\/result\//)) expect(r.query.rowFormat).toBe("JSON");
    expect(JSON.parse((await store.getText(registryKey(orders.pipelineName)))!).jobIds).toEqual([outs.jobId]);
    expect(outs.statements).toEqual(orders.statements); // same key as the secret input, so it stays secret
  });

});

describe("diff", () => {
  test("no changes when nothing changed", async () => {
    const { inputs, outs } = await create();
    const d = await provider.diff!(outs.pipelineName, outs, inputs);
    expect(d.changes).toBe(false);
    expect(d.replaces).toEqual([]);
  });

  test("statements change -> update; pipeline identity -> replace (delete first)", async () => {
    const { outs } = await create();
    const changed = await checked({ statements: [...orders.statements.slice(0, 2), orders.statements[2] + " "] });
    expect(await provider.diff!("x", outs, changed)).toMatchObject({ changes: true, replaces: [] });
    const renamed = await checked({ pipelineName: "other" });
    expect(await provider.diff!("x", outs, renamed)).toMatchObject({ changes: true, replaces: ["pipelineName"], deleteBeforeReplace: true });
  });
});

describe("update", () => {
  const newSql = () => renderCdcJobs(resolveConfig({ tables: ["orders"], sinkFlushIntervalMs: 5000 }, { stack: "test" }), PLACEHOLDER_SECRETS)[0].statements;

  test("a failed savepoint aborts the update and leaves the old job RUNNING", async () => {
    const { outs } = await create();
    fake.mode.failSavepointsWith = "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint Coordinator is suspending.";
    const news = await checked({ statements: newSql() });
    const err: Error = await provider.update!(outs.pipelineName, outs, news).then(() => { throw new Error("update succeeded"); }, (e) => e);
    expect(err.message).toMatch(/stop-with-savepoint of job [0-9a-f]{32} failed, the old job keeps running.*Checkpoint Coordinator is suspending/);
    expectNoSecrets(err.message);
    expect(fake.jobs.get(outs.jobId)!.state).toBe("RUNNING");
    expect(fake.submissions()).toHaveLength(1);
  });

  test("a re-snapshot whose savepoint fails (the schema change broke the job after it was observed) cancels the old job and starts fresh", async () => {
    const { outs } = await create({ columns: orders.columns });
    expect(outs.columns?.length).toBeGreaterThan(0);
    fake.mode.failSavepointsWith = "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint triggering task Source: src_orders (1/1) is not being executed at the moment.";
    const news = await checked({ statements: newSql(), columns: [...outs.columns!, "coupon"] });
    const o = (await provider.update!(outs.pipelineName, outs, news)).outs as CdcJobOutputs;
    expect(fake.jobs.get(outs.jobId)!.state).toBe("CANCELED");
    expect(o.jobId).not.toBe(outs.jobId);
    expect(fake.jobs.get(o.jobId)!.state).toBe("RUNNING");
    // Started without state, under a new label generation.
    expect(o.restoredFrom).toBe("");
    expect(o.labelGeneration).not.toBe(outs.labelGeneration);
    expect(allText()).toMatch(/stop-with-savepoint of job [0-9a-f]{32} did not complete .*cancelling it, as the re-snapshot needs no state/);
    expectNoSecrets(allText());
  });

  test("savepoint nonce takes a one-off savepoint; the job keeps running", async () => {
    const { outs } = await create();
    const news = await checked({ savepointNonce: "2025-06-01" });
    expect((await provider.diff!("x", outs, news)).changes).toBe(true);
    const o = (await provider.update!(outs.pipelineName, outs, news)).outs as CdcJobOutputs;
    const sp = fake.requestsTo("POST", /\/jobs\/[0-9a-f]{32}\/savepoints$/);
    expect(sp).toHaveLength(1);
    expect(sp[0].body).toEqual({ "target-directory": `s3://${BUCKET}/flink/savepoints`, "cancel-job": false });
    expect(o.jobId).toBe(outs.jobId);
    expect(fake.jobs.get(outs.jobId)!.state).toBe("RUNNING");
    expect(o.lastSavepoint).toMatch(/savepoint-/);
    expect(o.savepointNonce).toBe("2025-06-01");
    expect(fake.submissions()).toHaveLength(1);
  });

  test("options-only changes are recorded without touching the job", async () => {
    const { outs } = await create();
    const news = await checked({ timeoutMs: 7000 });
    const o = (await provider.update!(outs.pipelineName, outs, news)).outs as CdcJobOutputs;
    expect(o.jobId).toBe(outs.jobId);
    expect(o.timeoutMs).toBe(7000);
    expect(fake.requestsTo("POST", /\/(stop|savepoints)$/)).toHaveLength(0);
  });
});

describe("refresh and recovery", () => {
  test("a savepoint newer than the checkpoints wins", async () => {
    const { inputs, outs } = await create();
    fake.completeCheckpoint(outs.jobId);
    const sp = (await provider.update!(outs.pipelineName, outs, await checked({ savepointNonce: "1" }))).outs as CdcJobOutputs;
    fake.restart();
    const o = (await provider.create(inputs)).outs as CdcJobOutputs;
    expect(o.restoredFrom).toBe(sp.lastSavepoint);
  });

  test("read finds a job by pipeline.name when its id is unknown", async () => {
    const { outs } = await create();
    fake.restart();
    const client = new FlinkClient({ gatewayUrl: fake.gatewayUrl, restUrl: fake.restUrl, timeoutMs: 2000, initialDelayMs: 2 });
    const s = await client.openSession();
    for (const st of materialize({ statements: orders.statements, ...SECRETS }, "")) await client.runStatement(s, st, { "pipeline.name": orders.pipelineName });
    const read = await provider.read!(outs.pipelineName, outs);
    expect(read.id).toBe(outs.pipelineName);
    expect(read.props!.jobId).not.toBe(outs.jobId);
    expect(fake.jobs.get(read.props!.jobId)!.name).toBe(orders.pipelineName);
    expect(read.props!.jobHistory).toEqual([outs.jobId, read.props!.jobId]);
  });

  test("newestRetainedState only considers the given job ids and _metadata files", async () => {
    const a = "a".repeat(32);
    const b = "b".repeat(32);
    store.put(`flink/checkpoints/${a}/chk-1/_metadata`);
    store.put(`flink/checkpoints/${a}/chk-2/_metadata`);
    store.put(`flink/checkpoints/${a}/shared/xyz`);
    store.put(`flink/checkpoints/${b}/chk-9/_metadata`);
    const got = await newestRetainedState(store, `s3://${BUCKET}/flink/checkpoints`, `s3://${BUCKET}/flink/savepoints`, [a]);
    expect(got).toMatchObject({ path: `s3://${BUCKET}/flink/checkpoints/${a}/chk-2`, kind: "checkpoint", jobId: a });
    expect(await newestRetainedState(store, `s3://${BUCKET}/flink/checkpoints`, `s3://${BUCKET}/flink/savepoints`, [])).toBeUndefined();
  });
});

describe("delete", () => {
  test("cancels when the stop does not complete within the timeout", async () => {
    const { outs } = await create();
    fake.mode.savepointsHang = true;
    await provider.delete!(outs.pipelineName, { ...outs, timeoutMs: 200 });
    expect(fake.requestsTo("POST", /\/stop$/)).toHaveLength(1);
    expect(fake.requestsTo("PATCH", /^\/jobs\//)[0].query).toEqual({ mode: "cancel" });
    expect(fake.jobs.get(outs.jobId)!.state).toBe("CANCELED");
    expect(allText()).toMatch(/did not complete .*timed out.*cancelling it/);
  });

  test("is idempotent when the job is already gone", async () => {
    const { outs } = await create();
    fake.restart();
    await provider.delete!(outs.pipelineName, outs);
    expect(fake.requestsTo("POST", /\/stop$/)).toHaveLength(0);
  });
});

describe("client behaviour", () => {
  test("an unreachable service times out with the service, the address and the last error", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const client = new FlinkClient({ gatewayUrl: url, restUrl: url, timeoutMs: 150, initialDelayMs: 10, maxDelayMs: 20 });
    await expect(client.openSession()).rejects.toThrow(new RegExp(`timed out after .* waiting for Flink SQL Gateway to answer POST /sessions at http://127\\.0\\.0\\.1:${port}; last seen: .*ECONNREFUSED`));
    await expect(client.getJob("0".repeat(32))).rejects.toThrow(new RegExp(`Flink JobManager .* at http://127\\.0\\.0\\.1:${port}`));
  });

  test("two statements in one request fail with Flink's error, secrets scrubbed", async () => {
    const client = new FlinkClient({ gatewayUrl: fake.gatewayUrl, restUrl: fake.restUrl, timeoutMs: 2000, initialDelayMs: 2 });
    const s = await client.openSession();
    const [source, sink] = materialize({ statements: orders.statements, ...SECRETS }, "");
    const err: Error = await client.runStatement(s, `${source};\n${sink}`).then(() => { throw new Error("ok"); }, (e) => e);
    expect(err.message).toMatch(/HTTP 500: Failed to fetchResults\..*Unsupported SQL statement! Execute statement only accepts a single SQL statement/);
    expectNoSecrets(err.message);
  });

  test("check rejects missing and malformed inputs, and tolerates unknowns", async () => {
    const r = await provider.check!({}, { gatewayUrl: "x", upgradeMode: "blue", serverIdRange: { start: 5, end: 1 }, bucket: "b", savepointDir: "s3://other/sp" });
    const props = r.failures!.map((f) => f.property);
    expect(props).toEqual(expect.arrayContaining(["restUrl", "statements", "pipelineName", "table", "upgradeMode", "serverIdRange", "savepointDir"]));
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const u = await provider.check!({}, { ...(await checked()), statements: unknown, gatewayUrl: unknown });
    expect(u.failures).toEqual([]);
  });
});
