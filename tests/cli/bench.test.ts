import { combineRuns } from "../../cli/commands/bench";
import { Sample } from "../../cli/measure";
import { RunResult } from "../../cli/workload";

function run(table: string, n: number, latencyMs: number): { result: RunResult; samples: Sample[] } {
  const samples = Array.from({ length: n }, (_, i) => ({ table, committedAt: i, visibleAt: i + latencyMs, rows: 1 }));
  const result: RunResult = {
    rows: n, insertSeconds: 10, rowsPerSec: n / 10, visible: n, notVisible: 0, catchUpSeconds: 10,
    tables: [{ table, rows: n, rowsPerSec: n / 10, visible: n }],
  };
  return { result, samples };
}

describe("combineRuns", () => {
  test("takes more samples than a function call may take arguments (a long bench run)", () => {
    const { result, samples } = combineRuns([run("orders", 200_000, 5), run("customers", 200_000, 15)]);
    expect(samples).toHaveLength(400_000);
    expect(result.rows).toBe(400_000);
    expect(result.insertSeconds).toBe(20);
    expect(result.rowsPerSec).toBe(20_000);
    expect(result.latencyMs).toMatchObject({ count: 400_000, p50: 5, p99: 15, max: 15 });
    expect(result.tables.map((t) => t.table)).toEqual(["orders", "customers"]);
  });

  test("a single run passes through unchanged", () => {
    const one = run("orders", 3, 7);
    const { result, samples } = combineRuns([one]);
    expect(result).toBe(one.result);
    expect(samples).toEqual(one.samples);
  });
});
