import { CommitTimeline, LatencyHistogram, LatencyRecorder, LatencyStats, LatencyTracker, Sample, SinkPoller, TIMELINE_MAX_SLOTS, latencyBucket, latencyOf } from "../../cli/measure";
import { STREAM_STRIDE, TOOL_KEY_MIN, insertSql, insertTemplate, maxKeysSql, runBase, streamRange } from "../../cli/sql";
import { findTable } from "../../catalog/tables";

/** The reference: nearest-rank percentile of an ascending list, the value at rank ceil(p/100 * n). */
function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new Error("percentile of an empty list");
  if (p <= 0) return sorted[0];
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** Statistics of samples as the CLI computes them: through a histogram, a group of n rows counting n times. */
function summarize(samples: readonly Sample[]): LatencyStats | undefined {
  const h = new LatencyHistogram();
  for (const s of samples) h.add(latencyOf(s), s.rows);
  return h.stats();
}

/** A recorder that also keeps every sample, so tests can look at exactly what the tracker resolved. */
class KeepingRecorder extends LatencyRecorder {
  readonly all: Sample[] = [];
  override add(s: Sample): void {
    super.add(s);
    this.all.push(s);
  }
}

function keepingTracker(): { t: LatencyTracker; samples: Sample[] } {
  const r = new KeepingRecorder();
  return { t: new LatencyTracker(r), samples: r.all };
}

describe("reference percentile (nearest rank), the oracle for the histogram", () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  test("picks the value at rank ceil(p/100*n), never interpolates", () => {
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 51)).toBe(3);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([3, 9], 0)).toBe(3);
  });
  test("an empty list is an error, not NaN", () => {
    expect(() => percentile([], 50)).toThrow(/empty/);
  });
});

describe("summarize", () => {
  test("weights a group of rows by its size", () => {
    // 1 row at 10 ms, 98 rows at 20 ms, 1 row at 500 ms
    const s = summarize([
      { table: "t", committedAt: 0, visibleAt: 10, rows: 1 },
      { table: "t", committedAt: 0, visibleAt: 20, rows: 98 },
      { table: "t", committedAt: 0, visibleAt: 500, rows: 1 },
    ])!;
    expect(s).toEqual({ count: 100, min: 10, p50: 20, p95: 20, p99: 20, max: 500 });
  });
  test("matches percentile() over the expanded rows", () => {
    const samples = Array.from({ length: 37 }, (_, i) => ({ table: "t", committedAt: i, visibleAt: i + ((i * 17) % 23), rows: 1 + (i % 3) }));
    const flat = samples.flatMap((s) => Array(s.rows).fill(s.visibleAt - s.committedAt) as number[]).sort((a, b) => a - b);
    const s = summarize(samples)!;
    expect(s.count).toBe(flat.length);
    for (const [p, v] of [[50, s.p50], [95, s.p95], [99, s.p99], [100, s.max]] as const) expect(v).toBe(percentile(flat, p));
  });
  test("nothing to summarize", () => {
    expect(summarize([])).toBeUndefined();
  });
});

