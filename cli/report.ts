/** `--report FILE.html`: one self-contained page (inline SVG and CSS, no external assets). */
import { CommitTimeline, LatencyRecorder } from "./measure";
import type { BenchData } from "./commands/bench";

const W = 900;
const H = 260;
const PAD = { l: 60, r: 20, t: 20, b: 36 };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Smallest "round" axis maximum at or above v (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 x a power of ten). */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * p).find((x) => x >= v * (1 - 1e-9)) as number;
}

/** Axes with 5 ticks each; returns the SVG fragments plus the scale functions. */
function frame(xMax: number, yMax: number, xLabel: string, yLabel: string) {
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const x = (v: number) => PAD.l + (v / xMax) * iw;
  const y = (v: number) => PAD.t + ih - (Math.min(v, yMax) / yMax) * ih;
  const parts: string[] = [`<rect x="${PAD.l}" y="${PAD.t}" width="${iw}" height="${ih}" fill="#fafafa" stroke="#ccc"/>`];
  for (let i = 0; i <= 5; i++) {
    const xv = (xMax * i) / 5;
    const yv = (yMax * i) / 5;
    parts.push(`<text x="${x(xv).toFixed(1)}" y="${H - PAD.b + 16}" text-anchor="middle">${+xv.toFixed(1)}</text>`);
    parts.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(yv).toFixed(1)}" y2="${y(yv).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${PAD.l - 6}" y="${(y(yv) + 4).toFixed(1)}" text-anchor="end">${+yv.toFixed(1)}</text>`);
  }
  parts.push(`<text x="${PAD.l + iw / 2}" y="${H - 4}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text x="14" y="${PAD.t + ih / 2}" text-anchor="middle" transform="rotate(-90 14 ${PAD.t + ih / 2})">${esc(yLabel)}</text>`);
  return { parts, x, y };
}

function svg(body: string[], title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${body.join("")}</svg>`;
}

/** The slowest latency of each timeline slot, by commit time (at most TIMELINE_MAX_SLOTS dots). */
export function latencyChart(line: CommitTimeline | undefined): string {
  const slowest = line?.slowest ?? [];
  const rows = line?.rows ?? [];
  const slotS = (line?.slotMs ?? 1000) / 1000;
  // Dots sit at slot centres, so the axis spans whole slots, not just the last commit.
  const xMax = niceMax(Math.max((line?.lastCommit ?? 0) / 1000, slowest.length * slotS, 0.001));
  const yMax = niceMax(slowest.reduce((m, v) => Math.max(m, v), 0.001));
  const f = frame(xMax, yMax, "seconds since start (commit time)", "latency (ms)");
  for (let i = 0; i < slowest.length; i++) {
    if (rows[i] === 0) continue;
    f.parts.push(`<circle cx="${f.x((i + 0.5) * slotS).toFixed(1)}" cy="${f.y(slowest[i]).toFixed(1)}" r="1.6" fill="#1f77b4"/>`);
  }
  return svg(f.parts, "latency over time");
}

export function throughputChart(line: CommitTimeline | undefined): string {
  const { bucketMs, perSecond: series } = line?.throughput() ?? { bucketMs: 1000, perSecond: [] };
  const bucketS = bucketMs / 1000;
  // The last bucket is usually partial: scale it by the time it covers, or drop it if under half a bucket.
  const covered = (line?.lastCommit ?? 0) / bucketMs - (series.length - 1);
  if (series.length > 1 && covered < 0.5) series.pop();
  else if (series.length && covered < 1) series[series.length - 1] /= Math.max(covered, 1e-3);
  const xMax = niceMax(Math.max(1, series.length * bucketS));
  const yMax = niceMax(series.reduce((m, v) => Math.max(m, v), 1));
  const f = frame(xMax, yMax, "seconds since start", "rows/s (visible rows by commit time)");
  const pts = series.map((v, i) => `${f.x((i + 0.5) * bucketS).toFixed(1)},${f.y(v).toFixed(1)}`).join(" ");
  if (pts) f.parts.push(`<polyline points="${pts}" fill="none" stroke="#d62728" stroke-width="2"/>`);
  return svg(f.parts, "throughput over time");
}

export function renderReport(d: BenchData, recorder: LatencyRecorder): string {
  const fmt = (v: number | undefined) => (v === undefined ? "-" : v.toFixed(1));
  const rows = [...d.tables.map((t) => ({ name: t.table, rows: t.rows, rate: t.rowsPerSec, l: t.latencyMs })), { name: "overall", rows: d.rows, rate: d.rowsPerSec, l: d.latencyMs }]
    .map((r) => `<tr><td>${esc(r.name)}</td><td>${r.rows}</td><td>${r.rate}</td><td>${fmt(r.l?.p50)}</td><td>${fmt(r.l?.p95)}</td><td>${fmt(r.l?.p99)}</td><td>${fmt(r.l?.max)}</td></tr>`)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cdc bench ${esc(d.scenario)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}svg text{font:11px system-ui,sans-serif;fill:#555}</style>
</head><body>
<h1>cdc bench ${esc(d.scenario)}</h1>
<p>${d.workers} worker(s), ${d.batch === 1 ? "single-row inserts" : `${d.batch} rows per INSERT`}; ${d.rows} rows in ${d.insertSeconds} s = <b>${d.rowsPerSec} rows/s</b>; ${d.notVisible} row(s) not visible. Generated ${esc(new Date().toISOString())}.</p>
<table><thead><tr><th>table</th><th>rows</th><th>rows/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Latency over time</h2>
${latencyChart(recorder.timeline)}
<h2>Throughput</h2>
${throughputChart(recorder.timeline)}
<p>Latency: source commit to the first sink poll that saw the row; percentiles are nearest-rank over all rows.</p>
</body></html>
`;
}
