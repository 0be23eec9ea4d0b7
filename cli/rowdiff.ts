/**
 * The row comparison behind `cdc verify`, free of I/O so it can be unit-tested on arrays:
 * - keysetBatches: a side read as batches in key order (the query is injected), one batch fetched ahead;
 * - mergeCompare: walks two key-ordered streams of batches in step, so memory holds two batches however
 *   large the table;
 * - DiffCollector: counts and bounded samples per table, and the differences kept for a re-check;
 * - recheck: looks at those rows again until each one agrees or has stayed different for longer than the
 *   pipeline's measured lag allows (clock, sleep and reads injected).
 *
 * A row is an array: the key columns first (in key order), then the value columns. Values are compared
 * only through catalog/compare.ts, so the rules are the catalog's type mapping.
 */
import { canonicalValue, valuesEqual } from "../catalog/compare";
import { Column, arrivalOf } from "../catalog/tables";

export type Row = readonly unknown[];
export type Side = "source" | "sink";

/** The columns of a compared row, in row order, and how many of them (from the start) are the key. */
export interface RowShape {
  columns: readonly Column[];
  keyWidth: number;
}

const NUMERIC_ARRIVALS = new Set(["integer", "decimal", "float", "bit-integer", "bit-boolean"]);

/** True when keys of this column sort as numbers on both sides (else by their UTF-8 bytes). */
export function numericKey(c: Column): boolean {
  return NUMERIC_ARRIVALS.has(arrivalOf(c).kind);
}

/** Compares two canonical decimal strings (`-12.5`, `3`) as numbers. */
export function compareDecimal(a: string, b: string): number {
  const na = a.startsWith("-");
  const nb = b.startsWith("-");
  if (na !== nb) return na ? -1 : 1;
  const sign = na ? -1 : 1;
  const [ia, fa = ""] = (na ? a.slice(1) : a).split(".");
  const [ib, fb = ""] = (nb ? b.slice(1) : b).split(".");
  if (ia.length !== ib.length) return sign * (ia.length - ib.length);
  if (ia !== ib) return sign * (ia < ib ? -1 : 1);
  const n = Math.max(fa.length, fb.length);
  const pa = fa.padEnd(n, "0");
  const pb = fb.padEnd(n, "0");
  return pa === pb ? 0 : sign * (pa < pb ? -1 : 1);
}

/** Byte order of the UTF-8 encodings (StarRocks sorts strings by bytes; JS `<` sorts UTF-16 units). */
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Orders a source row's key against a sink row's key (negative: the source row comes first). */
export function compareKeys(shape: RowShape, a: Row, aSide: Side, b: Row, bSide: Side): number {
  for (let i = 0; i < shape.keyWidth; i++) {
    const c = shape.columns[i];
    const x = canonicalValue(c, a[i], aSide) ?? "";
    const y = canonicalValue(c, b[i], bSide) ?? "";
    if (x === y) continue;
    return numericKey(c) ? compareDecimal(x, y) : compareUtf8(x, y);
  }
  return 0;
}

/** The key as one string, equal for the same key read from either side. */
export function keyString(shape: RowShape, row: Row, side: Side): string {
  if (shape.keyWidth === 1) return canonicalValue(shape.columns[0], row[0], side) ?? "";
  const parts: Array<string | null> = [];
  for (let i = 0; i < shape.keyWidth; i++) parts.push(canonicalValue(shape.columns[i], row[i], side));
  return JSON.stringify(parts);
}

/** Indexes of the value columns whose values differ between a source row and a sink row with the same key. */
export function differingColumns(shape: RowShape, src: Row, snk: Row): number[] {
  const out: number[] = [];
  for (let i = shape.keyWidth; i < shape.columns.length; i++) if (!valuesEqual(shape.columns[i], src[i], snk[i])) out.push(i);
  return out;
}

/** The rows agree: both absent, or both present with every value equal. */
export function rowsAgree(shape: RowShape, src: Row | undefined, snk: Row | undefined): boolean {
  if (!src || !snk) return !src && !snk;
  return differingColumns(shape, src, snk).length === 0;
}

// ------------------------------------------------------------------ reading

/**
 * Reads one side in batches: `fetch(after)` returns up to `limit` rows with keys above `after`'s (all
 * rows from the start when undefined), in key order. The next batch is requested as soon as a full one
 * arrives, so reading overlaps comparing; a batch shorter than `limit` is the last.
 */