describe("LatencyTracker", () => {
  test("the highest key seen resolves every earlier row of that stream only", () => {
    const { t, samples } = keepingTracker();
    t.register("orders", 0, 100n, 100n, 10);
    t.register("orders", 0, 101n, 101n, 20);
    t.register("orders", 1, 500n, 500n, 15);
    t.observe("orders", 0, 100n, 30);
    expect(samples).toEqual([{ table: "orders", committedAt: 10, visibleAt: 30, rows: 1 }]);
    expect(t.pendingCount()).toBe(2);
    t.observe("orders", 1, null, 35); // nothing of stream 1 yet
    t.observe("orders", 0, 101n, 40);
    t.observe("orders", 1, 500n, 45);
    expect(samples.map((s) => s.visibleAt - s.committedAt)).toEqual([20, 20, 30]);
    expect(t.pendingCount()).toBe(0);
    expect(t.waiting().size).toBe(0);
  });
  test("a batch is one group; a partly visible batch counts what is there", () => {
    const { t, samples } = keepingTracker();
    t.register("t", 0, 1n, 10n, 0);
    t.observe("t", 0, 4n, 5);
    expect(samples).toEqual([{ table: "t", committedAt: 0, visibleAt: 5, rows: 4 }]);
    expect(t.pendingCount()).toBe(6);
    t.observe("t", 0, 10n, 9);
    expect(samples[1]).toEqual({ table: "t", committedAt: 0, visibleAt: 9, rows: 6 });
  });
  test("keys of a stream must increase", () => {
    const t = new LatencyTracker();
    t.register("t", 0, 5n, 5n, 0);
    expect(() => t.register("t", 0, 5n, 5n, 1)).toThrow(/must increase/);
  });
  test("latency is never negative", () => {
    const { t, samples } = keepingTracker();
    t.register("t", 0, 1n, 1n, 50);
    t.observe("t", 0, 1n, 40);
    expect(samples[0].visibleAt - samples[0].committedAt).toBeGreaterThanOrEqual(0);
  });
  test("long queues drain in order across compactions", () => {
    const { t, samples } = keepingTracker();
    for (let k = 1; k <= 5000; k++) t.register("t", 0, BigInt(k), BigInt(k), k);
    for (let seen = 700; seen <= 5000; seen += 700) {
      t.observe("t", 0, BigInt(seen), 10_000);
      expect(t.pendingCount()).toBe(5000 - seen);
      expect(t.oldestPending()).toBe(seen + 1);
    }
    t.observe("t", 0, 5000n, 10_000);
    expect(t.pendingCount()).toBe(0);
    expect(samples.reduce((a, s) => a + s.rows, 0)).toBe(5000);
    expect(samples.map((s) => s.committedAt)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
  });
  test("matches a plain list model over random registers and polls (growing, sliding and shrinking queues)", () => {
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const { t, samples } = keepingTracker();
    const model: Array<{ stream: number; from: bigint; to: bigint; at: number }> = [];
    const expected: Sample[] = [];
    const next = [9_000_000_000_000_000_000n, 9_000_000_001_000_000_000n, 9_000_000_002_000_000_000n];
    for (let step = 0; step < 90_000; step++) {
      const stream = rand(3);
      // Bursts of registers (queues grow), then polls that drain most of a stream (queues slide or shrink).
      if (rand(100) < (step % 30_000 < 15_000 ? 100 : 5)) {
        const rows = 1 + (rand(10) === 0 ? rand(50) : 0);
        const from = next[stream] + BigInt(rand(3));
        const to = from + BigInt(rows - 1);
        next[stream] = to + 1n;
        t.register("t", stream, from, to, step);
        model.push({ stream, from, to, at: step });
      } else {
        const pending = model.filter((r) => r.stream === stream);
        if (!pending.length) continue;
        const pick = pending[rand(pending.length)];
        const maxKey = pick.from + BigInt(rand(Number(pick.to - pick.from) + 1));
        t.observe("t", stream, maxKey, step);
        for (const r of pending) {
          if (r.from > maxKey) break;
          const rows = Number((r.to <= maxKey ? r.to : maxKey) - r.from) + 1;
          expected.push({ table: "t", committedAt: r.at, visibleAt: step, rows });
          if (r.to <= maxKey) model.splice(model.indexOf(r), 1);
          else r.from = maxKey + 1n;
        }
      }
      if (step % 997 === 0) {
        expect(t.pendingCount()).toBe(model.reduce((a, r) => a + Number(r.to - r.from) + 1, 0));
        expect(t.oldestPending()).toBe(model.length ? Math.min(...model.map((r) => r.at)) : undefined);
      }
    }
    expect(samples).toEqual(expected);
    expect(() => t.register("t", 0, next[0] - 1n, next[0], 0)).toThrow(/must increase/);
  });
  test("oldestPending gives the age of the oldest unseen row", () => {
    const t = new LatencyTracker();
    expect(t.oldestPending()).toBeUndefined();
    t.register("a", 0, 1n, 1n, 7);
    t.register("b", 0, 1n, 1n, 3);
    expect(t.oldestPending()).toBe(3);
  });
});

describe("SinkPoller", () => {
  test("one query per table with pending rows per round, none when idle", async () => {
    let clock = 0;
    const calls: Array<[string, readonly number[]]> = [];
    const sink = new Map<string, bigint>(); // what the "sink" shows per table
    const { t: tracker, samples } = keepingTracker();
    const poller = new SinkPoller({
      tracker,
      intervalMs: 50,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
      query: async (table, streams) => {
        calls.push([table, streams]);
        return streams.map(() => sink.get(table) ?? null);
      },
    });
    await poller.pollOnce();
    expect(calls).toEqual([]);
    tracker.register("a", 0, 1n, 1n, 0);
    tracker.register("a", 1, 9n, 9n, 0);
    tracker.register("b", 0, 1n, 1n, 0);
    await poller.pollOnce();
    expect(calls).toEqual([["a", [0, 1]], ["b", [0]]]);
    sink.set("a", 9n);
    sink.set("b", 1n);
    clock = 120;
    expect(await poller.drain(1000)).toBe(true);
    const seen = samples.map((s) => s.visibleAt);
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(1); // one round saw all three
    expect(seen[0]).toBeGreaterThanOrEqual(120);
  });
  test("drain gives up after the timeout and reports rows still pending", async () => {
    let clock = 0;
    const tracker = new LatencyTracker();
    tracker.register("a", 0, 1n, 1n, 0);
    const poller = new SinkPoller({ tracker, intervalMs: 50, now: () => clock, sleep: async (ms) => void (clock += ms), query: async (_t, s) => s.map(() => null) });
    expect(await poller.drain(500)).toBe(false);
    expect(clock).toBeGreaterThanOrEqual(500);
    expect(tracker.pendingCount()).toBe(1);
  });
  test("a failing query surfaces from drain instead of being swallowed", async () => {
    let clock = 0;
    const tracker = new LatencyTracker();
    tracker.register("a", 0, 1n, 1n, 0);
    const poller = new SinkPoller({ tracker, intervalMs: 50, now: () => clock, sleep: async (ms) => void (clock += ms), query: async () => { throw new Error("sink gone"); } });
    await expect(poller.drain(500)).rejects.toThrow("sink gone");
  });
});

describe("LatencyRecorder (bounded memory for unlimited runs)", () => {
  test("latency buckets: 0.1 ms below a second, four significant digits above", () => {
    expect(latencyBucket(12.34)).toBe(12.3);
    expect(latencyBucket(999.94)).toBe(999.9);
    expect(latencyBucket(1234.56)).toBe(1235);
    expect(latencyBucket(98_765.4)).toBe(98_770);
    expect(latencyBucket(3_600_000 + 1234)).toBe(3_601_000);
  });

  test("a million rows with a million distinct latencies: few buckets, percentiles within bucket precision", () => {
    const h = new LatencyHistogram();
    const exact = new Float64Array(1_000_000);
    // Latencies spread from 1 ms to about an hour, as a pipeline stalled under load would show.
    for (let i = 0; i < exact.length; i++) {
      exact[i] = 1 + ((i * 7919) % 1_000_000) * 3.6 + i / 1e6;
      h.add(exact[i], 1);
    }
    exact.sort();
    expect(h.rows).toBe(1_000_000);
    expect(h.buckets).toBeLessThan(40_000);
    const s = h.stats()!;
    expect(s.count).toBe(1_000_000);
    expect(s.min).toBe(exact[0]);
    expect(s.max).toBe(exact[exact.length - 1]);
    // Each percentile is the bucket of the true nearest-rank value: off by at most half a bucket (0.05%).
    for (const [p, got] of [[50, s.p50], [95, s.p95], [99, s.p99]] as const) {
      const truth = percentile(exact, p);
      expect(Math.abs(got - truth) / truth).toBeLessThanOrEqual(0.0005);
    }
  });

  test("percentiles agree with exact nearest rank when latencies fit the 0.1 ms grid", () => {
    const values = Array.from({ length: 997 }, (_, i) => ((i * 37) % 500) / 10 + 3);
    const h = new LatencyHistogram();
    for (const v of values) h.add(v, 1);
    const sorted = [...values].sort((a, b) => a - b);
    const s = h.stats()!;
    for (const [p, got] of [[50, s.p50], [95, s.p95], [99, s.p99]] as const) expect(got).toBeCloseTo(percentile(sorted, p), 9);
  });

  test("histograms merge into the same statistics as one histogram of everything", () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const all = new LatencyHistogram();
    for (let i = 0; i < 300; i++) {
      (i % 2 ? a : b).add(i / 3, 1 + (i % 4));
      all.add(i / 3, 1 + (i % 4));
    }
    a.merge(b);
    expect(a.stats()).toEqual(all.stats());
  });

  test("the timeline never holds more than its slot limit; rows are conserved when it coarsens", () => {
    const line = new CommitTimeline(1000);
    let rows = 0;
    // Ten hours of commits, one group every 100 ms.
    for (let t = 0; t < 10 * 3600 * 1000; t += 100) {
      line.add(1000 + t, 5 + (t % 7), 2);
      rows += 2;
    }
    expect(line.rows.length).toBeLessThanOrEqual(TIMELINE_MAX_SLOTS);
    expect(line.rows.reduce((a, n) => a + n, 0)).toBe(rows);
    expect(Math.max(...line.slowest)).toBe(11);
    const { bucketMs, perSecond } = line.throughput();
    expect(bucketMs % 1000).toBe(0);
    expect(perSecond[1]).toBeCloseTo(20, 9); // 10 groups of 2 rows a second
  });

  test("throughput buckets visible rows by commit second", () => {
    const line = new CommitTimeline(0);
    line.add(100, 50, 3);
    line.add(900, 50, 1);
    line.add(2100, 50, 5);
    expect(line.throughput()).toEqual({ bucketMs: 1000, perSecond: [4, 0, 5] });
  });

  test("the recorder keeps per-table histograms, counters and the latest sample", () => {
    const r = new LatencyRecorder();
    r.begin(0);
    r.add({ table: "a", committedAt: 10, visibleAt: 30, rows: 2 });
    r.add({ table: "b", committedAt: 20, visibleAt: 25, rows: 1 });
    expect(r.table("a")!.stats()).toMatchObject({ count: 2, p50: 20 });
    expect(r.overall().stats()).toMatchObject({ count: 3, min: 5, max: 20 });
    expect(r.overall(["b"]).rows).toBe(1);
    expect(r.last).toEqual({ table: "b", committedAt: 20, visibleAt: 25, rows: 1 });
    expect(r.samples).toBe(2);
    expect(r.visibleRows).toBe(3);
    expect(r.lastVisibleAt).toBe(30);
  });
});

