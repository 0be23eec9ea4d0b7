/**
 * Latency measurement, free of I/O so it can be unit-tested: the tracker that turns "highest tool key
 * the sink shows" into per-row latencies, the bounded-memory recorder of those latencies (nearest-rank
 * percentiles over every row), and the sink poller loop (its query, clock and sleep are injected).
 *
 * Model: rows are written in streams (one per writer and table) whose keys strictly increase in commit
 * order. A poll asks the sink, once per table, for the highest key of each stream; every pending row of
 * that stream with a key at or below it is visible, and its latency is the time from its commit
 * acknowledgement to the end of that poll. This assumes the pipeline applies each table's changes in
 * source commit order (mysql-cdc with one source task per table, and MariaDB replication, do).
 */

export interface LatencyStats {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** One group of rows committed together and seen together (a single-row insert is a group of 1). */
export interface Sample {
  table: string;
  /** Commit acknowledgement, ms on the run's clock. */
  committedAt: number;
  /** End of the first poll that saw the rows, same clock. */
  visibleAt: number;
  rows: number;
}

export function latencyOf(s: Sample): number {
  return s.visibleAt - s.committedAt;
}

/**
 * The bucket a latency is counted in: 0.1 ms below one second (the precision results are printed at),
 * four significant digits above. So a histogram holds at most ~10,000 buckets per decade of latency,
 * however many rows a run writes.
 */
export function latencyBucket(ms: number): number {
  if (ms < 1000) return Math.round(ms * 10) / 10;
  const step = 10 ** (Math.floor(Math.log10(ms)) - 3);
  return Math.round(ms / step) * step;
}

/** Latency distribution in bounded memory: rows per latencyBucket, exact min and max. */
export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  rows = 0;
  min = Infinity;
  max = -Infinity;

  add(latencyMs: number, rows: number): void {
    if (rows <= 0) return;
    const b = latencyBucket(latencyMs);
    this.counts.set(b, (this.counts.get(b) ?? 0) + rows);
    this.rows += rows;
    if (latencyMs < this.min) this.min = latencyMs;
    if (latencyMs > this.max) this.max = latencyMs;
  }

  merge(other: LatencyHistogram): void {
    for (const [b, n] of other.counts) this.counts.set(b, (this.counts.get(b) ?? 0) + n);
    this.rows += other.rows;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  get buckets(): number {
    return this.counts.size;
  }

  stats(): LatencyStats | undefined {
    if (this.rows === 0) return undefined;
    const sorted = [...this.counts].sort((a, b) => a[0] - b[0]);
    const at = (p: number): number => {
      const rank = p <= 0 ? 1 : Math.min(Math.ceil((p / 100) * this.rows), this.rows);
      let seen = 0;
      for (const [b, n] of sorted) {
        seen += n;
        // A bucket's value can lie just outside the exact extremes it was rounded from.
        if (seen >= rank) return Math.min(Math.max(b, this.min), this.max);
      }
      return this.max;
    };
    return { count: this.rows, min: this.min, p50: at(50), p95: at(95), p99: at(99), max: this.max };
  }
}

/** Slot width of a new timeline: 1/128 s, so every doubling stays a divisor or a multiple of a second. */
const TIMELINE_BASE_SLOT_MS = 1000 / 128;
/** A timeline never holds more slots than this; it doubles its slot width instead. */
export const TIMELINE_MAX_SLOTS = 4096;

/** Visible rows and the slowest latency per slot of commit time, for charts; bounded memory. */
export class CommitTimeline {
  slotMs = TIMELINE_BASE_SLOT_MS;
  readonly rows: number[] = [];
  readonly slowest: number[] = [];
  /** Latest commit seen, ms after the origin. */
  lastCommit = 0;

  constructor(readonly origin: number) {}

  add(committedAt: number, latencyMs: number, rows: number): void {
    const t = Math.max(0, committedAt - this.origin);
    let i = Math.floor(t / this.slotMs);
    while (i >= TIMELINE_MAX_SLOTS) {
      this.coarsen();
      i = Math.floor(t / this.slotMs);
    }
    while (this.rows.length <= i) {
      this.rows.push(0);
      this.slowest.push(0);
    }
    this.rows[i] += rows;
    if (latencyMs > this.slowest[i]) this.slowest[i] = latencyMs;
    if (t > this.lastCommit) this.lastCommit = t;
  }

  /** Rows per second by commit time, in buckets of one second (or one slot, once slots are longer). */
  throughput(): { bucketMs: number; perSecond: number[] } {
    const bucketMs = Math.max(1000, this.slotMs);
    const per = Math.round(bucketMs / this.slotMs);
    const perSecond: number[] = [];
    for (let i = 0; i < this.rows.length; i++) {
      const b = Math.floor(i / per);
      while (perSecond.length <= b) perSecond.push(0);
      perSecond[b] += this.rows[i] * (1000 / bucketMs);
    }
    return { bucketMs, perSecond };
  }