export async function* keysetBatches(fetch: (after: Row | undefined) => Promise<Row[]>, limit: number): AsyncGenerator<Row[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`batch size must be a positive whole number, got ${limit}`);
  let next = fetch(undefined);
  for (;;) {
    const rows = await next;
    const full = rows.length >= limit;
    if (full) {
      next = fetch(rows[rows.length - 1]);
      // Reported when awaited; this only keeps an abandoned read from being an unhandled rejection.
      next.catch(() => undefined);
    }
    if (rows.length) yield rows;
    if (!full) return;
  }
}

class Cursor {
  private batch: Row[] = [];
  private i = 0;
  private ended = false;
  rows = 0;

  constructor(private readonly it: AsyncIterator<Row[]>) {}

  /** Makes `row` valid; false at the end of the stream. */
  async fill(): Promise<boolean> {
    while (this.i >= this.batch.length) {
      if (this.ended) return false;
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        return false;
      }
      this.batch = r.value;
      this.i = 0;
    }
    return true;
  }

  /** A row is at hand without reading (no await needed). */
  get buffered(): boolean {
    return this.i < this.batch.length;
  }

  get row(): Row {
    return this.batch[this.i];
  }

  advance(): void {
    this.i++;
    this.rows++;
  }

  async close(): Promise<void> {
    if (!this.ended) await this.it.return?.(undefined);
  }
}

export interface MergeVisitor {
  /** The same key on both sides; `columns` are the differing value columns (empty: equal). */
  both(src: Row, snk: Row, columns: number[]): void;
  onlySource(src: Row): void;
  onlySink(snk: Row): void;
}

export interface MergeResult {
  sourceRows: number;
  sinkRows: number;
  /** `stop()` returned true before both streams ended. */
  stopped: boolean;
}

/**
 * Walks both key-ordered streams once, like the merge step of a merge sort, calling `visit` for every key.
 * `stop` is asked between rows (cheaply) so Ctrl+C ends a long table promptly.
 */
export async function mergeCompare(shape: RowShape, source: AsyncIterable<Row[]>, sink: AsyncIterable<Row[]>, visit: MergeVisitor, stop: () => boolean = () => false): Promise<MergeResult> {
  const s = new Cursor(source[Symbol.asyncIterator]());
  const k = new Cursor(sink[Symbol.asyncIterator]());
  let stopped = false;
  try {
    let n = 0;
    for (;;) {
      if ((++n & 1023) === 0 && stop()) {
        stopped = true;
        break;
      }
      // Awaiting only at batch ends keeps the per-row path synchronous.
      const [hs, hk] = s.buffered && k.buffered ? [true, true] : await Promise.all([s.fill(), k.fill()]);
      if (!hs && !hk) break;
      if (!hk) {
        visit.onlySource(s.row);
        s.advance();
        continue;
      }
      if (!hs) {
        visit.onlySink(k.row);
        k.advance();
        continue;
      }
      const c = compareKeys(shape, s.row, "source", k.row, "sink");
      if (c < 0) {
        visit.onlySource(s.row);
        s.advance();
      } else if (c > 0) {
        visit.onlySink(k.row);
        k.advance();
      } else {
        visit.both(s.row, k.row, differingColumns(shape, s.row, k.row));
        s.advance();
        k.advance();
      }
    }
  } finally {
    await Promise.all([s.close(), k.close()]);
  }
  return { sourceRows: s.rows, sinkRows: k.rows, stopped };
}

// ------------------------------------------------------------------ collecting

export type DiffKind = "onlySource" | "onlySink" | "different";

export interface ColumnDiff {
  column: string;
  source: string | null;
  sink: string | null;
}

export interface DiffSample {
  kind: DiffKind;
  /** Key column -> value. */
  key: Record<string, string | null>;
  /** The differing value columns with both values (kind "different" only), in column order. */
  columns?: ColumnDiff[];
  /** The source kept changing this row until the re-check gave up (so the difference may be in flight). */
  stillChanging?: boolean;
}

