/**
 * Latency measurement, free of I/O so it can be unit-tested: nearest-rank percentiles, the tracker that
 * turns "highest tool key the sink shows" into per-row latencies, and the sink poller loop (its query,
 * clock and sleep are injected).
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

/** Nearest-rank percentile of ascending `sorted` (p in 0..100): the value at rank ceil(p/100 * n). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error("percentile of an empty list");
  if (p <= 0) return sorted[0];
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(rank, sorted.length) - 1];
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

/** Nearest-rank statistics over rows (a sample of n rows counts n times). */
export function summarize(samples: readonly Sample[]): LatencyStats | undefined {
  const items = samples.map((s) => ({ v: latencyOf(s), n: s.rows })).filter((x) => x.n > 0).sort((a, b) => a.v - b.v);
  const count = items.reduce((acc, x) => acc + x.n, 0);
  if (count === 0) return undefined;
  const at = (p: number): number => {
    const rank = p <= 0 ? 1 : Math.min(Math.ceil((p / 100) * count), count);
    let seen = 0;
    for (const x of items) {
      seen += x.n;
      if (seen >= rank) return x.v;
    }
    return items[items.length - 1].v;
  };
  return { count, min: items[0].v, p50: at(50), p95: at(95), p99: at(99), max: items[items.length - 1].v };
}

interface PendingRange {
  from: bigint;
  to: bigint;
  committedAt: number;
}

/** FIFO of pending ranges; dequeuing moves a head index (no array shifting on the hot path). */
class RangeQueue {
  private items: PendingRange[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }
  first(): PendingRange | undefined {
    return this.items[this.head];
  }
  last(): PendingRange | undefined {
    return this.items[this.items.length - 1];
  }
  push(r: PendingRange): void {
    this.items.push(r);
  }
  shift(): void {
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/** Pending rows per (table, stream) and the samples resolved so far. */
export class LatencyTracker {
  readonly samples: Sample[] = [];
  private readonly pending = new Map<string, Map<number, RangeQueue>>();
  private pendingRows = 0;

  /** Rows `from..to` (inclusive) of `stream` in `table` were committed at `committedAt`. */
  register(table: string, stream: number, from: bigint, to: bigint, committedAt: number): void {
    let byStream = this.pending.get(table);
    if (!byStream) this.pending.set(table, (byStream = new Map()));
    let queue = byStream.get(stream);
    if (!queue) byStream.set(stream, (queue = new RangeQueue()));
    const last = queue.last();
    if (last && from <= last.to) throw new Error(`keys of ${table} stream ${stream} must increase: ${from} after ${last.to}`);
    queue.push({ from, to, committedAt });
    this.pendingRows += Number(to - from) + 1;
  }

  /** The sink showed `maxKey` (null: no row) as the highest key of `stream` in `table`, at time `at`. */
  observe(table: string, stream: number, maxKey: bigint | null, at: number): void {
    if (maxKey === null) return;
    const queue = this.pending.get(table)?.get(stream);
    if (!queue) return;
    for (let r = queue.first(); r && r.from <= maxKey; r = queue.first()) {
      if (r.to <= maxKey) {
        this.resolve(table, Number(r.to - r.from) + 1, r.committedAt, at);
        queue.shift();
      } else {
        // Part of a group is visible (a sink that splits transactions): count what is there.
        this.resolve(table, Number(maxKey - r.from) + 1, r.committedAt, at);
        r.from = maxKey + 1n;
        break;
      }
    }
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
        const f = q.first();
        if (f && (oldest === undefined || f.committedAt < oldest)) oldest = f.committedAt;
      }
    }
    return oldest;
  }

  private resolve(table: string, rows: number, committedAt: number, at: number): void {
    this.pendingRows -= rows;
    // Rows registered after a poll that already saw them resolve at the next poll, so latency is never negative.
    this.samples.push({ table, committedAt, visibleAt: Math.max(at, committedAt), rows });
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

/** Rows per second in consecutive buckets of `bucketMs`, by commit time (for reports). */
export function throughputSeries(samples: readonly Sample[], startedAt: number, bucketMs = 1000): number[] {
  const out: number[] = [];
  for (const s of samples) {
    const b = Math.max(0, Math.floor((s.committedAt - startedAt) / bucketMs));
    while (out.length <= b) out.push(0);
    out[b] += s.rows * (1000 / bucketMs);
  }
  return out;
}
