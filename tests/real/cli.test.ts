/**
 * The `cdc` CLI through the real pipeline: --source at the MariaDB source, --sink at the StarRocks
 * stand-in's MySQL endpoint, the five catalog tables and cdc_heartbeat replicated by the project's CDC
 * jobs on a real Flink 1.20 cluster. Latencies here are real: binlog read, Flink, the sink's flush
 * interval (sinkFlushIntervalMs, 1 s by default) and a Stream Load.
 */
import { SELECTABLE_TABLES } from "../../catalog/tables";
import { runCli, runInProcess } from "../cli/run-cli";
import { describeReal, realTier } from "./harness";
import { Jobs, Sink, Source, cancelJobs, deployJobs, describeDiffs, flinkEndpoints, pipelineConfig, startSink, startSource, waitForConvergence } from "./pipeline";

interface Stats { count: number; min: number; p50: number; p95: number; p99: number; max: number }

/** Latency through Flink with a 1 s flush interval: well above a poll interval, below the timeout. */
function expectRealLatency(s: Stats, rows: number): void {
  expect(s.count).toBe(rows);
  expect(s.min).toBeGreaterThan(0);
  expect(s.min).toBeLessThanOrEqual(s.p50);
  expect(s.p50).toBeLessThanOrEqual(s.p99);
  expect(s.p99).toBeLessThanOrEqual(s.max);
  expect(s.max).toBeLessThan(30_000);
}

describeReal("cdc CLI against the real pipeline", () => {
  let sink: Sink;
  let source: Source;
  let jobs: Jobs;
  let env: Record<string, string>;

  beforeAll(async () => {
    const tier = await realTier();
    [sink, source] = await Promise.all([startSink(), startSource({ tables: SELECTABLE_TABLES, sampleRows: 5 })]);
    const cfg = pipelineConfig({ stack: "cli", tables: SELECTABLE_TABLES, source, sink });
    jobs = await deployJobs(cfg, source, sink, flinkEndpoints(tier));
    const snapshot = await waitForConvergence([...SELECTABLE_TABLES, "cdc_heartbeat"], source, sink.query, 120_000);
    expect(describeDiffs(snapshot)).toBe("");
    env = { CDC_SOURCE_URL: source.url, CDC_SINK_URL: sink.mysqlUrl };
  }, 300_000);

  afterAll(async () => {
    if (jobs) await cancelJobs(jobs.client, jobs.specs.map((s) => s.pipelineName));
    await Promise.all([source?.close(), sink?.stop()]);
  }, 120_000);

  test("latency single (the binary): one orders row becomes visible, exit 0", async () => {
    const r = await runCli(["latency", "single", "--json", "--timeout", "60"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ mode: "single", rows: 1, visible: 1, notVisible: 0 });
    expectRealLatency(d.latencyMs, 1);
  }, 90_000);

  test("latency multi: one row in each of the five tables, each visible", async () => {
    const r = await runInProcess(["latency", "multi", "--json", "--timeout", "60"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.tables.map((t: { table: string }) => t.table)).toEqual([...SELECTABLE_TABLES]);
    for (const t of d.tables) expect({ table: t.table, visible: t.visible }).toEqual({ table: t.table, visible: 1 });
    expectRealLatency(d.latencyMs, 5);
  }, 90_000);

  test("latency batch: one INSERT of 500 rows, every row counted", async () => {
    const r = await runInProcess(["latency", "batch", "--rows", "500", "--json", "--timeout", "60"], env);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ mode: "batch", rows: 500, visible: 500, notVisible: 0 });
    expectRealLatency(d.latencyMs, 500);
  }, 90_000);

  test("bench burst: 300 rows per table with 2 writers, all visible, per-table figures", async () => {
    const r = await runInProcess(["bench", "burst", "-n", "300", "-w", "2", "--json", "--timeout", "90"], env);
    // stderr carries the progress lines; an error would be a `cdc:` line.
    expect(r.stderr).not.toMatch(/^cdc:/m);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d).toMatchObject({ scenario: "burst", rows: 1500, visible: 1500, notVisible: 0 });
    expect(d.tables).toHaveLength(5);
    for (const t of d.tables) expect({ table: t.table, rows: t.rows, visible: t.visible }).toEqual({ table: t.table, rows: 300, visible: 300 });
    expectRealLatency(d.latencyMs, 1500);
    expect(d.catchUpSeconds).toBeGreaterThan(0);
  }, 150_000);

  test("counts: source and sink converge to the same numbers, equal to the source's own count", async () => {
    const deadline = Date.now() + 60_000;
    let d: { tables: Array<{ table: string; source: number; sink: number; difference: number; toolRows: number }>; total: { difference: number } };
    for (;;) {
      const r = await runInProcess(["counts", "--json"], env);
      expect(r.code).toBe(0);
      d = JSON.parse(r.stdout);
      if (d.total.difference === 0 || Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 1000));
    }
    expect(d.total.difference).toBe(0);
    for (const t of d.tables) {
      const [{ n }] = await source.query<{ n: string }>(`SELECT COUNT(*) AS n FROM \`${t.table}\``);
      expect({ table: t.table, source: t.source, sink: t.sink }).toEqual({ table: t.table, source: Number(n), sink: Number(n) });
      // The earlier tests' rows are the tool's, the sample rows are not.
      expect(t.toolRows).toBeGreaterThan(0);
      expect(t.toolRows).toBeLessThan(t.source);
    }
  }, 90_000);

  test("monitor --mode status: exit 0 while the jobs run, exit 1 once the heartbeat's job is stopped", async () => {
    const fresh = await runCli(["monitor", "--mode", "status", "--max-latency", "30"], env);
    expect(fresh.stderr).toBe("");
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/^fresh: probe visible in the sink after [\d.]+ (ms|s) \(limit 30 s\)$/m);

    await cancelJobs(jobs.client, [jobs.specs.find((s) => s.table === "cdc_heartbeat")!.pipelineName]);
    const stale = await runCli(["monitor", "--mode", "status", "--max-latency", "5"], env);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain("stale: probe not visible in the sink after 5 s");
  }, 120_000);
});
