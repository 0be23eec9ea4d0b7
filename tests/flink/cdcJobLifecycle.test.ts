/**
 * The CdcJob provider where real Flink differs from "RUNNING means fine", against the Flink fake
 * (tests/fakes/flink.ts), which restarts failing jobs, deploys tasks after the job is RUNNING, checkpoints
 * only while every task runs, fails savepoints of jobs whose tasks do not all run, and refuses to cancel a
 * finished job, as Flink 1.20 does:
 * - readiness: running tasks and a completed checkpoint; a crash loop fails create with its root cause;
 * - refresh: RESTARTING, or RUNNING with a failure since the job was ready, is drift;
 * - upgrades: planned in a scratch session first; a new job that fails after the stop brings the old
 *   statements back from the same savepoint; a job not fully running is cancelled and restored from its
 *   newest checkpoint instead of a stop-with-savepoint that must fail;
 * - exactly-once label generations; passwords substituted only into what is submitted, and scrubbed.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { FlinkClient } from "../../clients/flink";
import { resolveConfig } from "../../config";
import { CdcJobInputs, CdcJobOutputs, createCdcJobProvider, registryKey } from "../../providers/cdcJob";
import { PLACEHOLDER_SECRETS, renderCdcJobs } from "../../render/flinkJob";
import { FlinkFake, MemoryObjectStore } from "../fakes/flink";

const cfg = resolveConfig({ tables: ["orders"] }, { stack: "test" });
const SECRETS = { cdcPassword: "cdc-pw-Zq'81", loaderPassword: "loader-pw-Xy72" };
const [orders] = renderCdcJobs(cfg, PLACEHOLDER_SECRETS);
const newStatements = renderCdcJobs(resolveConfig({ tables: ["orders"], sinkFlushIntervalMs: 5000 }, { stack: "test" }), PLACEHOLDER_SECRETS)[0].statements;
const NEW_OPTION = `'sink.buffer-flush.interval-ms' = '5000'`;
const BUCKET = "bkt";
const ACCESS_DENIED = "java.sql.SQLException: Access denied for user 'flink_cdc'@'10.0.0.7' (using password: YES)";

let fake: FlinkFake;
let store: MemoryObjectStore;
let logs: string[];
let provider: ReturnType<typeof createCdcJobProvider>;

beforeEach(async () => {
  store = new MemoryObjectStore();
  fake = await new FlinkFake({ store, bucket: BUCKET }).start();
  logs = [];
  provider = createCdcJobProvider({ objectStore: () => store, log: (m) => logs.push(m), pollInitialMs: 2, pollMaxMs: 10 });
});
afterEach(() => fake.close());

async function checked(over: Partial<CdcJobInputs> = {}): Promise<CdcJobInputs> {
  const r = await provider.check!({}, {
    gatewayUrl: fake.gatewayUrl,
    restUrl: fake.restUrl,
    statements: orders.statements,
    cdcPassword: SECRETS.cdcPassword,
    loaderPassword: SECRETS.loaderPassword,
    pipelineName: orders.pipelineName,
    table: orders.table,
    serverIdRange: orders.serverIdRange,
    savepointDir: `s3://${BUCKET}/flink/savepoints`,
    timeoutMs: 5000,
    providerVersion: "1.0.0",
    s3Endpoint: "http://127.0.0.1:1",
    s3AccessKey: "access-AK9",
    s3SecretKey: "secret-SK7",
    bucket: BUCKET,
    ...over,
  });
  expect(r.failures).toEqual([]);
  return r.inputs as CdcJobInputs;
}

async function create(over: Partial<CdcJobInputs> = {}): Promise<{ inputs: CdcJobInputs; outs: CdcJobOutputs }> {
  const inputs = await checked(over);
  return { inputs, outs: (await provider.create(inputs)).outs as CdcJobOutputs };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(() => { throw new Error("expected a failure"); }, (e: Error) => e);
}

/** The CDC password as the source DDL of a job carries it (a Flink literal: quotes doubled). */
const sourcePassword = (ddl: string[]) => /'password' = '((?:[^']|'')*)'/.exec(ddl.find((d) => /mysql-cdc/.test(d)) ?? "")?.[1]?.replace(/''/g, "'");
/** The fake's MySQL accepts only this CDC password; a job with another one crash-loops, as with real MySQL. */
const mysqlAccepts = (password: string) => (ddl: string[]) => (sourcePassword(ddl) === password ? undefined : ACCESS_DENIED);
const labelPrefixOf = (ddl: string[]) => /'sink\.label-prefix' = '([^']*)'/.exec(ddl.find((d) => /'starrocks'/.test(d)) ?? "")?.[1];
const noSecrets = (text: string) => {
  for (const s of [SECRETS.cdcPassword, SECRETS.loaderPassword, "secret-SK7", "cdc-pw-Zq''81"]) expect(text).not.toContain(s);
};