  private coarsen(): void {
    const n = Math.ceil(this.rows.length / 2);
    for (let j = 0; j < n; j++) {
      this.rows[j] = this.rows[2 * j] + (this.rows[2 * j + 1] ?? 0);
      this.slowest[j] = Math.max(this.slowest[2 * j], this.slowest[2 * j + 1] ?? 0);
    }
    this.rows.length = n;
    this.slowest.length = n;
    this.slotMs *= 2;
  }
}

/**
 * Where resolved samples go: per-table histograms, a commit timeline and the latest sample. Memory stays
 * bounded however long a run lasts (`load --unlimited`, `bench unlimited`, `monitor`); samples
 * themselves are not kept.
 */
export class LatencyRecorder {
  private readonly byTable = new Map<string, LatencyHistogram>();
  private line?: CommitTimeline;
  /** Samples (groups of rows seen together) and rows recorded. */
  samples = 0;
  visibleRows = 0;
  /** Latest visibleAt of any sample (-Infinity before the first). */
  lastVisibleAt = -Infinity;
  /** The most recently recorded sample. */
  last?: Sample;

  /** Fixes the timeline's origin (a run's start); the first sample's commit time otherwise. */
  begin(origin: number): void {
    this.line ??= new CommitTimeline(origin);
  }

  add(s: Sample): void {
    const latency = latencyOf(s);
    let h = this.byTable.get(s.table);
    if (!h) this.byTable.set(s.table, (h = new LatencyHistogram()));
    h.add(latency, s.rows);
    this.begin(s.committedAt);
    this.line!.add(s.committedAt, latency, s.rows);
    this.samples++;
    this.visibleRows += s.rows;
    if (s.visibleAt > this.lastVisibleAt) this.lastVisibleAt = s.visibleAt;
    this.last = s;
  }

  table(name: string): LatencyHistogram | undefined {
    return this.byTable.get(name);
  }

  /** All rows of the given tables (default: every table) in one histogram. */
  overall(tables?: readonly string[]): LatencyHistogram {
    const out = new LatencyHistogram();
    for (const [name, h] of this.byTable) if (!tables || tables.includes(name)) out.merge(h);
    return out;
  }

  get timeline(): CommitTimeline | undefined {
    return this.line;
  }
}

/**
 * FIFO of one stream's pending key ranges (inclusive) with their commit times. Rows wait here until the
 * sink shows them, so a lagging sink under load holds millions: keys are kept as exact offsets from the
 * stream's first key in typed arrays (24 bytes a range, no objects), and the arrays shrink back once
 * the sink catches up.
 */
class RangeQueue {
  private static readonly MIN_CAPACITY = 64;
  private base = 0n;
  private from = new Float64Array(RangeQueue.MIN_CAPACITY);
  private to = new Float64Array(RangeQueue.MIN_CAPACITY);
  private at = new Float64Array(RangeQueue.MIN_CAPACITY);
  private head = 0;
  private tail = 0;
  /** Highest key ever queued, pending or not: a stream's keys must keep increasing. */
  highest?: bigint;

  get size(): number {
    return this.tail - this.head;
  }

  firstCommittedAt(): number | undefined {
    return this.size ? this.at[this.head] : undefined;
  }

  push(from: bigint, to: bigint, committedAt: number): void {
    if (this.tail === 0 && this.head === 0) this.base = from;
    const f = Number(from - this.base);
    const t = Number(to - this.base);
    if (!Number.isSafeInteger(t)) throw new Error(`keys ${from}..${to} are too far from the stream's first pending key ${this.base}`);
    if (this.tail === this.from.length) this.makeRoom();
    this.from[this.tail] = f;
    this.to[this.tail] = t;
    this.at[this.tail] = committedAt;
    this.tail++;
    this.highest = to;
  }

  /**
   * Removes every row with a key at or below `maxKey` and calls `seen(rows, committedAt)` once per range
   * (a range the sink shows only part of stays queued with its remaining keys).
   */
  takeUpTo(maxKey: bigint, seen: (rows: number, committedAt: number) => void): void {
    if (!this.size || maxKey < this.base) return;
    const m = Math.min(Number(maxKey - this.base), Number.MAX_SAFE_INTEGER);
    while (this.head < this.tail && this.from[this.head] <= m) {
      const h = this.head;
      if (this.to[h] <= m) {
        seen(this.to[h] - this.from[h] + 1, this.at[h]);
        this.head++;
      } else {
        seen(m - this.from[h] + 1, this.at[h]);
        this.from[h] = m + 1;
        break;
      }
    }
    if (this.head === this.tail) this.head = this.tail = 0;
    this.shrinkIfSparse();
  }

  /** The queue is full: move the pending ranges to the start of arrays half as large again as they need. */
  private makeRoom(): void {
    this.resize(RangeQueue.MIN_CAPACITY + Math.ceil(this.size * 1.5));
  }

  private resize(capacity: number): void {
    const n = this.size;
    for (const key of ["from", "to", "at"] as const) {
      const old = this[key];
      if (capacity === old.length) old.copyWithin(0, this.head, this.tail);
      else {
        this[key] = new Float64Array(capacity);
        this[key].set(old.subarray(this.head, this.tail), 0);
      }
    }
    this.head = 0;
    this.tail = n;
  }

