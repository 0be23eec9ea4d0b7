/**
 * The CdcJob provider where real Flink differs from "RUNNING means fine", against the Flink FAKE
 * (tests/fakes/flink.ts), for what the real cluster (tests/real/) cannot produce on demand: a job with no
 * completed checkpoint (create times out), a job caught exactly while RESTARTING (cancelled and restored from
 * its newest checkpoint), refresh drift and "recovered by itself" timing, a 409 on cancel, a multi-KB REST
 * error, and what is submitted (label generations in the sink DDL, password placeholders and scrubbing).
 * Readiness, the wrong-password crash loop, unplannable statements, EXPLAIN before the stop and the rollback
 * after a failed new job are proven against real Flink in tests/real/cdcJob.test.ts.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { FlinkClient } from "../../clients/flink";
import { resolveConfig } from "../../config";
import { CdcJobInputs, CdcJobOutputs, createCdcJobProvider } from "../../providers/cdcJob";
import { PLACEHOLDER_SECRETS, renderCdcJobs } from "../../render/flinkJob";
import { FlinkFake, MemoryObjectStore } from "../fakes/flink";
import { fakeJobInputs, startFakeProvider } from "./fakeProvider";

const cfg = resolveConfig({ tables: ["orders"] }, { stack: "test" });
const SECRETS = { cdcPassword: "cdc-pw-Zq'81", loaderPassword: "loader-pw-Xy72" };
const [orders] = renderCdcJobs(cfg, PLACEHOLDER_SECRETS);
const newStatements = renderCdcJobs(resolveConfig({ tables: ["orders"], sinkFlushIntervalMs: 5000 }, { stack: "test" }), PLACEHOLDER_SECRETS)[0].statements;
const BUCKET = "bkt";
const ACCESS_DENIED = "java.sql.SQLException: Access denied for user 'flink_cdc'@'10.0.0.7' (using password: YES)";

let fake: FlinkFake;
let store: MemoryObjectStore;
let logs: string[];
let provider: ReturnType<typeof createCdcJobProvider>;

beforeEach(async () => {
  ({ store, fake, logs, provider } = await startFakeProvider(BUCKET));
});
afterEach(() => fake.close());

async function checked(over: Partial<CdcJobInputs> = {}): Promise<CdcJobInputs> {
  const r = await provider.check!({}, fakeJobInputs(fake, orders, SECRETS, BUCKET, over));
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
  test("a job with no completed checkpoint is not ready: create times out saying so", async () => {
    fake.mode.autoCheckpoint = false;
    const err = await failure(provider.create(await checked({ timeoutMs: 300 })));
    expect(err.message).toMatch(/timed out .* run and complete a checkpoint.*completed no checkpoint yet/);
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
