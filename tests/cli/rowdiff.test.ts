/** The merge-compare of `cdc verify` on arrays: gaps on both sides, composite keys, batch boundaries, samples, re-check. */
import { Column, TableDef } from "../../catalog/tables";
import {
  DEFAULT_RECHECK, DiffCollector, LagEstimate, Row, RowShape, Side, compareDecimal, compareKeys, keysetBatches, mergeCompare, recheck,
} from "../../cli/rowdiff";
import { verifyBatchSql, verifyKeysSql } from "../../cli/sql";
import { unsupportedKey } from "../../cli/commands/verify";

const col = (name: string, type: Column["type"], nullable = false): Column => ({ name, type, nullable });

/** orders-like: bigint key, varchar, decimal(12,2), datetime(3). */
const SINGLE: RowShape = {
  keyWidth: 1,
  columns: [col("id", { kind: "bigint" }), col("status", { kind: "varchar", length: 20 }), col("amount", { kind: "decimal", precision: 12, scale: 2 }), col("at", { kind: "datetime" }, true)],
};

/** Composite key (bigint, varchar), one int value. */
const COMPOSITE: RowShape = {
  keyWidth: 2,
  columns: [col("a", { kind: "bigint" }), col("b", { kind: "varchar", length: 10 }), col("n", { kind: "int" })],
};

/** Serves a sorted array the way verifyBatchSql does: keys above `after`, at most `limit`. */
function batches(shape: RowShape, rows: Row[], limit: number, side: Side, calls: Array<Row | undefined> = []): AsyncGenerator<Row[]> {
  return keysetBatches(async (after) => {
    calls.push(after);
    const from = after ? rows.findIndex((r) => compareKeys(shape, r, side, after, side) > 0) : 0;
    return from < 0 ? [] : rows.slice(from, from + limit);
  }, limit);
}

async function compare(shape: RowShape, src: Row[], snk: Row[], limit = 1000, sampleLimit = 100) {
  const c = new DiffCollector(shape, { sampleLimit, recheckLimit: 0 }); // recheckLimit 0: every difference reported at once
  const r = await mergeCompare(shape, batches(shape, src, limit, "source"), batches(shape, snk, limit, "sink"), c.visitor(() => 0));
  return { c, r };
}

const row = (id: number, status = "paid", amount = "10.00", at: string | null = "2026-01-02 03:04:05.123"): Row => [String(id), status, amount, at];