describe("readiness (F1)", () => {
  test("create returns only once every task runs and a checkpoint completed", async () => {
    const { outs } = await create();
    const job = fake.jobs.get(outs.jobId)!;
    expect(job.vertices.length).toBeGreaterThan(0);
    expect(job.vertices.every((v) => v.status === "RUNNING")).toBe(true);
    expect(job.checkpoints.length).toBeGreaterThanOrEqual(1);
    expect(fake.requestsTo("GET", new RegExp(`^/jobs/${outs.jobId}/checkpoints$`)).length).toBeGreaterThan(0);
  });

  test("a job with no completed checkpoint is not ready: create times out saying so", async () => {
    fake.mode.autoCheckpoint = false;
    const err = await failure(provider.create(await checked({ timeoutMs: 300 })));
    expect(err.message).toMatch(/timed out .* run and complete a checkpoint.*completed no checkpoint yet/);
  });

  test("a crash-looping job (wrong source password) fails create with the root cause, and is cancelled", async () => {
    fake.mode.crashLoopWith = mysqlAccepts("the-real-password");
    const err = await failure(provider.create(await checked()));
    expect(err.message).toMatch(/creating CDC job starrocks-cdc-test-cdc-orders failed: Flink job [0-9a-f]{32} failed after it started.*Access denied for user 'flink_cdc'/);
    noSecrets(err.message);
    const [job] = [...fake.jobs.values()];
    // Failed at the first exception, not after the restart strategy gave up.
    expect(job.failures).toBe(1);
    expect(job.state).toBe("CANCELED");
    // Recorded, so loss recovery can still find any state it left.
    expect(JSON.parse((await store.getText(registryKey(orders.pipelineName)))!).jobIds).toEqual([job.jid]);
  });

  test("refresh reports a RESTARTING job, and a RUNNING job that failed since it was ready, as drift", async () => {
    const { inputs, outs } = await create();
    const clean = await provider.read!(outs.pipelineName, outs);
    expect(clean.props).toMatchObject({ jobState: "RUNNING", lastFailure: "" });
    expect((await provider.diff!(outs.pipelineName, clean.props, inputs)).changes).toBe(false);

    fake.restartJob(outs.jobId, "java.io.IOException: Connection to starrocks-fe:8030 refused");
    const restarting = fake.jobs.get(outs.jobId)!;
    expect(restarting.state).toBe("RESTARTING");
    // read's getJob observes the job, which moves it on to RUNNING with tasks deploying.
    const r1 = await provider.read!(outs.pipelineName, outs);
    expect(r1.props!.lastFailure).toMatch(/Connection to starrocks-fe:8030 refused/);
    expect((await provider.diff!(outs.pipelineName, r1.props, inputs)).changes).toBe(true);

    // Seen while still RESTARTING (the JobManager state), it is drift by its state alone.
    const stateOnly = { ...clean.props, jobState: "RESTARTING" };
    expect((await provider.diff!(outs.pipelineName, stateOnly, inputs)).changes).toBe(true);
  });

  test("the next up acknowledges a job that recovered by itself (checkpointed after the failure)", async () => {
    const { inputs, outs } = await create();
    fake.restartJob(outs.jobId, "java.io.IOException: Connection reset");
    const read = await provider.read!(outs.pipelineName, outs);
    expect(read.props!.lastFailure).not.toBe("");
    await new FlinkClient({ gatewayUrl: fake.gatewayUrl, restUrl: fake.restUrl, timeoutMs: 2000, initialDelayMs: 2 }).waitForJobReady(outs.jobId, 2000, Number.MAX_SAFE_INTEGER);
    const o = (await provider.update!(outs.pipelineName, read.props, inputs)).outs as CdcJobOutputs;
    expect(o.jobId).toBe(outs.jobId);
    expect(o.lastFailure).toBe("");
    expect(fake.requestsTo("PATCH", /.*/)).toHaveLength(0);
    expect(logs.join("\n")).toMatch(/recovered from an earlier failure .*Connection reset/);
    // Acknowledged: the same exception is no longer drift.
    const again = await provider.read!(outs.pipelineName, o);
    expect(again.props!.lastFailure).toBe("");
  });
});

