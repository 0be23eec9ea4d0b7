import { LatencyTracker, SinkPoller, percentile, summarize, throughputSeries } from "../../cli/measure";
import { STREAM_STRIDE, TOOL_KEY_MIN, insertSql, insertTemplate, maxKeysSql, runBase, streamRange } from "../../cli/sql";
import { findTable } from "../../catalog/tables";

describe("percentile (nearest rank)", () => {
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
    const t = new LatencyTracker();
    t.register("orders", 0, 100n, 100n, 10);
    t.register("orders", 0, 101n, 101n, 20);
    t.register("orders", 1, 500n, 500n, 15);
    t.observe("orders", 0, 100n, 30);
    expect(t.samples).toEqual([{ table: "orders", committedAt: 10, visibleAt: 30, rows: 1 }]);
    expect(t.pendingCount()).toBe(2);
    t.observe("orders", 1, null, 35); // nothing of stream 1 yet
    t.observe("orders", 0, 101n, 40);
    t.observe("orders", 1, 500n, 45);
    expect(t.samples.map((s) => s.visibleAt - s.committedAt)).toEqual([20, 20, 30]);
    expect(t.pendingCount()).toBe(0);
    expect(t.waiting().size).toBe(0);
  });
  test("a batch is one group; a partly visible batch counts what is there", () => {
    const t = new LatencyTracker();
    t.register("t", 0, 1n, 10n, 0);
    t.observe("t", 0, 4n, 5);
    expect(t.samples).toEqual([{ table: "t", committedAt: 0, visibleAt: 5, rows: 4 }]);
    expect(t.pendingCount()).toBe(6);
    t.observe("t", 0, 10n, 9);
    expect(t.samples[1]).toEqual({ table: "t", committedAt: 0, visibleAt: 9, rows: 6 });
  });
  test("keys of a stream must increase", () => {
    const t = new LatencyTracker();
    t.register("t", 0, 5n, 5n, 0);
    expect(() => t.register("t", 0, 5n, 5n, 1)).toThrow(/must increase/);
  });
  test("latency is never negative", () => {
    const t = new LatencyTracker();
    t.register("t", 0, 1n, 1n, 50);
    t.observe("t", 0, 1n, 40);
    expect(t.samples[0].visibleAt - t.samples[0].committedAt).toBeGreaterThanOrEqual(0);
  });
  test("long queues drain in order across compactions", () => {
    const t = new LatencyTracker();
    for (let k = 1; k <= 5000; k++) t.register("t", 0, BigInt(k), BigInt(k), k);
    for (let seen = 700; seen <= 5000; seen += 700) {
      t.observe("t", 0, BigInt(seen), 10_000);
      expect(t.pendingCount()).toBe(5000 - seen);
      expect(t.oldestPending()).toBe(seen + 1);
    }
    t.observe("t", 0, 5000n, 10_000);
    expect(t.pendingCount()).toBe(0);
    expect(t.samples.reduce((a, s) => a + s.rows, 0)).toBe(5000);
    expect(t.samples.map((s) => s.committedAt)).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
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
    const tracker = new LatencyTracker();
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
    const seen = tracker.samples.map((s) => s.visibleAt);
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

test("throughputSeries buckets visible rows by commit second", () => {
  expect(throughputSeries([
    { table: "t", committedAt: 100, visibleAt: 150, rows: 3 },
    { table: "t", committedAt: 900, visibleAt: 950, rows: 1 },
    { table: "t", committedAt: 2100, visibleAt: 2150, rows: 5 },
  ], 0)).toEqual([4, 0, 5]);
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