describe("mergeCompare", () => {
  test("equal tables: every key compared, nothing reported", async () => {
    const rows = [1, 2, 3, 5, 8].map((i) => row(i));
    const { c, r } = await compare(SINGLE, rows, rows.map((x) => [...x]));
    expect(r).toEqual({ sourceRows: 5, sinkRows: 5, stopped: false });
    expect({ compared: c.compared, onlySource: c.onlySource, onlySink: c.onlySink, different: c.different, samples: c.samples }).toEqual({ compared: 5, onlySource: 0, onlySink: 0, different: 0, samples: [] });
  });

  test("gaps on both sides, at the start, in the middle and at the end", async () => {
    const src = [1, 2, 4, 6, 9, 10].map((i) => row(i));
    const snk = [0, 2, 3, 4, 7, 9].map((i) => row(i));
    const { c } = await compare(SINGLE, src, snk);
    expect(c.compared).toBe(3);
    expect(c.samples.filter((s) => s.kind === "onlySource").map((s) => s.key.id)).toEqual(["1", "6", "10"]);
    expect(c.samples.filter((s) => s.kind === "onlySink").map((s) => s.key.id)).toEqual(["0", "3", "7"]);
    expect([c.onlySource, c.onlySink, c.different]).toEqual([3, 3, 0]);
  });

  test("one side empty", async () => {
    const rows = [1, 2, 3].map((i) => row(i));
    expect((await compare(SINGLE, rows, [])).c.onlySource).toBe(3);
    expect((await compare(SINGLE, [], rows)).c.onlySink).toBe(3);
  });

  test("keys order as numbers, not as text (9 before 10, negatives first)", async () => {
    const rows = [-5, 9, 10, 100].map((i) => row(i));
    const { c } = await compare(SINGLE, rows, rows);
    expect(c.compared).toBe(4);
    expect(c.samples).toEqual([]);
    expect(compareDecimal("9", "10")).toBeLessThan(0);
    expect(compareDecimal("-10", "-9")).toBeLessThan(0);
    expect(compareDecimal("1.5", "1.25")).toBeGreaterThan(0);
  });

  test("values compared by the catalog mapping: scale, DATETIME fraction; a dropped microsecond, a replaced 4-byte character, a NULL", async () => {
    const src = [row(1, "a", "12.5", "2026-01-02 03:04:05.123"), row(2, "x😀y"), row(3, "a", "1.00"), row(4), row(5)];
    const snk = [row(1, "a", "12.50", "2026-01-02 03:04:05.123000"), row(2, "x?y"), row(3, "a", "1.00"), row(4, "paid", "10.00", "2026-01-02 03:04:05.122999"), row(5, "paid", "10.00", null)];
    const { c } = await compare(SINGLE, src, snk);
    expect(c.different).toBe(3);
    expect(c.samples).toEqual([
      { kind: "different", key: { id: "2" }, columns: [{ column: "status", source: "x😀y", sink: "x?y" }] },
      { kind: "different", key: { id: "4" }, columns: [{ column: "at", source: "2026-01-02 03:04:05.123", sink: "2026-01-02 03:04:05.122999" }] },
      { kind: "different", key: { id: "5" }, columns: [{ column: "at", source: "2026-01-02 03:04:05.123", sink: null }] },
    ]);
  });

  test("composite keys: ordered by the first column, then by the UTF-8 bytes of the second", async () => {
    // "Z" (0x5A) < "a" (0x61) < "é" (0xC3 0xA9) < "😀" (0xF0 ...): byte order, as StarRocks sorts strings.
    const src: Row[] = [["1", "Z", 1], ["1", "a", 1], ["1", "é", 1], ["1", "😀", 1], ["2", "a", 1], ["2", "b", 2]];
    const snk: Row[] = [["1", "Z", 1], ["1", "é", 1], ["1", "😀", 5], ["2", "a", 1], ["2", "a2", 1], ["2", "b", 2]];
    const { c } = await compare(COMPOSITE, src, snk);
    expect(c.compared).toBe(5);
    expect(c.samples).toEqual([
      { kind: "onlySource", key: { a: "1", b: "a" } },
      { kind: "different", key: { a: "1", b: "😀" }, columns: [{ column: "n", source: "1", sink: "5" }] },
      { kind: "onlySink", key: { a: "2", b: "a2" } },
    ]);
  });

  test("batch boundaries do not change the result; each batch starts after the previous one's last key", async () => {
    const src = Array.from({ length: 23 }, (_, i) => row(i * 2)).filter((_, i) => i % 7 !== 3);
    const snk = Array.from({ length: 23 }, (_, i) => row(i * 2, i % 5 === 0 ? "late" : "paid")).filter((_, i) => i % 6 !== 1);
    const expected = await compare(SINGLE, src, snk, 1000);
    expect(expected.c.onlySource + expected.c.onlySink + expected.c.different).toBeGreaterThan(5);
    for (const limit of [1, 2, 3, 4, 5, 7, 19, 20, 21]) {
      const got = await compare(SINGLE, src, snk, limit);
      expect({ limit, samples: got.c.samples, compared: got.c.compared, rows: got.r }).toEqual({ limit, samples: expected.c.samples, compared: expected.c.compared, rows: expected.r });
    }
    const calls: Array<Row | undefined> = [];
    const seen: string[] = [];
    for await (const b of batches(SINGLE, src.slice(0, 6), 3, "source", calls)) seen.push(b.map((r) => r[0]).join(","));
    // 6 rows in batches of 3: two full batches, then an empty one ends the stream.
    expect(seen).toEqual(["0,2,4", "8,10,12"]);
    expect(calls.map((c) => c?.[0])).toEqual([undefined, "4", "12"]);
  });

  test("sample limit: the counts stay exact, the samples stop at the limit", async () => {
    const src = Array.from({ length: 100 }, (_, i) => row(i));
    const snk = Array.from({ length: 100 }, (_, i) => row(i, "changed"));
    const { c } = await compare(SINGLE, src, snk, 7, 5);
    expect(c.different).toBe(100);
    expect(c.samples.map((s) => s.key.id)).toEqual(["0", "1", "2", "3", "4"]);
  });

  test("stop() ends the walk early and says so", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => row(i));
    const c = new DiffCollector(SINGLE, { sampleLimit: 10, recheckLimit: 0 });
    const r = await mergeCompare(SINGLE, batches(SINGLE, rows, 100, "source"), batches(SINGLE, rows, 100, "sink"), c.visitor(() => 0), () => true);
    expect(r.stopped).toBe(true);
    expect(r.sourceRows).toBeLessThan(5000);
  });
});