/** A difference waiting for its re-check. */
export interface Pending {
  key: Row;
  /** Side the key values were read from (how to canonicalise them). */
  keySide: Side;
  src?: Row;
  snk?: Row;
  /** When the source row was first seen with its current value (or absence). */
  since: number;
  /** When the two sides were last seen to differ. */
  lastDiffAt: number;
  /** Signature of that source value. */
  sig: string;
  changing: boolean;
}

/** How a value is shown: text as text, binary as 0x..., cut to `max` characters (marked with …). */
export function showValue(v: unknown, max = 200): string | null {
  if (v === null || v === undefined) return null;
  const s = Buffer.isBuffer(v) ? "0x" + v.toString("hex") : String(v);
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

export function rowSignature(shape: RowShape, row: Row | undefined, side: Side): string {
  if (!row) return "absent";
  return JSON.stringify(shape.columns.map((c, i) => canonicalValue(c, row[i], side)));
}

export interface CollectorOptions {
  /** Samples kept per table (the counts are exact regardless). */
  sampleLimit: number;
  /** Differences kept for a re-check; beyond this they are reported as found. */
  recheckLimit: number;
}

/** Counts, samples and pending re-checks of one table, in bounded memory. */
export class DiffCollector {
  onlySource = 0;
  onlySink = 0;
  different = 0;
  /** Rows present on both sides (equal or not). */
  compared = 0;
  /** Differences reported without a re-check because recheckLimit was reached. */
  notRechecked = 0;
  readonly samples: DiffSample[] = [];
  readonly pending = new Map<string, Pending>();

  constructor(readonly shape: RowShape, readonly opts: CollectorOptions) {}

  /** A visitor for mergeCompare: every difference becomes a candidate observed at `now()`. */
  visitor(now: () => number): MergeVisitor {
    return {
      both: (src, snk, cols) => {
        this.compared++;
        if (cols.length) this.candidate(src, snk, now());
      },
      onlySource: (src) => this.candidate(src, undefined, now()),
      onlySink: (snk) => this.candidate(undefined, snk, now()),
    };
  }

  /** A difference seen at `at`: kept for the re-check, or reported at once when the re-check list is full. */
  candidate(src: Row | undefined, snk: Row | undefined, at: number): void {
    const keySide: Side = src ? "source" : "sink";
    const keyRow = (src ?? snk)!;
    if (this.pending.size >= this.opts.recheckLimit) {
      this.notRechecked++;
      this.report(src, snk, false);
      return;
    }
    const id = keyString(this.shape, keyRow, keySide);
    this.pending.set(id, { key: keyRow.slice(0, this.shape.keyWidth), keySide, src, snk, since: at, lastDiffAt: at, sig: rowSignature(this.shape, src, "source"), changing: false });
  }

  /** A difference that stands: counted, and sampled while under the limit. */
  report(src: Row | undefined, snk: Row | undefined, changing: boolean): void {
    const kind: DiffKind = !snk ? "onlySource" : !src ? "onlySink" : "different";
    if (kind === "onlySource") this.onlySource++;
    else if (kind === "onlySink") this.onlySink++;
    else this.different++;
    if (this.samples.length >= this.opts.sampleLimit) return;
    const keyRow = (src ?? snk)!;
    const side: Side = src ? "source" : "sink";
    const key: Record<string, string | null> = {};
    for (let i = 0; i < this.shape.keyWidth; i++) key[this.shape.columns[i].name] = canonicalValue(this.shape.columns[i], keyRow[i], side);
    const sample: DiffSample = { kind, key };
    if (src && snk) {
      sample.columns = differingColumns(this.shape, src, snk).map((i) => ({ column: this.shape.columns[i].name, source: showValue(src[i]), sink: showValue(snk[i]) }));
    }
    if (changing) sample.stillChanging = true;
    this.samples.push(sample);
  }
}

// ------------------------------------------------------------------ re-check

/** The pipeline's lag as observed on rows that converged during re-checks (shared by all tables of a run). */
export class LagEstimate {
  /** Slowest convergence seen, ms (undefined: none seen yet). */
  slowestMs?: number;
  converged = 0;

  observe(ms: number): void {
    this.converged++;
    if (this.slowestMs === undefined || ms > this.slowestMs) this.slowestMs = Math.max(0, ms);
  }
}

export interface RecheckIO {
  /** Reads the rows with these keys from one side (absent keys are simply not returned). */
  read(side: Side, keys: Row[], keySide: Side): Promise<Row[]>;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Ctrl+C: remaining rows are reported as they were last seen. */
  stop(): boolean;
}

export interface RecheckOptions {
  /**
   * A difference stands once its source value has stayed unchanged for `lagFactor` x the slowest
   * convergence measured (at least `minWaitMs`) ...
   */
  lagFactor: number;
  minWaitMs: number;
  /** ... or, while no row has converged yet (nothing measured), for `settleMs`. */
  settleMs: number;
  /** Never re-check longer than this in all; rows still changing are then reported as such. */
  maxWaitMs: number;
}

/** A catch-up seen within this long of the last look that still differed measures the lag. */
const TIGHT_BRACKET_MS = 2000;

export const DEFAULT_RECHECK: RecheckOptions = { lagFactor: 3, minWaitMs: 2000, settleMs: 15_000, maxWaitMs: 120_000 };

export interface RecheckResult {
  /** Differences looked at again. */
  rechecked: number;
  /** Of those, rows that came to agree (they were in flight). */
  converged: number;
  /** Wall time spent re-checking, ms. */
  ms: number;
}

/** How long a difference must stay put before it stands, given what has been measured so far. */
export function allowanceMs(lag: LagEstimate, opts: RecheckOptions): number {
  return lag.slowestMs === undefined ? opts.settleMs : Math.max(opts.minWaitMs, opts.lagFactor * lag.slowestMs);
}

/**
 * Re-reads the collector's pending differences (source first, then the sink, so a change the source
 * shows has had at least as long to reach the sink) until each one agrees, or has kept the same source
 * value for the allowance, or `maxWaitMs` passes. Differences that stand go to `collector.report`, so a
 * real one is never dropped: only agreement removes a row.
 */
export async function recheck(collector: DiffCollector, io: RecheckIO, lag: LagEstimate, opts: RecheckOptions = DEFAULT_RECHECK): Promise<RecheckResult> {
  const { shape, pending } = collector;
  const started = io.now();
  const rechecked = pending.size;
  let converged = 0;
  while (pending.size > 0) {
    if (io.stop()) break;
    // Poll faster than the lag, not in a tight loop.
    await io.sleep(Math.min(1000, Math.max(100, (lag.slowestMs ?? 1000) / 4)));
    const groups: Record<Side, Row[]> = { source: [], sink: [] };
    for (const p of pending.values()) groups[p.keySide].push(p.key);
    const read = async (side: Side) => {
      const out = new Map<string, Row>();
      for (const keySide of ["source", "sink"] as const) {
        if (!groups[keySide].length) continue;
        for (const r of await io.read(side, groups[keySide], keySide)) out.set(keyString(shape, r, side), r);
      }
      return out;
    };
    const src = await read("source");
    const snk = await read("sink");
    const t = io.now();
    const allowance = () => allowanceMs(lag, opts);
    for (const [id, p] of pending) {
      const s = src.get(id);
      const k = snk.get(id);
      if (rowsAgree(shape, s, k)) {
        // The sink caught up between lastDiffAt and t; t - since is the lag's upper bound, lastDiffAt - since
        // its lower bound. Only a tight bracket measures anything: a row that agrees at the first look after
        // a long scan may have caught up at any time during it.
        const upper = t - p.since;
        const lower = p.lastDiffAt - p.since;
        if (upper - lower <= TIGHT_BRACKET_MS || lower >= upper / 2) lag.observe(upper);
        converged++;
        pending.delete(id);
        continue;
      }
      const sig = rowSignature(shape, s, "source");
      if (sig !== p.sig) {
        p.sig = sig;
        p.since = t;
        p.changing = true;
      }
      p.src = s;
      p.snk = k;
      p.lastDiffAt = t;
    }
    const overall = t - started >= opts.maxWaitMs;
    for (const [id, p] of pending) {
      if (overall || t - p.since >= allowance()) {
        collector.report(p.src, p.snk, overall && t - p.since < allowance());
        pending.delete(id);
      }
    }
  }
  // Interrupted: what is left is reported as last seen (never silently dropped).
  for (const [id, p] of pending) {
    collector.report(p.src, p.snk, p.changing);
    pending.delete(id);
  }
  return { rechecked, converged, ms: io.now() - started };
}
