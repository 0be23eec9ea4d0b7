/**
 * The load generator and its measurement: writers insert tool rows (one connection each, pre-rendered
 * SQL, nothing awaited but the INSERT), the tracker records each commit, and a SinkPoller on its own
 * connections finds when the rows appear in the sink.
 */
import type { Connection } from "mysql2/promise";
import { TableDef } from "../catalog/tables";
import { Context, endpointError } from "./context";
import { LatencyRecorder, LatencyStats, LatencyTracker, SinkPoller } from "./measure";
import { InsertTemplate, insertPreparedSql, insertSql, insertTemplate, maxKeysSql, maxToolKeySql, runBase, streamRange, toBigInt } from "./sql";

export const POLL_INTERVAL_MS = 50;

/** Picks the run's first key above every tool key already in source and sink. */
export async function allocateBase(ctx: Context, tables: TableDef[], streams: number): Promise<bigint> {
  const found: Array<bigint | null> = [];
  await Promise.all(
    (["source", "sink"] as const).flatMap((role) =>
      tables.map(async (t) => {
        const rows = await ctx.query<{ m: unknown }>(role, maxToolKeySql(t));
        found.push(toBigInt(rows[0]?.m));
      }),
    ),
  );
  return runBase(found, Date.now(), streams);
}

/** A poller whose query runs on one dedicated sink connection per table. */
export async function sinkPoller(ctx: Context, tables: TableDef[], base: bigint, tracker: LatencyTracker, intervalMs = POLL_INTERVAL_MS): Promise<SinkPoller> {
  const conns = new Map<string, Connection>();
  for (const t of tables) conns.set(t.name, await ctx.newConn("sink"));
  const byName = new Map(tables.map((t) => [t.name, t]));
  return new SinkPoller({
    tracker,
    intervalMs,
    now: ctx.now,
    query: async (table, streams) => {
      const rows = await ctx.query<{ s: unknown; m: unknown }>("sink", maxKeysSql(byName.get(table)!, base, streams), conns.get(table));
      const byStream = new Map(rows.map((r) => [Number(r.s), toBigInt(r.m)]));
      return streams.map((s) => byStream.get(s) ?? null);
    },
  });
}

export interface LoadOptions {
  tables: TableDef[];
  workers: number;
  /** Rows per INSERT statement. */
  batch: number;
  /** Stop once each table has this many rows (shared by all workers). */
  rowsPerTable?: number;
  /** Stop after this long. */
  durationMs?: number;
  /** Total rows per second across workers (unthrottled when absent). */
  rate?: number;
  /** Extra stop condition, checked before every INSERT (Ctrl+C). */
  stop?: () => boolean;
  /** Sink poll interval (default POLL_INTERVAL_MS). */
  pollMs?: number;
}

/** One run of writers. Counters are live, so a progress display can read them on a timer. */
export class LoadRun {
  readonly inserted = new Map<string, number>();
  totalInserted = 0;
  startedAt = 0;
  endedAt = 0;
  private readonly claimed = new Map<string, number>();
  private issued = 0;
  private halted = false;
  private readonly templates: Map<string, InsertTemplate>;

  constructor(private readonly ctx: Context, readonly opts: LoadOptions, readonly base: bigint, readonly tracker: LatencyTracker) {
    this.templates = new Map(opts.tables.map((t) => [t.name, insertTemplate(t)]));
    for (const t of opts.tables) {
      this.inserted.set(t.name, 0);
      this.claimed.set(t.name, 0);
    }
  }

  /** Opens one source connection per worker and runs until a stop condition holds. */
  async run(): Promise<void> {
    const conns: Connection[] = [];
    for (let w = 0; w < this.opts.workers; w++) conns.push(await this.ctx.newConn("source"));
    this.startedAt = this.ctx.now();
    this.tracker.recorder.begin(this.startedAt);
    try {
      await Promise.all(conns.map((c, w) => this.worker(c, w)));
    } catch (err) {
      this.halted = true;
      throw endpointError(this.ctx.endpoint("source"), err);
    } finally {
      this.endedAt = this.ctx.now();
    }
  }

  private shouldStop(): boolean {
    if (this.halted || this.opts.stop?.()) return true;
    return this.opts.durationMs !== undefined && this.ctx.now() - this.startedAt >= this.opts.durationMs;
  }

  /** Claims up to `batch` rows of a table; 0 when its quota is used up. */
  private claim(table: string): number {
    const limit = this.opts.rowsPerTable;
    const used = this.claimed.get(table)!;
    const n = limit === undefined ? this.opts.batch : Math.min(this.opts.batch, limit - used);
    if (n > 0) this.claimed.set(table, used + n);
    return Math.max(0, n);
  }