describe("recheck", () => {
  /** A clock that moves only when the re-check sleeps, and two tables of rows that change on a schedule. */
  function world(initial: { source: Map<string, Row>; sink: Map<string, Row> }) {
    let now = 0;
    const events: Array<{ at: number; apply: () => void }> = [];
    const io = {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
        for (const e of events.filter((x) => x.at <= now)) e.apply();
        events.splice(0, events.length, ...events.filter((x) => x.at > now));
      },
      stop: () => false,
      read: async (side: Side, keys: Row[]) => keys.map((k) => initial[side].get(String(k[0]))).filter((r): r is Row => r !== undefined),
    };
    return { io, at: (at: number, apply: () => void) => events.push({ at, apply }), time: () => now };
  }

  test("a row in flight catches up and is not reported; its lag is measured; a real difference then stands after 3x that lag", async () => {
    const source = new Map<string, Row>([["1", row(1, "new")], ["2", row(2, "right")], ["3", row(3)]]);
    const sink = new Map<string, Row>([["1", row(1, "old")], ["2", row(2, "wrong")]]);
    const w = world({ source, sink });
    w.at(1500, () => sink.set("1", row(1, "new")));
    const c = new DiffCollector(SINGLE, { sampleLimit: 10, recheckLimit: 100 });
    c.candidate(source.get("1"), sink.get("1"), 0);
    c.candidate(source.get("2"), sink.get("2"), 0);
    c.candidate(source.get("3"), undefined, 0);
    const lag = new LagEstimate();
    const r = await recheck(c, w.io, lag, DEFAULT_RECHECK);
    expect(r).toMatchObject({ rechecked: 3, converged: 1 });
    expect(lag.slowestMs).toBeGreaterThanOrEqual(1500);
    expect(lag.slowestMs).toBeLessThan(2500);
    expect(c.samples.map((s) => [s.kind, s.key.id, s.stillChanging ?? false])).toEqual([["different", "2", false], ["onlySource", "3", false]]);
    // Reported once unchanged for max(2 s, 3 x the measured lag), not after a fixed settle time.
    expect(w.time()).toBeGreaterThanOrEqual(3 * lag.slowestMs!);
    expect(w.time()).toBeLessThan(DEFAULT_RECHECK.settleMs);
  });

  test("a row that agrees at the first look after a long scan measures nothing (it may have caught up at any time)", async () => {
    const source = new Map<string, Row>([["1", row(1, "new")], ["2", row(2, "right")]]);
    const sink = new Map<string, Row>([["1", row(1, "new")], ["2", row(2, "wrong")]]);
    const w = world({ source, sink });
    const c = new DiffCollector(SINGLE, { sampleLimit: 10, recheckLimit: 100 });
    // Seen differing 60 s before the re-check starts (a long scan).
    c.candidate(source.get("1"), row(1, "old"), -60_000);
    c.candidate(source.get("2"), sink.get("2"), -60_000);
    const lag = new LagEstimate();
    const r = await recheck(c, w.io, lag, { ...DEFAULT_RECHECK, settleMs: 5000 });
    expect(r.converged).toBe(1);
    expect(lag.slowestMs).toBeUndefined();
    // Row 2 has been unchanged for far longer than --settle already: reported at the first look.
    expect(c.samples.map((s) => s.key.id)).toEqual(["2"]);
    expect(w.time()).toBeLessThan(1000);
  });

  test("nothing catches up: differences stand after --settle", async () => {
    const source = new Map<string, Row>([["2", row(2, "right")]]);
    const sink = new Map<string, Row>([["2", row(2, "wrong")], ["9", row(9)]]);
    const w = world({ source, sink });
    const c = new DiffCollector(SINGLE, { sampleLimit: 10, recheckLimit: 100 });
    c.candidate(source.get("2"), sink.get("2"), 0);
    c.candidate(undefined, sink.get("9"), 0);
    await recheck(c, w.io, new LagEstimate(), { ...DEFAULT_RECHECK, settleMs: 5000 });
    expect(c.samples.map((s) => [s.kind, s.key.id])).toEqual([["different", "2"], ["onlySink", "9"]]);
    expect(w.time()).toBeGreaterThanOrEqual(5000);
    expect(w.time()).toBeLessThan(7000);
  });

  test("a row the source keeps changing is never hidden: reported at --max-wait, marked as still changing", async () => {
    const source = new Map<string, Row>([["4", row(4, "v0")]]);
    const sink = new Map<string, Row>([["4", row(4, "stale")]]);
    const w = world({ source, sink });
    for (let t = 500; t < 60_000; t += 500) w.at(t, () => source.set("4", row(4, `v${t}`)));
    const c = new DiffCollector(SINGLE, { sampleLimit: 10, recheckLimit: 100 });
    c.candidate(source.get("4"), sink.get("4"), 0);
    await recheck(c, w.io, new LagEstimate(), { ...DEFAULT_RECHECK, settleMs: 3000, maxWaitMs: 10_000 });
    expect(c.different).toBe(1);
    expect(c.samples[0]).toMatchObject({ kind: "different", key: { id: "4" }, stillChanging: true });
    expect(w.time()).toBeGreaterThanOrEqual(10_000);
    expect(w.time()).toBeLessThan(12_000);
  });

  test("over the re-check limit, differences are reported at once (and counted as not re-checked)", () => {
    const c = new DiffCollector(SINGLE, { sampleLimit: 10, recheckLimit: 2 });
    for (let i = 0; i < 5; i++) c.candidate(row(i), undefined, 0);
    expect(c.pending.size).toBe(2);
    expect(c.notRechecked).toBe(3);
    expect(c.onlySource).toBe(3);
  });
});

