/** Text helpers shared by the human renderers: aligned tables, durations, progress bar. */
import { LatencyStats } from "./measure";

export function ms(v: number | undefined): string {
  if (v === undefined) return "-";
  if (v >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  if (v >= 100) return `${Math.round(v)} ms`;
  return `${v.toFixed(1)} ms`;
}

/** Rows per second for tables: whole numbers. */
export function rate(v: number): string {
  return Math.round(v).toLocaleString("en-US");
}

export function num(v: number | undefined): string {
  return v === undefined ? "-" : v.toLocaleString("en-US");
}

const NUMERIC = /^(-?[\d,]+(\.\d+)?( ms| s|\/s)?|-)?$/;

/** Aligned columns: numeric columns (every cell a number, a duration or "-") right, others left. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const body = rows.map((r) => r.map(String));
  const cells = [header, ...body];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const right = header.map((_, i) => i > 0 && body.every((r) => NUMERIC.test(r[i] ?? "")));
  return cells
    .map((r) => r.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd())
    .join("\n");
}

export const LATENCY_HEADER = ["p50", "p95", "p99", "max"];

export function latencyCells(s: LatencyStats | undefined): string[] {
  return [ms(s?.p50), ms(s?.p95), ms(s?.p99), ms(s?.max)];
}

export function latencyLine(s: LatencyStats | undefined): string {
  if (!s) return "latency: no rows visible";
  return `latency over ${num(s.count)} rows: p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, p99 ${ms(s.p99)}, max ${ms(s.max)}`;
}

/** `[#########---------]  45%` */
export function progressBar(done: number, total: number, width = 30): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}%`;
}

/**
 * Progress display: on a TTY one line redrawn in place; otherwise a plain line every `plainEveryMs`
 * (and the final one), so logs stay readable.
 */
export class Progress {
  private lastPlain = 0;
  private drawn = false;

  constructor(private readonly out: { write(s: string): void; isTTY: boolean }, private readonly plainEveryMs = 5000) {}

  update(line: string, force = false): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}`);
      this.drawn = true;
      return;
    }
    const t = Date.now();
    if (force || t - this.lastPlain >= this.plainEveryMs) {
      this.out.write(line + "\n");
      this.lastPlain = t;
    }
  }

  done(): void {
    if (this.out.isTTY && this.drawn) this.out.write("\n");
    this.drawn = false;
  }
}
