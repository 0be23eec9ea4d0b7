/**
 * Memory of the latency measurement over a long run: feeds `--rows` single-row commits (default 20
 * million, about 40 minutes at 8,000 rows/s) through the LatencyTracker exactly as a load run does
 * (register on commit, observe on poll), with latencies drifting from milliseconds to minutes, and
 * prints the heap after a full GC at checkpoints. Flat figures mean `load --unlimited`,
 * `bench unlimited` and `monitor` can run for days.
 *
 *   npm run bench:memory [-- --rows 20000000]
 */
import { LatencyTracker } from "../cli/measure";

const i = process.argv.indexOf("--rows");
const total = i >= 0 ? Number(process.argv[i + 1]) : 20_000_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc (npm run bench:memory does)");

const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const tables = ["orders", "customers", "products", "order_items", "inventory_movements"];
const tracker = new LatencyTracker();
const rowsPerSecond = 8000;
const pollEvery = 400; // commits between polls: 50 ms at 8,000 rows/s
const start = 1_000;
tracker.recorder.begin(start);
const baseline = heapMb();
console.log(`rows recorded    heap used   histogram buckets   timeline slots   (baseline heap ${baseline.toFixed(1)} MB)`);
const keys = tables.map(() => 0n);
let committedAt = start;
for (let n = 1; n <= total; n++) {
  const t = n % tables.length;
  committedAt = start + (n * 1000) / rowsPerSecond;
  tracker.register(tables[t], 0, ++keys[t], keys[t], committedAt);
  if (n % pollEvery === 0) {
    // Lag drifts between about 20 ms and 3 minutes, so distinct latencies never repeat for long.
    const lag = 20 + 90_000 * (1 + Math.sin(n / 3_000_000)) + (n % 997) / 10;
    tables.forEach((name, k) => tracker.observe(name, 0, keys[k], committedAt + lag));
  }
  if (n % (total / 5) === 0) {
    const r = tracker.recorder;
    const buckets = tables.reduce((a, name) => a + (r.table(name)?.buckets ?? 0), 0);
    console.log(`${n.toLocaleString("en-US").padStart(13)}  ${(heapMb() - baseline).toFixed(1).padStart(8)} MB  ${String(buckets).padStart(18)}  ${String(r.timeline?.rows.length).padStart(15)}`);
  }
}
const s = tracker.recorder.overall().stats()!;
console.log(`visible ${tracker.recorder.visibleRows.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} rows; latency p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`);
