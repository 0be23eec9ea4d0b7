/**
 * `cdc bench parallel|per-table|burst|unlimited`: sustained throughput (rows/s) and latency percentiles,
 * per table and overall, optionally as a self-contained HTML report.
 *
 *   parallel  -d SECONDS -w WORKERS   W writers round-robin over the tables for S seconds
 *   per-table -n N                    N rows into one table at a time, table after table
 *   burst     -n N                    N rows per table as fast as possible; reports catch-up time
 *   unlimited -w WORKERS              like parallel, until Ctrl+C (exit 0)
 */
import * as fs from "fs";
import { positiveInteger } from "../args";
import { writableTables } from "../context";
import { Command, CommandResult, JSON_FLAG, POLL_FLAG, TIMEOUT_FLAG, pollInterval } from "../command";
import { EXIT, UsageError } from "../errors";
import { LatencyRecorder } from "../measure";
import { LATENCY_HEADER, Progress, latencyCells, latencyLine, num, rate, table } from "../render";
import { renderReport } from "../report";
import { LoadOptions, RunResult, TableResult, measuredRun, round, roundStats } from "../workload";

const SCENARIOS = ["parallel", "per-table", "burst", "unlimited"] as const;
type Scenario = (typeof SCENARIOS)[number];

export interface BenchData extends RunResult {
  scenario: Scenario;
  workers: number;
  batch: number;
  durationSeconds: number | null;
  rowsPerTable: number | null;
  interrupted: boolean;
  report: string | null;
}

interface BenchOptions {
  scenario: Scenario;
  workers: number;
  batch: number;
  durationSeconds: number | null;
  rowsPerTable: number | null;
  timeoutMs: number;
  pollMs: number;
  report: string | null;
}

export const benchCommand: Command<BenchOptions> = {
  name: "bench",
  summary: "throughput (rows/s) and latency p50/p95/p99/max per table and overall",
  usage: [
    "cdc bench parallel -d SECONDS -w WORKERS [--batch B] [--json] [--report FILE.html]",
    "cdc bench per-table -n N [-w WORKERS] [--batch B] [--json] [--report FILE.html]",
    "cdc bench burst -n N [-w WORKERS] [--batch B] [--json] [--report FILE.html]",
    "cdc bench unlimited -w WORKERS [--batch B] [--json] [--report FILE.html]",
  ],
  needs: ["source", "sink"],
  flags: [
    { name: "duration", short: "d", type: "number", value: "SECONDS", help: "parallel: how long to write (default 10)" },
    { name: "workers", short: "w", type: "integer", value: "WORKERS", help: "writer connections (default 4; per-table 1)" },
    { name: "rows", short: "n", type: "integer", value: "N", help: "per-table, burst: rows per table (default 1000)" },
    { name: "batch", type: "integer", value: "B", help: "rows per INSERT (default 1: single-row inserts)" },
    { name: "report", type: "string", value: "FILE.html", help: "also write a self-contained HTML report" },
    TIMEOUT_FLAG,
    POLL_FLAG,
    JSON_FLAG,
  ],
  parse(args) {
    const scenario = args.positionals[0] as Scenario;
    if (!SCENARIOS.includes(scenario)) throw new UsageError(`bench needs a scenario: ${SCENARIOS.join(", ")}`, true);
    if (args.positionals.length > 1) throw new UsageError(`unexpected argument "${args.positionals[1]}"`, true);
    const f = args.flags;
    const only = (flag: string, allowed: Scenario[]) => {
      if (f[flag] !== undefined && !allowed.includes(scenario)) throw new UsageError(`--${flag} does not apply to bench ${scenario}`);
    };
    only("duration", ["parallel"]);
    only("rows", ["per-table", "burst"]);
    const workers = (f.workers as number | undefined) ?? (scenario === "per-table" ? 1 : 4);
    const batch = (f.batch as number | undefined) ?? 1;
    if (workers < 1 || batch < 1) throw new UsageError("--workers and --batch must be at least 1");
    const durationSeconds = scenario === "parallel" ? ((f.duration as number | undefined) ?? 10) : null;
    if (durationSeconds !== null && durationSeconds <= 0) throw new UsageError("--duration must be above 0");
    const rowsPerTable = scenario === "per-table" || scenario === "burst" ? positiveInteger(String(f.rows ?? 1000), "-n") : null;
    const timeoutMs = ((f.timeout as number | undefined) ?? 60) * 1000;
    const report = (f.report as string | undefined) ?? null;
    return { scenario, workers, batch, durationSeconds, rowsPerTable, timeoutMs, pollMs: pollInterval(f["poll-ms"]), report };
  },
  async run(ctx, { scenario, workers, batch, durationSeconds, rowsPerTable, timeoutMs, pollMs, report }): Promise<CommandResult<BenchData>> {

    const tables = writableTables(await ctx.tables(), "bench");
    const stop = () => ctx.interrupt.requested;
    const base: Omit<LoadOptions, "tables"> = {
      workers,
      batch,
      stop,
      pollMs,
      durationMs: durationSeconds === null ? undefined : durationSeconds * 1000,
      rowsPerTable: rowsPerTable ?? undefined,
    };
    const progress = new Progress(ctx.err);
    const tick = (label: string) => (run: { totalInserted: number; startedAt: number; endedAt: number }) => {
      const secs = Math.max((ctx.now() - run.startedAt) / 1000, 0.001);
      progress.update(`${label}: ${num(run.totalInserted)} rows, ${num(Math.round(run.totalInserted / secs))} rows/s${scenario === "unlimited" ? "  (Ctrl+C to stop)" : ""}`, run.endedAt > 0);
      if (run.endedAt > 0) progress.done();
    };

    // per-table runs one table after another; the other scenarios run all tables at once.
    const groups = scenario === "per-table" ? tables.map((t) => [t]) : [tables];
    // One recorder for all runs: the report and the overall figures span them.
    const recorder = new LatencyRecorder();
    const parts: RunResult[] = [];
    for (const g of groups) {
      if (stop()) break;
      const m = await measuredRun(ctx, { ...base, tables: g }, timeoutMs, tick(g.length === 1 ? g[0].name : scenario), recorder);
      parts.push(m.result);
    }
    const interrupted = stop();
    const data: BenchData = {
      scenario,
      workers,
      batch,
      durationSeconds,
      rowsPerTable,
      interrupted,
      report,
      ...combine(parts, recorder),
    };
    if (report) fs.writeFileSync(report, renderReport(data, recorder));
    const exitCode = interrupted && scenario !== "unlimited" ? EXIT.INTERRUPTED : data.notVisible > 0 ? EXIT.CHECK_FAILED : EXIT.OK;
    return { exitCode, data, human: renderBench(data, timeoutMs / 1000) };
  },
};

