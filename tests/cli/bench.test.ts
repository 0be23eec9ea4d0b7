import { combine } from "../../cli/commands/bench";
import { CommitTimeline, LatencyRecorder } from "../../cli/measure";
import { latencyChart, throughputChart } from "../../cli/report";
import { findTable } from "../../catalog/tables";
import { RunTotals, summarizeRun } from "../../cli/workload";

/** A finished run of one table: `rows` single-row commits, one per ms from `start`, each seen `lag` ms later. */
function recordRun(recorder: LatencyRecorder, table: string, start: number, rows: number, lag: number): RunTotals {
  recorder.begin(start);
  for (let i = 0; i < rows; i++) recorder.add({ table, committedAt: start + i, visibleAt: start + i + lag, rows: 1 });
  return { opts: { tables: [findTable(table)] }, inserted: new Map([[table, rows]]), totalInserted: rows, startedAt: start, endedAt: start + rows };
}

describe("bench per-table: sequential runs share one recorder", () => {
  test("each run sees only its own table; the combined result spans both", () => {
    const recorder = new LatencyRecorder();
    const first = summarizeRun(recordRun(recorder, "orders", 1_000, 400, 5), recorder, 0);
    const second = summarizeRun(recordRun(recorder, "customers", 10_000, 100, 45), recorder, 0);

    expect(first).toMatchObject({ rows: 400, visible: 400, insertSeconds: 0.4, rowsPerSec: 1000, latencyMs: { count: 400, p50: 5, max: 5 } });
    // Visible 399 ms + 5 ms after the first commit.
    expect(first.catchUpSeconds).toBe(0.404);
    expect(second).toMatchObject({ rows: 100, visible: 100, latencyMs: { count: 100, min: 45, max: 45 } });
    expect(second.catchUpSeconds).toBe(0.144);
    expect(second.tables.map((t) => t.table)).toEqual(["customers"]);

    const all = combine([first, second], recorder);
    expect(all).toMatchObject({ rows: 500, visible: 500, notVisible: 0, insertSeconds: 0.5, rowsPerSec: 1000 });
    expect(all.latencyMs).toEqual({ count: 500, min: 5, p50: 5, p95: 45, p99: 45, max: 45 });
    expect(all.catchUpSeconds).toBe(0.548);
    expect(all.tables.map((t) => t.table)).toEqual(["orders", "customers"]);
  });

  test("rows still pending leave catch-up undefined and are counted as not visible", () => {
    const recorder = new LatencyRecorder();
    const run = summarizeRun(recordRun(recorder, "orders", 0, 10, 3), recorder, 7);
    expect(run.notVisible).toBe(7);
    expect(run.catchUpSeconds).toBeUndefined();
    expect(combine([run, summarizeRun(recordRun(recorder, "products", 50, 1, 1), recorder, 0)], recorder).catchUpSeconds).toBeUndefined();
  });
});

describe("report charts", () => {
  const xs = (svg: string, attr: string) => [...svg.matchAll(new RegExp(`${attr}="([\\d.]+)"`, "g"))].map((m) => Number(m[1]));

  test("every latency dot lies inside the plot, even for a run of one early commit", () => {
    for (const commits of [[2], [0, 990, 1990], Array.from({ length: 5000 }, (_, i) => i * 7)]) {
      const line = new CommitTimeline(0);
      for (const c of commits) line.add(c, 10 + (c % 13), 1);
      const cx = xs(latencyChart(line), "cx");
      expect(cx.length).toBeGreaterThan(0);
      for (const x of cx) {
        expect(x).toBeGreaterThanOrEqual(60);
        expect(x).toBeLessThanOrEqual(880);
      }
    }
  });

  test("the throughput line shows rows per second by commit time", () => {
    const line = new CommitTimeline(0);
    // 200 rows/s for 3 s; the commit at exactly 3 s opens a fourth second that is too short to plot.
    for (let t = 0; t <= 3000; t += 10) line.add(t, 5, 2);
    const svg = throughputChart(line);
    const points = /points="([^"]+)"/.exec(svg)![1].split(" ").map((p) => p.split(",").map(Number));
    expect(points).toHaveLength(3);
    // 200 rows/s is the axis maximum (a round number), so every point sits on the top edge of the plot.
    expect(svg).toContain(">200</text>");
    for (const [, y] of points) expect(y).toBe(20);
  });
});
