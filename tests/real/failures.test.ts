/**
 * A rendered CDC job that cannot work must fail where an operator sees it (submission or start), not
 * run or restart forever while the provider reports success.
 *
 * With a wrong source password the job reaches RUNNING and mysql-cdc's split enumerator fails at once
 * ("Access denied for user 'flink_cdc'"). Under Flink 1.20's default restart strategy with checkpointing on
 * (exponential-delay, unbounded attempts) it would go back to RUNNING forever; the rendered failure-rate
 * strategy (render/flink.ts RESTART_STRATEGY) ends it in FAILED, and the CdcJob provider's readiness
 * (FlinkClient.waitForJobReady) fails at its first exception (tests/real/cdcJob.test.ts).
 */
import { findTable } from "../../catalog/tables";
import { FlinkClient, FlinkJobFailedError, TERMINAL_JOB_STATES } from "../../clients/flink";
import { PIPELINE_NAME_KEY, renderCdcJob } from "../../render/flinkJob";
import { describeReal, realTier, RealTier } from "./harness";
import { CdcSource, startCdcSource } from "./harness/source";

describeReal("rendered CDC job that cannot read its source", () => {
  let tier: RealTier;
  let flink: FlinkClient;
  let source: CdcSource | undefined;

  beforeAll(async () => {
    tier = await realTier();
    flink = new FlinkClient({ gatewayUrl: tier.gatewayUrl, restUrl: tier.restUrl, timeoutMs: 60_000 });
    source = await startCdcSource({ tables: ["customers"], sampleRows: 3 });
  });
  afterAll(async () => {
    await tier?.cancelAllJobs();
    await source?.stop();
  });

  test("a wrong source password fails at submission or start, with MySQL's access-denied error", async () => {
    const spec = renderCdcJob(source!.cfg, findTable("customers"), { cdcPassword: "not-the-password", loaderPassword: "unused" });
    const [src, sink, insert] = spec.statements;
    const statements = [src, sink.replace(/WITH \([\s\S]*\)$/, "WITH (\n  'connector' = 'blackhole'\n)"), insert];
    const session = await flink.openSession(spec.pipelineName);
    let outcome: string;
    try {
      let jobId: string | undefined;
      for (const s of statements) jobId = (await flink.runStatement(session, s, { [PIPELINE_NAME_KEY]: spec.pipelineName })).jobID ?? jobId;
      await flink.waitForJobRunning(jobId!, 60_000);
      // RUNNING is not enough: the job must not keep running (or restarting) on a source it cannot read.
      // failure-rate: the 4th failure within 5 min, 10 s apart, fails the job (about 30-40 s).
      const state = await flink.waitForJobState(jobId!, TERMINAL_JOB_STATES, 90_000);
      outcome = `job reached ${state}: ${(await flink.jobFailureCause(jobId!)) ?? ""}`;
    } catch (err) {
      outcome = err instanceof FlinkJobFailedError ? `job ${err.state}: ${err.cause}` : `submission failed: ${(err as Error).message}`;
    } finally {
      await flink.closeSession(session).catch(() => undefined);
    }
    expect(outcome).toMatch(/Access denied for user 'flink_cdc'/);
    expect(outcome).not.toContain("not-the-password");
  });
});
