/**
 * Property test of the server-id ranges: for random table selections (any subset, any order) and parallelism
 * values, ranges are unique and disjoint, at least as wide as the parallelism, inside the reserved span, and a
 * table keeps its range whatever else is selected. Hand-rolled generator with a fixed seed.
 */
import { SELECTABLE_TABLES, TABLES } from "../../catalog/tables";
import { resolveConfig } from "../../config";
import { SERVER_ID_SPAN, renderCdcJobs, serverIdRange } from "../../render/flinkJob";

/** mulberry32: small deterministic PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const secrets = { cdcPassword: "x", loaderPassword: "y" };

test("ranges are unique, disjoint, wide enough, inside the span, and stable per table", () => {
  const rand = rng(20250101);
  const seen = new Map<string, string>(); // `${table}|${p}|${base}` -> range
  for (let i = 0; i < 300; i++) {
    const shuffled = [...SELECTABLE_TABLES].sort(() => rand() - 0.5);
    const subset = shuffled.slice(0, 1 + Math.floor(rand() * shuffled.length));
    const parallelism = 1 + Math.floor(rand() * 8);
    const base = [2, 5400, 100000][Math.floor(rand() * 3)];
    const cfg = resolveConfig({ tables: subset, sourceParallelism: parallelism, cdcServerIdBase: base, slotsPerTaskManager: 64, taskManagers: 1, taskManagerMemory: "16g", mysqlServerId: 1, sourceMode: "managed" }, { stack: "dev" });
    const jobs = renderCdcJobs(cfg, secrets);
    const ranges = jobs.map((j) => j.serverIdRange);
    for (const [k, r] of ranges.entries()) {
      expect(r.end - r.start + 1).toBeGreaterThanOrEqual(parallelism);
      expect(r.start).toBeGreaterThanOrEqual(base);
      expect(r.end).toBeLessThan(base + SERVER_ID_SPAN);
      // the rendered server-id option equals the range
      expect(jobs[k].statements[0]).toContain(`'server-id' = '${r.start}-${r.end}'`);
      for (const [l, o] of ranges.entries()) if (k !== l) expect(r.end < o.start || o.end < r.start).toBe(true);
    }
    for (const j of jobs) {
      const key = `${j.table}|${parallelism}|${base}`;
      const value = `${j.serverIdRange.start}-${j.serverIdRange.end}`;
      if (seen.has(key)) expect(value).toBe(seen.get(key));
      seen.set(key, value);
    }
  }
  expect(seen.size).toBeGreaterThan(50);
});

test("at the largest parallelism config allows, all catalog blocks still fit and stay disjoint", () => {
  const cfg = { source: { cdcServerIdBase: 5400, parallelism: 64 } } as never;
  const ranges = TABLES.map((t) => serverIdRange(cfg, t.name));
  for (const [i, r] of ranges.entries()) {
    expect(r.end - r.start + 1).toBe(64);
    if (i > 0) expect(r.start).toBeGreaterThan(ranges[i - 1].end);
  }
  expect(ranges[ranges.length - 1].end).toBeLessThan(5400 + SERVER_ID_SPAN);
});

test("a range is refused when the parallelism does not fit a block", () => {
  expect(() => serverIdRange({ source: { cdcServerIdBase: 5400, parallelism: 101 } } as never, "orders")).toThrow(/does not fit/);
  expect(() => serverIdRange({ source: { cdcServerIdBase: 5400, parallelism: 1 } } as never, "nope")).toThrow(/unknown table/);
});