  /** After a catch-up: give back arrays far larger than what is still pending. */
  private shrinkIfSparse(): void {
    if (this.from.length > 4096 && this.size * 8 < this.from.length) this.resize(Math.ceil(this.from.length / 4));
  }
}

/** Pending rows per (table, stream); resolved samples go to the recorder. */
export class LatencyTracker {
  private readonly pending = new Map<string, Map<number, RangeQueue>>();
  private pendingRows = 0;

  constructor(readonly recorder: LatencyRecorder = new LatencyRecorder()) {}

  /** Rows `from..to` (inclusive) of `stream` in `table` were committed at `committedAt`. */
  register(table: string, stream: number, from: bigint, to: bigint, committedAt: number): void {
    let byStream = this.pending.get(table);
    if (!byStream) this.pending.set(table, (byStream = new Map()));
    let queue = byStream.get(stream);
    if (!queue) byStream.set(stream, (queue = new RangeQueue()));
    const highest = queue.highest;
    if (highest !== undefined && from <= highest) throw new Error(`keys of ${table} stream ${stream} must increase: ${from} after ${highest}`);
    if (to < from) throw new Error(`empty key range ${from}..${to} for ${table} stream ${stream}`);
    queue.push(from, to, committedAt);
    this.pendingRows += Number(to - from) + 1;
  }

  /** The sink showed `maxKey` (null: no row) as the highest key of `stream` in `table`, at time `at`. */
  observe(table: string, stream: number, maxKey: bigint | null, at: number): void {
    if (maxKey === null) return;
    const queue = this.pending.get(table)?.get(stream);
    if (!queue) return;
    // A group the sink shows only part of (a sink that splits transactions) counts what is there.
    queue.takeUpTo(maxKey, (rows, committedAt) => this.resolve(table, rows, committedAt, at));
  }

  /** Tables with rows not yet seen, and for each the streams still waiting. */
  waiting(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [table, byStream] of this.pending) {
      const streams = [...byStream].filter(([, q]) => q.size > 0).map(([s]) => s);
      if (streams.length) out.set(table, streams);
    }
    return out;
  }

  pendingCount(): number {
    return this.pendingRows;
  }

  /** Commit time of the oldest row not yet seen (for freshness), or undefined. */
  oldestPending(): number | undefined {
    let oldest: number | undefined;
    for (const byStream of this.pending.values()) {
      for (const q of byStream.values()) {
        const f = q.firstCommittedAt();
        if (f !== undefined && (oldest === undefined || f < oldest)) oldest = f;
      }
    }
    return oldest;
  }

  private resolve(table: string, rows: number, committedAt: number, at: number): void {
    this.pendingRows -= rows;
    // Rows registered after a poll that already saw them resolve at the next poll, so latency is never negative.
    this.recorder.add({ table, committedAt, visibleAt: Math.max(at, committedAt), rows });
  }
}

/** Asks the sink for the highest key of each stream of a table; one query per call. */
export type MaxKeyQuery = (table: string, streams: readonly number[]) => Promise<Array<bigint | null>>;

export interface PollerOptions {
  query: MaxKeyQuery;
  tracker: LatencyTracker;
  /** Time between the starts of two polls; at most 100 ms keeps resolution fine. */
  intervalMs: number;
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls only tables with pending rows, one query per table per round, until stopped. A failed poll is
 * remembered and rethrown by stop()/drain() rather than crashing the writers mid-run.
 */
export class SinkPoller {
  polls = 0;
  private running = false;
  private loop?: Promise<void>;
  private failure?: unknown;

  constructor(private readonly opts: PollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** One round: a query per table with pending rows. */
  async pollOnce(): Promise<void> {
    const waiting = this.opts.tracker.waiting();
    await Promise.all(
      [...waiting].map(async ([table, streams]) => {
        const maxKeys = await this.opts.query(table, streams);
        const at = this.opts.now();
        streams.forEach((s, i) => this.opts.tracker.observe(table, s, maxKeys[i] ?? null, at));
      }),
    );
    this.polls++;
  }

  /** Stops polling; resolves after the round in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    if (this.failure) throw this.failure;
  }

  /**
   * Keeps polling until every registered row is visible, `timeoutMs` passes, or `abort()` returns true.
   * Returns true when nothing is pending.
   */
  async drain(timeoutMs: number, abort: () => boolean = () => false): Promise<boolean> {
    this.start();
    const sleep = this.opts.sleep ?? defaultSleep;
    const deadline = this.opts.now() + timeoutMs;
    while (this.opts.tracker.pendingCount() > 0 && this.opts.now() < deadline && !abort() && !this.failure) {
      await sleep(Math.min(20, this.opts.intervalMs));
    }
    await this.stop();
    return this.opts.tracker.pendingCount() === 0;
  }

  private async run(): Promise<void> {
    const sleep = this.opts.sleep ?? defaultSleep;
    while (this.running) {
      const started = this.opts.now();
      try {
        await this.pollOnce();
      } catch (err) {
        this.failure = err;
        this.running = false;
        return;
      }
      const wait = this.opts.intervalMs - (this.opts.now() - started);
      if (wait > 0 && this.running) await sleep(wait);
    }
  }
}
