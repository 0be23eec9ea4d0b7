/**
 * The real Flink 1.20.3 cluster of the tier: the SQL Gateway answers, a rendered mysql-cdc source runs
 * against a real MariaDB binlog, checkpoints land on S3 through the flink-s3-fs-presto plugin, and the
 * loss-recovery listing (providers/cdcJob.ts newestRetainedState over minioObjectStore) finds them.
 */
import { FlinkClient } from "../../clients/flink";
import { minioObjectStore, newestRetainedState } from "../../providers/cdcJob";
import { PIPELINE_NAME_KEY, renderCdcJob } from "../../render/flinkJob";
import { findTable } from "../../catalog/tables";
import { describeReal, realTier, RealTier } from "./harness";
import { CdcSource, startCdcSource } from "./harness/source";

/** The rendered job with its StarRocks sink swapped for Flink's blackhole connector (same schema). */
function withBlackholeSink(statements: string[]): string[] {
  const [source, sink, insert] = statements;
  const blackhole = sink.replace(/WITH \([\s\S]*\)$/, "WITH (\n  'connector' = 'blackhole'\n)");
  if (blackhole === sink) throw new Error(`rendered sink statement has no WITH clause: ${sink}`);
  return [source, blackhole, insert];
}

describeReal("real Flink cluster", () => {
  let tier: RealTier;
  let flink: FlinkClient;
  let source: CdcSource | undefined;

  beforeAll(async () => {
    tier = await realTier();
    flink = new FlinkClient({ gatewayUrl: tier.gatewayUrl, restUrl: tier.restUrl, timeoutMs: 90_000 });
  });
  afterAll(async () => {
    await tier?.cancelAllJobs();
    await source?.stop();
  });

  test("the SQL Gateway answers /v1/info with Flink 1.20.3", async () => {
    const info = await flink.getInfo();
    expect(info.version).toBe("1.20.3");
    expect(info.productName).toBe("Apache Flink");
  });

  test("a rendered mysql-cdc job runs, checkpoints to S3, and loss recovery's listing finds the checkpoint", async () => {
    source = await startCdcSource({ tables: ["orders"], sampleRows: 5 });
    const spec = renderCdcJob(source.cfg, findTable("orders"), { cdcPassword: source.cdcPassword, loaderPassword: "unused" });
    const statements = withBlackholeSink(spec.statements);

    const session = await flink.openSession(spec.pipelineName);
    let jobId: string | undefined;
    try {
      for (const s of statements) jobId = (await flink.runStatement(session, s, { [PIPELINE_NAME_KEY]: spec.pipelineName })).jobID ?? jobId;
    } finally {
      await flink.closeSession(session).catch(() => undefined);
    }
    expect(jobId).toMatch(/^[0-9a-f]{32}$/);
    await flink.waitForJobRunning(jobId!, 90_000);
    expect((await flink.findJobsByName(spec.pipelineName)).map((j) => j.jid)).toContain(jobId);

    // The rendered interval is 10s; wait for a completed checkpoint with an external path.
    const deadline = Date.now() + 90_000;
    let external: string | undefined;
    while (!external && Date.now() < deadline) {
      external = await flink.latestCheckpoint(jobId!);
      if (!external) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(external).toMatch(new RegExp(`^${tier.checkpointDir}/${jobId}/chk-\\d+$`));

    const store = minioObjectStore({ ...tier.s3 });
    const keys = (await store.list(`flink/checkpoints/${jobId}/`)).map((o) => o.key);
    expect(keys).toContain(`${external!.replace(`s3://${tier.s3.bucket}/`, "")}/_metadata`);

    const retained = await newestRetainedState(store, tier.checkpointDir, tier.savepointDir, [jobId!]);
    expect(retained).toMatchObject({ kind: "checkpoint", jobId });
    // Newest at the time of listing: the job keeps checkpointing, so it is the one seen or a later one.
    const seq = (p: string) => Number(/chk-(\d+)$/.exec(p)![1]);
    expect(seq(retained!.path)).toBeGreaterThanOrEqual(seq(external!));
  });

  test("a SIGKILLed TaskManager is gone, and a started one registers", async () => {
    const ids = async () => (((await (await fetch(`${tier.restUrl}/taskmanagers`)).json()) as { taskmanagers: Array<{ id: string }> }).taskmanagers).map((t) => t.id);
    const before = await ids();
    expect(before.length).toBeGreaterThanOrEqual(1);
    await tier.killTaskManager();
    await tier.startTaskManager();
    expect((await ids()).some((id) => !before.includes(id))).toBe(true);
  });

  test("a SIGKILLed JobManager comes back on the same ports, without the jobs it ran", async () => {
    const jobsBefore = (await flink.listJobsOverview()).length;
    expect(jobsBefore).toBeGreaterThanOrEqual(1);
    await tier.killJobManager();
    await expect(fetch(`${tier.restUrl}/overview`)).rejects.toThrow();
    await tier.startJobManager({ freshTaskManager: true });
    const overview = (await (await fetch(`${tier.restUrl}/overview`)).json()) as { taskmanagers: number };
    expect(overview.taskmanagers).toBeGreaterThanOrEqual(1);
    // A session cluster without HA keeps no job store: the restarted JobManager knows no job.
    expect(await flink.listJobsOverview()).toEqual([]);
    expect((await flink.getInfo()).version).toBe("1.20.3");
  });
});