describe("savepoint upgrades (F2)", () => {
  test("new statements that do not plan leave the old job running, untouched", async () => {
    const { outs } = await create();
    fake.mode.failPlanningWith = (ddl) => (ddl.some((d) => d.includes(NEW_OPTION)) ? "org.apache.flink.table.api.ValidationException: Unsupported options found for 'starrocks'." : undefined);
    const err = await failure(provider.update!(outs.pipelineName, outs, await checked({ statements: newStatements })));
    expect(err.message).toMatch(/do not plan in Flink, so job [0-9a-f]{32} keeps running unchanged.*Unsupported options found for 'starrocks'/);
    noSecrets(err.message);
    expect(fake.jobs.get(outs.jobId)!.state).toBe("RUNNING");
    expect(fake.requestsTo("POST", /\/stop$/)).toHaveLength(0);
    expect(fake.submissions()).toHaveLength(1);
    // It was planned with EXPLAIN in a scratch session, which was closed.
    const explain = fake.requestsTo("POST", /\/statements$/).filter((r) => /^EXPLAIN PLAN FOR INSERT/.test(r.body.statement));
    expect(explain).toHaveLength(1);
  });

  test("a planned upgrade explains the new INSERT before stopping the old job", async () => {
    const { outs } = await create();
    await provider.update!(outs.pipelineName, outs, await checked({ statements: newStatements }));
    const order = fake.requests.filter((r) => (r.method === "POST" && /\/stop$/.test(r.path)) || (r.method === "POST" && /^EXPLAIN/.test(r.body?.statement ?? ""))).map((r) => (/\/stop$/.test(r.path) ? "stop" : "explain"));
    expect(order).toEqual(["explain", "stop"]);
  });

  test("a new job that fails after the stop: the old statements come back from the same savepoint, the update fails with the cause", async () => {
    const { inputs, outs } = await create();
    fake.mode.crashLoopWith = (ddl) => (ddl.some((d) => d.includes(NEW_OPTION)) ? "com.starrocks.data.load.stream.exception.StreamLoadFailException: Stream load failed because of error, db: shop, table: orders, label: x" : undefined);
    const err = await failure(provider.update!(outs.pipelineName, outs, await checked({ statements: newStatements })));
    expect(err.message).toMatch(/the new statements failed after job [0-9a-f]{32} stopped: .*StreamLoadFailException.*The previous statements run again as job ([0-9a-f]{32}), restored from s3:\/\/bkt\/flink\/savepoints\/savepoint-/);
    noSecrets(err.message);
    const savepoint = fake.submissions()[1].executionConfig["execution.state-recovery.path"];
    const running = fake.runningJobs();
    expect(running).toHaveLength(1);
    const back = running[0];
    expect(back.executionConfig["execution.state-recovery.path"]).toBe(savepoint);
    expect(back.ddl.some((d) => d.includes(NEW_OPTION))).toBe(false);
    expect(labelPrefixOf(back.ddl)).toBe(`starrocks-cdc-test-cdc-orders-${outs.labelGeneration}`);
    expect(err.message).toContain(back.jid);
    // Pulumi keeps the old state after a failed update; refresh finds the restored job by name, no drift.
    const read = await provider.read!(outs.pipelineName, outs);
    expect(read.props).toMatchObject({ jobId: back.jid, jobState: "RUNNING", lastFailure: "" });
    expect((await provider.diff!(outs.pipelineName, read.props, inputs)).changes).toBe(false);
    expect(JSON.parse((await store.getText(registryKey(orders.pipelineName)))!).jobIds).toContain(back.jid);
  });
});

