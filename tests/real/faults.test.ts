/**
 * Fault handling of the real pipeline: MariaDB (binlog) -> the project's CDC jobs on a real Flink 1.20
 * cluster -> the StarRocks stand-in. One source, one stand-in and one set of jobs serve every case, and a
 * writer inserts, updates and deletes rows in the source throughout. After each fault the writer pauses
 * and the sink must converge to exactly the source's rows, compared key by key and value by value.
 *
 * The cases run in order and each leaves the pipeline healthy for the next.
 */
import { TABLES, findTable } from "../../catalog/tables";
import { CdcJobOutputs } from "../../providers/cdcJob";
import { describeReal, realTier, RealTier } from "./harness";
import {
  Jobs, Sink, Source, SourceWriter, cancelJobs, deployJobs, describeDiffs, diffTable, flinkEndpoints, jobInputs, pipelineConfig,
  startSink, startSource, waitForConvergence,
} from "./pipeline";

/** Two user tables and the heartbeat: three jobs, enough to show per-job recovery without filling the machine. */
const TABLES_UNDER_TEST = ["orders", "customers"];
const REPLICATED = [...TABLES_UNDER_TEST, "cdc_heartbeat"];
const CONVERGE_MS = 120_000;
/**
 * After a source restart the binlog client reconnects from its keep-alive thread (Debezium
 * MySqlConnectorConfig KEEP_ALIVE_INTERVAL_MS, `connect.keep.alive.interval.ms`, default one minute), so
 * rows written after the restart arrive up to about 100 s later; measured here: 96 s.
 */
const SOURCE_RECONNECT_MS = 180_000;

