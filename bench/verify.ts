/**
 * `cdc verify` at scale: rows/s and memory at each table size, next to the floor: the time of reading both
 * sides once in full with the same batched reads and comparing nothing, which no client-side compare that
 * reads this way can beat.
 *
 * The rows are loaded directly, not through Flink: the same deterministic rows into `orders` of a MariaDB
 * source and into the StarRocks stand-in's store, with INSERT ... SELECT from MariaDB's SEQUENCE engine, in
 * steps (default 100,000 then 1,000,000 rows). What is measured is reading and comparing, which does not
 * depend on how the rows arrived, and the 2 shared cores are not also spent on a million-row snapshot
 * through Flink. verify reads the sink through the stand-in's MySQL protocol (tests/standins), which
 * relays every query to MariaDB: it is NOT StarRocks, so the sink side's speed says nothing about a
 * StarRocks cluster.
 *
 * Each measurement runs in a child process of its own (the stand-in runs in this one), so the memory is
 * verify's alone: RSS and heap sampled every 20 ms, the heap still in use right after a full GC (forced
 * every second), and the kernel's high-water mark of the resident set (VmHWM).
 *
 *   npm run bench:verify -- [--steps 100000,1000000] [--batch 5000] [--json]
 */
// Refuse an old Node before anything else loads (bin/node-version.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("../bin/node-version").requireSupportedNode("bench:verify");
import { spawn } from "child_process";
import * as fs from "fs";
import * as mysql from "mysql2/promise";
import * as os from "os";
import { findTable } from "../catalog/tables";
import { main } from "../cli/main";
import { Interrupt } from "../cli/context";
import { keysetBatches } from "../cli/rowdiff";
import { verifyBatchSql } from "../cli/sql";
import { createDatabaseSql, createTableSql } from "../render/mysql";
import { startMariaDb } from "../tests/helpers/mariadb";
import { startSink } from "../tests/real/pipeline";

const DATABASE = "shop";

interface Options {
  steps: number[];
  batch: number;
  json: boolean;
}

function parseOptions(argv: string[]): Options {
  const at = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i < 0 ? undefined : argv[i + 1];
  };
  const known = new Set(["--steps", "--batch", "--json"]);
  for (const a of argv) if (a.startsWith("--") && !known.has(a)) throw new Error(`unknown option ${a}; known: ${[...known].join(" ")}`);
  const steps = (at("steps") ?? "100000,1000000").split(",").map(Number);
  if (steps.some((n, i) => !Number.isInteger(n) || n <= 0 || (i > 0 && n <= steps[i - 1]))) throw new Error("--steps needs rising positive whole numbers, e.g. 100000,1000000");
  const batch = Number(at("batch") ?? 5000);
  if (!Number.isInteger(batch) || batch <= 0) throw new Error("--batch needs a positive whole number");
  return { steps, batch, json: argv.includes("--json") };
}

// ------------------------------------------------------------------ child: one measurement

interface Memory {
  peakRssMb: number;
  peakHeapMb: number;
  /** Highest heap still in use right after a full GC (forced every second): what verify holds on to. */
  peakRetainedHeapMb: number;
  /** Kernel high-water mark of the resident set (includes Node and ts-node start-up). */
  vmHwmMb: number;
}

function sampleMemory(): { stop(): Memory } {
  let rss = 0;
  let heap = 0;
  const take = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  let retained = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  const collect = () => {
    if (!gc) return;
    gc();
    retained = Math.max(retained, process.memoryUsage().heapUsed);
  };
  take();
  const timer = setInterval(take, 20);
  const gcTimer = setInterval(collect, 1000);
  return {
    stop: () => {
      clearInterval(timer);
      clearInterval(gcTimer);
      take();
      collect();
      const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
      const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
      return { peakRssMb: mb(rss), peakHeapMb: mb(heap), peakRetainedHeapMb: mb(retained), vmHwmMb: hwm ? Math.round(Number(hwm[1]) / 102.4) / 10 : 0 };
    },
  };
}

/** Runs `cdc verify` in this process; prints {seconds, memory, result}. */
async function childVerify(source: string, sink: string, batch: number): Promise<void> {
  const mem = sampleMemory();
  let out = "";
  let err = "";
  const t0 = performance.now();
  const code = await main(["verify", "--json", "--table", "orders", "--batch", String(batch)], {
    out: { write: (s) => void (out += s), isTTY: false },
    err: { write: (s) => void (err += s), isTTY: false },
    env: { CDC_SOURCE_URL: source, CDC_SINK_URL: sink },
    interrupt: new Interrupt(),
  });
  const seconds = (performance.now() - t0) / 1000;
  const memory = mem.stop();
  if (code !== 0) throw new Error(`cdc verify exited ${code}: ${err || out}`);
  process.stdout.write(JSON.stringify({ seconds, memory, result: JSON.parse(out) }) + "\n");
}

/**
 * Reads every row of both sides once, in parallel, the way verify reads them (the same keyset batches on
 * one connection per side) but comparing nothing; prints {seconds, rows}. (One unbatched streamed SELECT is
 * no faster here: the stand-in buffers a whole result before it answers.)
 */