test("verify refuses a table whose key arrives transformed (bytes as base64), naming table and column", () => {
  const uuidKey: TableDef = {
    name: "sessions",
    key: ["id"],
    description: "",
    columns: [{ name: "id", nullable: false, type: { kind: "mapped", mysql: "binary(16)", flinkSource: "BYTES", flinkSink: "STRING", starrocks: "VARCHAR(24)" }, arrives: { kind: "base64", padTo: 16 } }],
  };
  expect(unsupportedKey(uuidKey)).toMatch(/^table sessions: key column id arrives in StarRocks as base64/);
  expect(unsupportedKey({ name: "t", key: ["id"], description: "", columns: [col("id", { kind: "bigint" })] })).toBeUndefined();
});

describe("verify SQL", () => {
  const t = (key: string[], columns: Column[]): TableDef => ({ name: "t", key, columns, description: "" });

  test("single key: keyset WHERE k > last, ORDER BY k LIMIT n; BIGINT literals bare", () => {
    const orders = t(["id"], [col("v", { kind: "int" }), col("id", { kind: "bigint" })]);
    expect(verifyBatchSql(orders, "sink", undefined, 100)).toBe("SELECT `id`, `v` FROM `t` ORDER BY `id` LIMIT 100");
    expect(verifyBatchSql(orders, "sink", ["9007199254740993"], 100)).toBe("SELECT `id`, `v` FROM `t` WHERE `id` > 9007199254740993 ORDER BY `id` LIMIT 100");
    expect(verifyKeysSql(orders, [["1"], ["2"]])).toBe("SELECT `id`, `v` FROM `t` WHERE `id` IN (1, 2)");
    expect(() => verifyBatchSql(orders, "sink", ["1 OR 1=1"], 100)).toThrow(/not a number/);
  });

  test("composite key: the row comparison spelled out; text keys on the source by code point", () => {
    const two = t(["a", "b"], [col("a", { kind: "bigint" }), col("b", { kind: "varchar", length: 10 }), col("v", { kind: "int" })]);
    expect(verifyBatchSql(two, "sink", ["5", "it's"], 10)).toBe(
      "SELECT `a`, `b`, `v` FROM `t` WHERE `a` >= 5 AND ((`a` > 5) OR (`a` = 5 AND `b` > 'it''s')) ORDER BY `a`, `b` LIMIT 10",
    );
    const b = "CONVERT(`b` USING utf8mb4) COLLATE utf8mb4_bin";
    expect(verifyBatchSql(two, "source", ["5", "x"], 10)).toBe(`SELECT \`a\`, \`b\`, \`v\` FROM \`t\` WHERE \`a\` >= 5 AND ((\`a\` > 5) OR (\`a\` = 5 AND ${b} > 'x')) ORDER BY \`a\`, ${b} LIMIT 10`);
    expect(verifyKeysSql(two, [["1", "x"], ["2", "y"]])).toBe("SELECT `a`, `b`, `v` FROM `t` WHERE (`a` = 1 AND `b` = 'x') OR (`a` = 2 AND `b` = 'y')");
  });
});