describeReal("CDC pipeline on real Flink survives faults without losing rows", () => {
  let tier: RealTier;
  let sink: Sink;
  let source: Source;
  let jobs: Jobs;
  let writer: SourceWriter;
  let lastInserts = 0;

  beforeAll(async () => {
    tier = await realTier();
    const all = TABLES.map((t) => t.name);
    [sink, source] = await Promise.all([startSink(all), startSource({ tables: all.filter((t) => t !== "cdc_heartbeat"), sampleRows: 20 })]);
    const cfg = pipelineConfig({ stack: "faults", tables: TABLES_UNDER_TEST, source, sink });
    jobs = await deployJobs(cfg, source, sink, flinkEndpoints(tier));
    // The snapshot (sample rows) first, so every later difference is the binlog's.
    const snapshot = await waitForConvergence(REPLICATED, source, sink.query, CONVERGE_MS);
    expect(describeDiffs(snapshot)).toBe("");
    writer = new SourceWriter(source, TABLES_UNDER_TEST.map(findTable), 20);
    writer.start();
  }, 300_000);

  afterAll(async () => {
    await writer?.stop().catch(() => undefined);
    if (jobs) await cancelJobs(jobs.client, [...jobs.specs.map((s) => s.pipelineName), "starrocks-cdc-faults-badpw-cdc-products"]);
    await Promise.all([source?.close(), sink?.stop()]);
  }, 120_000);

  /** Pauses the writer, waits for the sink to hold exactly the source's rows, resumes the writer. */
  async function expectNothingLost(convergeMs = CONVERGE_MS): Promise<void> {
    await writer.pause();
    try {
      // The writer really wrote during the fault, so there was something to lose.
      expect(writer.stats.inserts).toBeGreaterThan(lastInserts);
      lastInserts = writer.stats.inserts;
      const diffs = await waitForConvergence(REPLICATED, source, sink.query, convergeMs);
      expect(describeDiffs(diffs)).toBe("");
    } finally {
      writer.resume();
    }
  }

  /** Waits until the newest orders row the writer committed is in the sink: the pipeline is flowing now. */
  async function flowing(): Promise<void> {
    const [{ k }] = await source.query<{ k: string }>("SELECT CAST(MAX(order_id) AS CHAR) AS k FROM orders");
    const deadline = Date.now() + 60_000;
    while ((await sink.query<{ n: number }>(`SELECT COUNT(*) AS n FROM orders WHERE order_id = ${k}`))[0].n === 0) {
      if (Date.now() > deadline) throw new Error(`orders row ${k} did not reach the sink within 60 s: the pipeline is not flowing`);
      await sleep(250);
    }
  }

  /**
   * Waits until every job has completed a checkpoint after this call, so the fault hits jobs with state
   * that covers rows the writer wrote (a job without one restarts from a fresh snapshot instead).
   */
  async function freshCheckpoints(): Promise<void> {
    const before = new Map<string, number>();
    for (const [table, outs] of jobs.outputs) before.set(table, (await checkpoints(tier.restUrl, outs.jobId)).completed);
    for (const [table, outs] of jobs.outputs) {
      const deadline = Date.now() + 60_000;
      while ((await checkpoints(tier.restUrl, outs.jobId)).completed <= before.get(table)!) {
        if (Date.now() > deadline) throw new Error(`job of ${table} completed no checkpoint within 60 s`);
        await sleep(500);
      }
    }
  }

  async function jobsRunning(): Promise<void> {
    for (const [table, outs] of jobs.outputs) {
      await jobs.client.waitForJobRunning(outs.jobId, 120_000).catch((err) => {
        throw new Error(`job of ${table}: ${(err as Error).message}`);
      });
    }
  }

  test("a killed TaskManager: the jobs restart from their checkpoints once a TaskManager is back", async () => {
    const before = new Map([...jobs.outputs].map(([t, o]) => [t, o.jobId]));
    await freshCheckpoints();
    await tier.killTaskManager();
    await sleep(5000);
    await tier.startTaskManager();
    await expectNothingLost();
    // The same jobs recovered (no resubmission): the JobManager kept them and restarted their tasks.
    for (const [table, jobId] of before) {
      const job = await jobs.client.getJob(jobId);
      const restored = (await checkpoints(tier.restUrl, jobId)).restored;
      expect({ table, state: job?.state, restored }).toEqual({ table, state: "RUNNING", restored: expect.stringMatching(new RegExp(`^${escapeRe(tier.checkpointDir)}/${jobId}/chk-\\d+$`)) });
    }
  }, 300_000);

  test("a killed and restarted JobManager: read reports the jobs gone, create restores each from its newest retained checkpoint", async () => {
    await freshCheckpoints();
    await tier.killJobManager();
    await tier.startJobManager();
    for (const spec of jobs.specs) {
      const old = jobs.outputs.get(spec.table)!;
      const read = await jobs.provider.read!(spec.pipelineName, old);
      expect({ table: spec.table, id: read.id }).toEqual({ table: spec.table, id: "" });
    }
    // `pulumi up --refresh` after the refresh dropped them: create again, from the same inputs.
    await Promise.all(
      jobs.specs.map(async (spec) => {
        const old = jobs.outputs.get(spec.table)!;
        const r = await jobs.provider.create!(jobs.inputs(spec.table));
        const outs = r.outs as CdcJobOutputs;
        expect(outs.jobId).not.toBe(old.jobId);
        expect(outs.restoredFrom).toMatch(new RegExp(`^${escapeRe(tier.checkpointDir)}/${old.jobId}/chk-\\d+$`));
        expect(outs.jobHistory).toEqual([...old.jobHistory, outs.jobId]);
        jobs.outputs.set(spec.table, outs);
      }),
    );
    expect(jobs.log.filter((l) => /resuming from checkpoint/.test(l))).toHaveLength(jobs.specs.length);
    await expectNothingLost();
  }, 300_000);

  test("a restarted source MariaDB: the binlog readers reconnect and carry on", async () => {
    const before = new Map([...jobs.outputs].map(([t, o]) => [t, o.jobId]));
    await flowing();
    await source.server.pause();
    await sleep(8000);
    await source.server.start();
    // Rows written after the restart must arrive too, not only those from before it.
    const insertsAtRestart = writer.stats.inserts;
    await sleep(5000);
    expect(writer.stats.inserts).toBeGreaterThan(insertsAtRestart);
    expect(writer.stats.reconnects).toBeGreaterThan(0);
    await expectNothingLost(SOURCE_RECONNECT_MS);
    for (const [table, jobId] of before) expect({ table, state: (await jobs.client.getJob(jobId))?.state }).toEqual({ table, state: "RUNNING" });
  }, 300_000);

  test("the sink refuses loads for 30 s: nothing arrives meanwhile, then the backlog drains", async () => {
    await flowing();
    const failUntil = Date.now() + 30_000;
    sink.failLoadsFor(30_000, "error");
    // The pipeline was flowing a moment ago, so rows of the last seconds missing now are held back by the fault.
    await sleep(20_000);
    const during = await diffTable(findTable("orders"), source, sink.query);
    expect(during.missing.length).toBeGreaterThan(0);
    await sleep(Math.max(0, failUntil - Date.now()));
    await expectNothingLost();
    await jobsRunning();
  }, 300_000);
});

/** Completed checkpoints of a job and the path it was last restored from (JobManager REST /checkpoints). */
async function checkpoints(restUrl: string, jobId: string): Promise<{ completed: number; restored?: string }> {
  const res = await fetch(`${restUrl}/jobs/${jobId}/checkpoints`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /jobs/${jobId}/checkpoints: HTTP ${res.status}`);
  const json: any = await res.json();
  return { completed: Number(json?.counts?.completed ?? 0), restored: json?.latest?.restored?.external_path ?? undefined };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
