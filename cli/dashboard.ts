/** The monitor's full-screen view: pure text (ANSI colours only), redrawn each interval. */
import { ms, num, table } from "./render";

export interface MonitorTable {
  table: string;
  source: number;
  sink: number;
  difference: number;
  /** Rows per second since the previous snapshot (null on the first). */
  sourceRate: number | null;
  sinkRate: number | null;
}

export interface MonitorSnapshot {
  time: string;
  probe: number;
  /** Latency of this interval's probe, null while it is not visible. */
  latencyMs: number | null;
  /** Age of the oldest probe not yet visible, else the latest probe latency. */
  freshnessMs: number;
  stale: boolean;
  tables: MonitorTable[];
}

const BLOCKS = "▁▂▃▄▅▆▇█";

export function sparkline(values: readonly number[], width: number): string {
  const v = values.slice(-width);
  const max = Math.max(1, ...v);
  return v.map((x) => BLOCKS[Math.min(BLOCKS.length - 1, Math.floor((x / max) * (BLOCKS.length - 1)))]).join("");
}

const rate = (r: number | null) => (r === null ? "-" : `${r.toFixed(1)}/s`);

export function renderDashboard(s: MonitorSnapshot, history: readonly number[], opts: { maxLatencyS: number; intervalS: number; width: number; source: string; sink: string }): string {
  const colour = s.stale ? "\x1b[1;31m" : "\x1b[1;32m";
  const reset = "\x1b[0m";
  const lines = [
    `\x1b[1mcdc monitor\x1b[0m   ${s.time}   probe #${s.probe} every ${opts.intervalS} s   Ctrl+C to quit`,
    `${opts.source}   ${opts.sink}`,
    "",
    `freshness ${colour}${ms(s.freshnessMs)}${reset} ${s.stale ? `(STALE: over ${opts.maxLatencyS} s)` : `(limit ${opts.maxLatencyS} s)`}   last probe ${s.latencyMs === null ? "not visible yet" : ms(s.latencyMs)}`,
    `latency history ${sparkline(history, Math.max(10, opts.width - 20))}`,
    "",
    s.tables.length === 0
      ? "row counts off (--counts-every 0)"
      : table(
          ["table", "source rows", "sink rows", "behind", "source rate", "sink rate"],
          s.tables.map((t) => [t.table, num(t.source), num(t.sink), num(t.difference), rate(t.sourceRate), rate(t.sinkRate)]),
        ),
  ];
  return lines.join("\n");
}

export function renderSimpleLine(s: MonitorSnapshot): string {
  const behind = s.tables.reduce((a, t) => a + t.difference, 0);
  const srcRate = s.tables.reduce((a, t) => a + (t.sourceRate ?? 0), 0);
  const sinkRate = s.tables.reduce((a, t) => a + (t.sinkRate ?? 0), 0);
  const lat = s.latencyMs === null ? "not visible yet" : ms(s.latencyMs);
  const head = `${s.time}  probe #${s.probe}  latency ${lat}  freshness ${ms(s.freshnessMs)}${s.stale ? " STALE" : ""}`;
  if (s.tables.length === 0) return head; // counts off
  return `${head}  behind ${num(behind)} rows  source ${srcRate.toFixed(1)}/s  sink ${sinkRate.toFixed(1)}/s`;
}