describe("upgrading a job that is not fully running (F4)", () => {
  test("a RESTARTING job in savepoint mode is cancelled and restored from its newest checkpoint", async () => {
    const { outs } = await create();
    const newest = fake.completeCheckpoint(outs.jobId);
    fake.restartJob(outs.jobId, "java.io.IOException: Connection reset by peer");
    const o = (await provider.update!(outs.pipelineName, outs, await checked({ statements: newStatements }))).outs as CdcJobOutputs;
    expect(fake.requestsTo("POST", /\/stop$/)).toHaveLength(0);
    expect(fake.requestsTo("PATCH", new RegExp(`^/jobs/${outs.jobId}$`))).toHaveLength(1);
    expect(fake.jobs.get(outs.jobId)!.state).toBe("CANCELED");
    expect(o.restoredFrom).toBe(newest);
    expect(fake.submissions().at(-1)!.executionConfig["execution.state-recovery.path"]).toBe(newest);
    expect(fake.jobs.get(o.jobId)!.state).toBe("RUNNING");
    expect(o.labelGeneration).toBe(outs.labelGeneration);
    expect(logs.join("\n")).toMatch(/not fully running; last failure: .*Connection reset by peer.*cancelling it/);
  });
});

describe("exactly-once label generations (F3)", () => {
  test("a fresh start gets a new generation; restores keep it; a stateless upgrade starts a new one", async () => {
    const { outs } = await create();
    expect(outs.labelGeneration).toMatch(/^g[0-9a-z]+$/);
    expect(labelPrefixOf(fake.jobs.get(outs.jobId)!.ddl)).toBe(`starrocks-cdc-test-cdc-orders-${outs.labelGeneration}`);
    // The inputs and outputs keep the prefix as rendered; only what is submitted carries the generation.
    expect(outs.statements[1]).toContain(`'sink.label-prefix' = 'starrocks-cdc-test-cdc-orders'`);

    const sp = (await provider.update!(outs.pipelineName, outs, await checked({ statements: newStatements }))).outs as CdcJobOutputs;
    expect(sp.labelGeneration).toBe(outs.labelGeneration);
    expect(labelPrefixOf(fake.jobs.get(sp.jobId)!.ddl)).toBe(`starrocks-cdc-test-cdc-orders-${outs.labelGeneration}`);

    await new Promise((r) => setTimeout(r, 5));
    const fresh = (await provider.update!(sp.pipelineName, sp, await checked({ statements: orders.statements, upgradeMode: "stateless" }))).outs as CdcJobOutputs;
    expect(fresh.restoredFrom).toBe("");
    expect(fresh.labelGeneration).not.toBe(outs.labelGeneration);
    expect(labelPrefixOf(fake.jobs.get(fresh.jobId)!.ddl)).toBe(`starrocks-cdc-test-cdc-orders-${fresh.labelGeneration}`);
  });

  test("after a lost JobManager, create restores the lost job's state with its generation", async () => {
    const { inputs, outs } = await create();
    fake.completeCheckpoint(outs.jobId);
    fake.restart();
    const o = (await provider.create(inputs)).outs as CdcJobOutputs;
    expect(o.restoredFrom).toMatch(new RegExp(`/flink/checkpoints/${outs.jobId}/chk-`));
    expect(o.labelGeneration).toMatch(/^g[0-9a-z]+$/);
    expect(o.labelGeneration).toBe(outs.labelGeneration);
  });
});