  private async worker(conn: Connection, w: number): Promise<void> {
    const { tables, rate } = this.opts;
    // Next key per table for this writer: its own range, so keys rise in commit order per (table, writer).
    const next = tables.map(() => streamRange(this.base, w).lo);
    const now = this.ctx.now;
    let i = w % tables.length;
    let exhausted = 0;
    while (!this.shouldStop() && exhausted < tables.length) {
      const ti = i;
      const t = tables[ti];
      i = (i + 1) % tables.length;
      const n = this.claim(t.name);
      if (n === 0) {
        exhausted++;
        continue;
      }
      exhausted = 0;
      if (rate) {
        const due = this.startedAt + (this.issued / rate) * 1000;
        this.issued += n;
        const wait = due - now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        if (this.shouldStop()) break;
      }
      const from = next[ti];
      const tpl = this.templates.get(t.name)!;
      // Single rows go through a prepared statement (the server parses it once); the key travels as a
      // string, so it stays exact. Batches are one pre-rendered multi-row INSERT.
      if (n === 1) await conn.execute(insertPreparedSql(tpl), [from.toString()]);
      else await conn.query(insertSql(tpl, from, n));
      this.tracker.register(t.name, w, from, from + BigInt(n - 1), now());
      next[ti] = from + BigInt(n);
      this.inserted.set(t.name, this.inserted.get(t.name)! + n);
      this.totalInserted += n;
    }
  }
}

export interface TableResult {
  table: string;
  rows: number;
  rowsPerSec: number;
  visible: number;
  latencyMs?: LatencyStats;
}

export interface RunResult {
  rows: number;
  /** Seconds from the first INSERT to the end of the last one. */
  insertSeconds: number;
  rowsPerSec: number;
  visible: number;
  notVisible: number;
  latencyMs?: LatencyStats;
  /** Seconds from the first commit until the last row was visible (undefined if some never were). */
  catchUpSeconds?: number;
  tables: TableResult[];
}

/** What summarizeRun needs of a LoadRun: its tables, row counters and timing. */
export interface RunTotals {
  readonly opts: { readonly tables: readonly TableDef[] };
  readonly inserted: ReadonlyMap<string, number>;
  readonly totalInserted: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** Summaries per table and overall, from what the recorder holds for this run's tables. */
export function summarizeRun(run: RunTotals, recorder: LatencyRecorder, pending: number): RunResult {
  const secs = Math.max((run.endedAt - run.startedAt) / 1000, 1e-6);
  const names = run.opts.tables.map((t) => t.name);
  const tables = names.map((name) => {
    const h = recorder.table(name);
    const rows = run.inserted.get(name) ?? 0;
    return {
      table: name,
      rows,
      rowsPerSec: round(rows / secs),
      visible: h?.rows ?? 0,
      latencyMs: roundStats(h?.stats()),
    };
  });
  const overall = recorder.overall(names);
  return {
    rows: run.totalInserted,
    insertSeconds: round(secs, 3),
    rowsPerSec: round(run.totalInserted / secs),
    visible: overall.rows,
    notVisible: pending,
    latencyMs: roundStats(overall.stats()),
    catchUpSeconds: pending === 0 && overall.rows > 0 ? round((recorder.lastVisibleAt - run.startedAt) / 1000, 3) : undefined,
    tables,
  };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function roundStats(s: LatencyStats | undefined): LatencyStats | undefined {
  if (!s) return undefined;
  return { count: s.count, min: round(s.min), p50: round(s.p50), p95: round(s.p95), p99: round(s.p99), max: round(s.max) };
}

export interface MeasuredRun {
  run: LoadRun;
  tracker: LatencyTracker;
  result: RunResult;
}

/**
 * Allocates keys, starts the poller, runs the writers, then waits up to `timeoutMs` for the sink.
 * `onTick` is called every 200 ms while writing (progress displays). Runs that share a `recorder`
 * (bench per-table) add up in it.
 */
export async function measuredRun(
  ctx: Context,
  opts: LoadOptions,
  timeoutMs: number,
  onTick?: (run: LoadRun, tracker: LatencyTracker) => void,
  recorder = new LatencyRecorder(),
): Promise<MeasuredRun> {
  const tracker = new LatencyTracker(recorder);
  const base = await allocateBase(ctx, opts.tables, opts.workers);
  const poller = await sinkPoller(ctx, opts.tables, base, tracker, opts.pollMs);
  const run = new LoadRun(ctx, opts, base, tracker);
  const timer = onTick ? setInterval(() => onTick(run, tracker), 200) : undefined;
  poller.start();
  try {
    await run.run();
  } finally {
    if (timer) clearInterval(timer);
  }
  onTick?.(run, tracker);
  // Stopped by Ctrl+C while writing: wait at most 10 s for the sink. Ctrl+C while waiting: stop waiting.
  const interrupted = opts.stop?.() ?? false;
  await poller.drain(interrupted ? Math.min(timeoutMs, 10_000) : timeoutMs, () => !interrupted && (opts.stop?.() ?? false));
  return { run, tracker, result: summarizeRun(run, recorder, tracker.pendingCount()) };
}
