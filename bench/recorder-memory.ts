/**
 * Memory of the latency measurement over a long run. Simulates `--rows` single-row commits (default 20
 * million, about 40 minutes at 8,000 rows/s) spread over the five tables, with a sink poll every 50 ms
 * that sees only rows committed at least `lag` earlier. The lag rises from 20 ms to 3 minutes and falls
 * back over the run, as a pipeline that stalls and recovers would show. Everything goes through the
 * LatencyTracker exactly as a load run does (register on commit, observe on poll). At checkpoints it
 * prints the rows still pending and the memory in use (JS heap plus typed-array buffers) after a full GC.
 *
 * Two parts of memory behave differently:
 * - finished rows go into histograms and a timeline: bounded, whatever the run length;
 * - rows not yet visible are kept until they are (their commit times are needed): this part grows with
 *   lag x rate, and falls again when the sink catches up.
 *
 *   npm run bench:memory [-- --rows 20000000]
 */
// Refuse an old Node before anything else loads (bin/node-version.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("../bin/node-version").requireSupportedNode("bench:memory");
import { LatencyTracker } from "../cli/measure";

const argAt = process.argv.indexOf("--rows");
const total = argAt >= 0 ? Number(process.argv[argAt + 1]) : 20_000_000;
if (!Number.isInteger(total) || total < 10) throw new Error("--rows must be an integer of at least 10");
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc (npm run bench:memory does)");

/** JS heap plus typed-array buffers (which live outside the heap), after a full GC. */
const heapMb = () => {
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
};

const TABLES = ["orders", "customers", "products", "order_items", "inventory_movements"];
const ROWS_PER_SECOND = 8000;
const POLL_MS = 50;
const MAX_LAG_MS = 180_000;
const runMs = (total * 1000) / ROWS_PER_SECOND;
/** Sink lag at time t: 20 ms at the start and the end, 3 minutes in the middle of the run. */
const lagAt = (t: number) => 20 + MAX_LAG_MS * Math.sin((Math.PI * t) / runMs) ** 2;
/** Commit time of global row n (1-based); row n goes to table n % 5 as that table's next key. */
const commitTime = (n: number) => (n * 1000) / ROWS_PER_SECOND;
/** Highest key of table k among global rows 1..n. */
const maxKey = (k: number, n: number) => (n < k || n < 1 ? 0 : k === 0 ? Math.floor(n / 5) : Math.floor((n - k) / 5) + 1);

const tracker = new LatencyTracker();
tracker.recorder.begin(0);
const baseline = heapMb();
console.log(`${"rows committed".padStart(14)}  ${"lag".padStart(8)}  ${"pending rows".padStart(12)}  ${"memory".padStart(10)}  ${"buckets".padStart(8)}  ${"slots".padStart(6)}   (above a baseline of ${baseline.toFixed(1)} MB)`);

const keys = TABLES.map(() => 0n);
const checkpoint = Math.floor(total / 8);
let nextPoll = POLL_MS;
let peakPending = 0;
for (let n = 1; n <= total; n++) {
  const k = n % TABLES.length;
  const now = commitTime(n);
  tracker.register(TABLES[k], 0, ++keys[k], keys[k], now);
  if (now >= nextPoll) {
    // Rows committed at least `lag` ago are visible: the highest such global row, then each table's key.
    const seenUpTo = Math.floor(((now - lagAt(now)) * ROWS_PER_SECOND) / 1000);
    TABLES.forEach((name, t) => tracker.observe(name, 0, BigInt(maxKey(t, seenUpTo)), now));
    peakPending = Math.max(peakPending, tracker.pendingCount());
    nextPoll += POLL_MS;
  }
  if (n % checkpoint === 0 || n === total) {
    const r = tracker.recorder;
    const buckets = TABLES.reduce((a, name) => a + (r.table(name)?.buckets ?? 0), 0);
    const lag = lagAt(now) >= 1000 ? `${(lagAt(now) / 1000).toFixed(0)} s` : `${lagAt(now).toFixed(0)} ms`;
    console.log(
      `${n.toLocaleString("en-US").padStart(14)}  ${lag.padStart(8)}  ${tracker.pendingCount().toLocaleString("en-US").padStart(12)}  ${`${(heapMb() - baseline).toFixed(1)} MB`.padStart(10)}  ${String(buckets).padStart(8)}  ${String(r.timeline?.rows.length).padStart(6)}`,
    );
  }
}
const s = tracker.recorder.overall().stats();
console.log(`peak pending ${peakPending.toLocaleString("en-US")} rows; visible ${tracker.recorder.visibleRows.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}; latency p50 ${s?.p50.toFixed(1)} ms, p99 ${s?.p99.toFixed(1)} ms, max ${s?.max.toFixed(1)} ms`);