async function childFloor(source: string, sink: string, batch: number): Promise<void> {
  const mem = sampleMemory();
  const t = findTable("orders");
  const read = async (url: string, side: "source" | "sink") => {
    const u = new URL(url);
    const conn = await mysql.createConnection({
      host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password),
      database: u.pathname.slice(1), supportBigNumbers: true, bigNumberStrings: true, dateStrings: true,
    });
    let rows = 0;
    const fetch = async (after: readonly unknown[] | undefined) => (await conn.query({ sql: verifyBatchSql(t, side, after?.slice(0, 1), batch), rowsAsArray: true }))[0] as unknown as unknown[][];
    for await (const b of keysetBatches(fetch, batch)) rows += b.length;
    await conn.end();
    return rows;
  };
  const t0 = performance.now();
  const [a, b] = await Promise.all([read(source, "source"), read(sink, "sink")]);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ seconds, rows: [a, b], memory: mem.stop() }) + "\n");
}

function runChild(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", "-r", "ts-node/register/transpile-only", __filename, "--child", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`child ${args[0]} exited ${code}: ${err.trim() || out.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() as string));
      } catch {
        reject(new Error(`child ${args[0]} printed no JSON: ${out} ${err}`));
      }
    });
  });
}

// ------------------------------------------------------------------ parent

/** Rows `from..to` of `orders`, the same on both servers (DATETIME values with milliseconds). */
function loadSql(from: number, to: number): string {
  return (
    "INSERT INTO orders (order_id, customer_id, status, total_amount, order_date, updated_at) " +
    `SELECT seq, seq % 5000, ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'cancelled'), (seq % 100000) / 100, ` +
    `TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq * 7001000 MICROSECOND, TIMESTAMP'2026-06-01 00:00:00' + INTERVAL seq * 3000 MICROSECOND ` +
    `FROM seq_${from}_to_${to}`
  );
}

interface StepResult {
  rows: number;
  verifySeconds: number;
  rowsPerSec: number;
  peakRssMb: number;
  peakHeapMb: number;
  peakRetainedHeapMb: number;
  vmHwmMb: number;
  floorSeconds: number;
  floorRowsPerSec: number;
  /** verify time / floor time. */
  overFloor: number;
}

async function run(opts: Options): Promise<void> {
  const log = (s: string) => void (opts.json ? undefined : process.stderr.write(s + "\n"));
  const t = findTable("orders");
  const server = await startMariaDb({ binlog: false, timeZone: "+00:00" });
  const sink = await startSink(["orders"]);
  const results: StepResult[] = [];
  try {
    const src = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, multipleStatements: true });
    await src.query(`${createDatabaseSql(DATABASE)};\nUSE \`${DATABASE}\`;\n${createTableSql(DATABASE, t)}`);
    const sourceUrl = `mysql://root@127.0.0.1:${server.port}/${DATABASE}`;
    let loaded = 0;
    for (const n of opts.steps) {
      log(`loading rows ${loaded + 1}..${n} into the source and the stand-in's store ...`);
      await Promise.all([src.query(loadSql(loaded + 1, n)), sink.query(loadSql(loaded + 1, n))]);
      loaded = n;
      log(`  reading both sides once (floor) ...`);
      const floor = await runChild(["floor", sourceUrl, sink.mysqlUrl, String(opts.batch)]);
      if (JSON.stringify(floor.rows) !== JSON.stringify([n, n])) throw new Error(`floor read ${JSON.stringify(floor.rows)} rows, expected ${n} on each side`);
      log(`  cdc verify ...`);
      const v = await runChild(["verify", sourceUrl, sink.mysqlUrl, String(opts.batch)]);
      const result = v.result as { equal: boolean; tables: Array<{ rowsCompared: number }> };
      if (!result.equal || result.tables[0].rowsCompared !== n) throw new Error(`verify did not find ${n} equal rows: ${JSON.stringify(result).slice(0, 500)}`);
      const mem = v.memory as Memory;
      const vs = v.seconds as number;
      const fs_ = floor.seconds as number;
      results.push({
        rows: n,
        verifySeconds: round(vs),
        rowsPerSec: Math.round(n / vs),
        peakRssMb: mem.peakRssMb,
        peakHeapMb: mem.peakHeapMb,
        peakRetainedHeapMb: mem.peakRetainedHeapMb,
        vmHwmMb: mem.vmHwmMb,
        floorSeconds: round(fs_),
        floorRowsPerSec: Math.round(n / fs_),
        overFloor: round(vs / fs_),
      });
    }
    await src.end();
  } finally {
    await sink.stop();
    await server.stop();
  }
  const env = { cpus: os.cpus().length, loadAverage: os.loadavg().map(round), node: process.version, batch: opts.batch };
  if (opts.json) {
    process.stdout.write(JSON.stringify({ env, steps: results }) + "\n");
    return;
  }
  const rows = [
    ["rows", "verify", "rows/s", "peak RSS", "peak heap", "heap after GC", "VmHWM", "floor (both sides once)", "floor rows/s", "verify/floor"],
    ...results.map((r) => [r.rows.toLocaleString("en-US"), `${r.verifySeconds} s`, r.rowsPerSec.toLocaleString("en-US"), `${r.peakRssMb} MB`, `${r.peakHeapMb} MB`, `${r.peakRetainedHeapMb} MB`, `${r.vmHwmMb} MB`, `${r.floorSeconds} s`, r.floorRowsPerSec.toLocaleString("en-US"), `${r.overFloor}x`]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  process.stdout.write(rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")).join("\n") + "\n");
  process.stdout.write(`${env.cpus} CPU(s), load average ${env.loadAverage.join(" ")}, Node ${env.node}, --batch ${env.batch}\n`);
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const job =
    argv[0] === "--child"
      ? argv[1] === "verify"
        ? childVerify(argv[2], argv[3], Number(argv[4]))
        : childFloor(argv[2], argv[3], Number(argv[4]))
      : run(parseOptions(argv));
  job.then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`bench:verify: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