describe("passwords (P2) and errors (F6)", () => {
  test("placeholders are replaced only in what is submitted; outputs and logs keep placeholders", async () => {
    fake.mode.crashLoopWith = mysqlAccepts(SECRETS.cdcPassword);
    const { outs } = await create();
    const job = fake.jobs.get(outs.jobId)!;
    expect(sourcePassword(job.ddl)).toBe(SECRETS.cdcPassword);
    expect(job.ddl.find((d) => /'starrocks'/.test(d))).toContain(`'password' = '${SECRETS.loaderPassword}'`);
    expect(outs.statements).toEqual(orders.statements);
    expect(outs.statements.join("\n")).toContain("${CDC_PASSWORD}");
    noSecrets(JSON.stringify({ ...outs, cdcPassword: "", loaderPassword: "", s3SecretKey: "" }));
    // A changed password restarts the job with it.
    fake.mode.crashLoopWith = mysqlAccepts("rotated-pw");
    const o = (await provider.update!(outs.pipelineName, outs, await checked({ cdcPassword: "rotated-pw" }))).outs as CdcJobOutputs;
    expect(sourcePassword(fake.jobs.get(o.jobId)!.ddl)).toBe("rotated-pw");
    noSecrets(logs.join("\n"));
  });

  test("errors that echo the submitted statements are scrubbed of the substituted passwords", async () => {
    fake.mode.failPlanningWith = (ddl) => `org.apache.flink.table.api.ValidationException: Unable to create a source for reading table with options: ${ddl.join(" ")}`;
    const err = await failure(provider.create(await checked()));
    expect(err.message).toMatch(/Unable to create a source/);
    noSecrets(err.message);
  });

  test("check asks for the password a placeholder needs", async () => {
    const r = await provider.check!({}, { ...(await checked()), cdcPassword: "" });
    expect(r.failures!.map((f) => f.property)).toEqual(["cdcPassword"]);
  });

  test("cancelling a job that already ended is refused by Flink (409); the client reports it ended", async () => {
    const { outs } = await create();
    const client = new FlinkClient({ gatewayUrl: fake.gatewayUrl, restUrl: fake.restUrl, timeoutMs: 2000, initialDelayMs: 2 });
    fake.failJob(outs.jobId, "java.lang.RuntimeException: boom");
    await expect(client.cancelJob(outs.jobId)).resolves.toBe(false);
    expect(fake.requestsTo("PATCH", /.*/).at(-1)!.status).toBe(409);
  });

  test("a multi-KB REST error shows its first lines only", async () => {
    const trace = ["org.apache.flink.runtime.rest.handler.RestHandlerException: Job cancellation failed: boom", ...Array.from({ length: 200 }, (_, i) => `\tat org.apache.flink.Frame${i}.call(Frame.java:${i})`)].join("\n");
    const server = http.createServer((_req, res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [trace, `${trace}\nCaused by: java.lang.IllegalStateException: the real reason\n${trace}`] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const client = new FlinkClient({ gatewayUrl: url, restUrl: url, timeoutMs: 500, initialDelayMs: 2 });
      const err = await failure(client.cancelJob("0".repeat(32)));
      expect(trace.length).toBeGreaterThan(5000);
      expect(err.message.length).toBeLessThan(1500);
      expect(err.message).toMatch(/HTTP 500: org\.apache\.flink\.runtime\.rest\.handler\.RestHandlerException: Job cancellation failed: boom \| at org\.apache\.flink\.Frame0/);
      expect(err.message).toContain("Caused by: java.lang.IllegalStateException: the real reason");
      expect(err.message).not.toContain("Frame199");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
