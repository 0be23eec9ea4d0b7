/**
 * `cdc load [N] [--unlimited] [--rate R]`: writes N tool rows per table (default 100), or rows until
 * Ctrl+C, with a progress bar; then waits for the sink and reports throughput and latency.
 */
import { positiveInteger } from "../args";
import { writableTables } from "../context";
import { Command, CommandResult, JSON_FLAG, POLL_FLAG, TIMEOUT_FLAG, pollInterval } from "../command";
import { EXIT, UsageError } from "../errors";
import { LATENCY_HEADER, Progress, latencyCells, latencyLine, num, progressBar, rate, table } from "../render";
import { RunResult, measuredRun } from "../workload";

export interface LoadData extends RunResult {
  rowsPerTable: number | null;
  workers: number;
  rate: number | null;
  interrupted: boolean;
}

interface LoadOptions {
  unlimited: boolean;
  rowsPerTable?: number;
  rate?: number;
  workers: number;
  timeoutSeconds: number;
  pollMs: number;
}

export const loadCommand: Command<LoadOptions> = {
  name: "load",
  summary: "write N rows per table (default 100) or rows until Ctrl+C, with progress",
  usage: ["cdc load [N] [--unlimited] [--rate R] [--workers W] [--timeout S] [--json]"],
  needs: ["source", "sink"],
  flags: [
    { name: "unlimited", type: "boolean", help: "write until Ctrl+C, then print a summary (exit 0)" },
    { name: "rate", type: "number", value: "R", help: "total rows per second across tables (default: as fast as possible)" },
    { name: "workers", short: "w", type: "integer", value: "W", help: "writer connections (default 1)" },
    TIMEOUT_FLAG,
    POLL_FLAG,
    JSON_FLAG,
  ],
  parse(args) {
    const unlimited = args.flags.unlimited === true;
    if (args.positionals.length > 1) throw new UsageError(`unexpected argument "${args.positionals[1]}"`, true);
    if (unlimited && args.positionals.length) throw new UsageError("give either N or --unlimited, not both");
    const rowsPerTable = unlimited ? undefined : args.positionals.length ? positiveInteger(args.positionals[0], "N") : 100;
    const rate = args.flags.rate as number | undefined;
    if (rate !== undefined && rate <= 0) throw new UsageError("--rate must be above 0");
    const workers = (args.flags.workers as number | undefined) ?? 1;
    if (workers < 1) throw new UsageError("--workers must be at least 1");
    const timeoutSeconds = (args.flags.timeout as number | undefined) ?? 60;
    return { unlimited, rowsPerTable, rate, workers, timeoutSeconds, pollMs: pollInterval(args.flags["poll-ms"]) };
  },
  async run(ctx, { unlimited, rowsPerTable, rate, workers, timeoutSeconds, pollMs }): Promise<CommandResult<LoadData>> {

    const tables = writableTables(await ctx.tables(), "load");
    const stop = () => ctx.interrupt.requested;
    const total = rowsPerTable === undefined ? undefined : rowsPerTable * tables.length;
    const progress = new Progress(ctx.err);
    const { result } = await measuredRun(ctx, { tables, workers, batch: 1, rowsPerTable, rate, stop, pollMs }, timeoutSeconds * 1000, (run, tracker) => {
      const secs = Math.max((ctx.now() - run.startedAt) / 1000, 0.001);
      const rateNow = `${num(Math.round(run.totalInserted / secs))} rows/s`;
      const seen = `${num(tracker.recorder.visibleRows)} visible`;
      const finished = run.endedAt > 0;
      progress.update(
        total === undefined
          ? `${num(run.totalInserted)} rows  ${rateNow}  ${seen}  (Ctrl+C to stop)`
          : `${progressBar(run.totalInserted, total)} ${num(run.totalInserted)}/${num(total)} rows  ${rateNow}  ${seen}`,
        finished,
      );
      if (finished) progress.done();
    });
    const interrupted = stop();
    const data: LoadData = {
      rowsPerTable: rowsPerTable ?? null,
      workers,
      rate: rate ?? null,
      interrupted,
      ...result,
    };
    // --unlimited ends only with Ctrl+C, so that is success; a bounded load cut short is not.
    const exitCode = interrupted && !unlimited ? EXIT.INTERRUPTED : data.notVisible > 0 ? EXIT.CHECK_FAILED : EXIT.OK;
    return { exitCode, data, human: renderLoad(data, timeoutSeconds) };
  },
};

export function renderLoad(d: LoadData, timeoutSeconds: number): string {
  return [
    table(["table", "rows", "rows/s", ...LATENCY_HEADER], d.tables.map((t) => [t.table, num(t.rows), rate(t.rowsPerSec), ...latencyCells(t.latencyMs)])),
    `wrote ${num(d.rows)} rows in ${d.insertSeconds} s (${rate(d.rowsPerSec)} rows/s)${d.interrupted ? ", stopped by Ctrl+C" : ""}`,
    latencyLine(d.latencyMs),
    ...(d.notVisible > 0 ? [`${num(d.notVisible)} row(s) not visible in the sink after ${timeoutSeconds} s`] : []),
  ].join("\n");
}
