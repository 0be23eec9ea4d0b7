/**
 * `cdc latency single|multi|batch`: insert-to-visible latency of one row into orders, one row into each
 * replicated table, or one multi-row INSERT of --rows rows into orders.
 */
import { positiveInteger } from "../args";
import { Command, CommandResult, JSON_FLAG, POLL_FLAG, TIMEOUT_FLAG, pollInterval } from "../command";
import { Context, requireTable, writableTables } from "../context";
import { EXIT, UsageError } from "../errors";
import { TableDef } from "../../catalog/tables";
import { LATENCY_HEADER, latencyCells, latencyLine, ms, table } from "../render";
import { RunResult, measuredRun } from "../workload";

const MODES = ["single", "multi", "batch"] as const;
type Mode = (typeof MODES)[number];

export interface LatencyData extends RunResult {
  mode: Mode;
  timeoutSeconds: number;
  interrupted: boolean;
}

interface LatencyOptions {
  mode: Mode;
  rows: number;
  timeoutSeconds: number;
  pollMs: number;
}

export const latencyCommand: Command<LatencyOptions> = {
  name: "latency",
  summary: "insert-to-visible latency of one row, one row per table, or a batch",
  usage: ["cdc latency single|multi|batch [--rows N] [--timeout S] [--json]"],
  needs: ["source", "sink"],
  flags: [
    { name: "rows", type: "integer", value: "N", help: "batch: rows in the one INSERT (default 100)" },
    TIMEOUT_FLAG,
    POLL_FLAG,
    JSON_FLAG,
  ],
  parse(args) {
    const mode = args.positionals[0] as Mode;
    if (!MODES.includes(mode)) throw new UsageError(`latency needs a mode: ${MODES.join(", ")}`, true);
    if (args.positionals.length > 1) throw new UsageError(`unexpected argument "${args.positionals[1]}"`, true);
    if (args.flags.rows !== undefined && mode !== "batch") throw new UsageError("--rows applies to latency batch only");
    const rows = args.flags.rows === undefined ? 100 : positiveInteger(String(args.flags.rows), "--rows");
    const timeoutSeconds = (args.flags.timeout as number | undefined) ?? 60;
    return { mode, rows, timeoutSeconds, pollMs: pollInterval(args.flags["poll-ms"]) };
  },
  async run(ctx, { mode, rows, timeoutSeconds, pollMs }): Promise<CommandResult<LatencyData>> {
    const all = writableTables(await ctx.tables(), "latency");
    const tables = mode === "multi" ? all : [requireTable(all, "orders")];
    const data = await measureOnce(ctx, mode, tables, mode === "batch" ? rows : 1, timeoutSeconds, pollMs);
    const exitCode = data.interrupted ? EXIT.INTERRUPTED : data.notVisible > 0 ? EXIT.CHECK_FAILED : EXIT.OK;
    return { exitCode, data, human: renderLatency(data) };
  },
};

async function measureOnce(ctx: Context, mode: Mode, tables: TableDef[], rows: number, timeoutSeconds: number, pollMs: number): Promise<LatencyData> {
  const stop = () => ctx.interrupt.requested;
  const { result } = await measuredRun(ctx, { tables, workers: 1, batch: rows, rowsPerTable: rows, stop, pollMs }, timeoutSeconds * 1000);
  return { mode, timeoutSeconds, interrupted: stop(), ...result };
}

export function renderLatency(d: LatencyData): string {
  const lines: string[] = [];
  if (d.visible === 0) {
    lines.push(`${d.tables.map((t) => t.table).join(", ")}: ${d.rows} row(s) written, none visible in the sink yet`);
  } else if (d.mode === "multi") {
    lines.push(table(["table", "rows", ...LATENCY_HEADER], d.tables.map((t) => [t.table, t.rows, ...latencyCells(t.latencyMs)])));
  } else if (d.mode === "single") {
    lines.push(`orders: 1 row visible in the sink after ${ms(d.latencyMs?.max)}`);
  } else {
    lines.push(`orders: ${d.rows} rows in one INSERT, all visible after ${ms(d.latencyMs?.max)}`);
  }
  if (d.mode !== "single") lines.push(latencyLine(d.latencyMs));
  if (d.notVisible > 0) lines.push(`${d.notVisible} row(s) not visible in the sink after ${d.timeoutSeconds} s`);
  if (d.interrupted) lines.push("interrupted");
  return lines.join("\n");
}