describe("tool keys", () => {
  test("the run base is above the reserved minimum, every existing tool key and the clock floor", () => {
    const now = Date.UTC(2026, 0, 1);
    const floor = runBase([], now, 1);
    expect(floor > TOOL_KEY_MIN).toBe(true);
    expect(runBase([null, floor + 5n], now, 1)).toBe(floor + 6n);
    expect(runBase([], now + 1, 1) > floor).toBe(true);
    expect(() => runBase([9_223_372_036_854_775_000n], now, 1)).toThrow(/exhausted/);
  });
  test("streams get disjoint ranges", () => {
    const a = streamRange(TOOL_KEY_MIN, 0);
    const b = streamRange(TOOL_KEY_MIN, 1);
    expect(a.hi).toBe(b.lo);
    expect(b.hi - b.lo).toBe(STREAM_STRIDE);
  });
  test("keys are written exactly, beyond Number precision", () => {
    const tpl = insertTemplate(findTable("orders"));
    const sql = insertSql(tpl, 9_000_000_000_000_000_001n, 2);
    expect(sql).toContain("(9000000000000000001, ");
    expect(sql).toContain("(9000000000000000002, ");
    expect(sql.startsWith("INSERT INTO `orders` (`order_id`, ")).toBe(true);
  });
  test("the max-key poll is one statement with one branch per stream", () => {
    const sql = maxKeysSql(findTable("orders"), TOOL_KEY_MIN, [0, 3]);
    expect(sql.split("UNION ALL")).toHaveLength(2);
    expect(sql).toContain("SELECT 3 AS s, MAX(`order_id`) AS m FROM `orders` WHERE `order_id` >= 9000000003000000000 AND `order_id` < 9000000004000000000");
  });
});

test("report axes end on round numbers just above the data", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { niceMax } = require("../../cli/report") as typeof import("../../cli/report");
  expect(niceMax(10.01)).toBe(12);
  expect(niceMax(3)).toBe(3);
  expect(niceMax(0.042)).toBeCloseTo(0.05);
  expect(niceMax(0)).toBe(1);
});