/** One result from sequential runs (per-table) or the single run of the other scenarios. */
export function combine(parts: RunResult[], recorder: LatencyRecorder): RunResult {
  if (parts.length === 1) return parts[0];
  const rows = parts.reduce((a, p) => a + p.rows, 0);
  const secs = parts.reduce((a, p) => a + p.insertSeconds, 0);
  const tables: TableResult[] = parts.flatMap((p) => p.tables);
  const notVisible = parts.reduce((a, p) => a + p.notVisible, 0);
  return {
    rows,
    insertSeconds: round(secs, 3),
    rowsPerSec: round(rows / Math.max(secs, 1e-6)),
    visible: parts.reduce((a, p) => a + p.visible, 0),
    notVisible,
    latencyMs: roundStats(recorder.overall().stats()),
    catchUpSeconds: notVisible === 0 ? round(parts.reduce((a, p) => a + (p.catchUpSeconds ?? 0), 0), 3) : undefined,
    tables,
  };
}

export function renderBench(d: BenchData, timeoutSeconds: number): string {
  const shape = d.scenario === "parallel" ? `${d.durationSeconds} s, ` : d.rowsPerTable ? `${num(d.rowsPerTable)} rows per table, ` : "";
  return [
    `bench ${d.scenario}: ${shape}${d.workers} worker(s), ${d.batch === 1 ? "single-row inserts" : `${d.batch} rows per INSERT`}`,
    table(
      ["table", "rows", "rows/s", ...LATENCY_HEADER],
      [...d.tables.map((t) => [t.table, num(t.rows), rate(t.rowsPerSec), ...latencyCells(t.latencyMs)]), ["overall", num(d.rows), rate(d.rowsPerSec), ...latencyCells(d.latencyMs)]],
    ),
    `throughput ${rate(d.rowsPerSec)} rows/s over ${d.insertSeconds} s; ${latencyLine(d.latencyMs)}`,
    ...(d.catchUpSeconds !== undefined ? [`all rows visible ${d.catchUpSeconds} s after the first insert`] : []),
    ...(d.notVisible > 0 ? [`${num(d.notVisible)} row(s) not visible in the sink after ${timeoutSeconds} s`] : []),
    ...(d.interrupted ? ["stopped by Ctrl+C"] : []),
    ...(d.report ? [`report written to ${d.report}`] : []),
  ].join("\n");
}
