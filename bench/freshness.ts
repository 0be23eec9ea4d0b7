/**
 * Freshness of the real pipeline: MariaDB (binlog) -> the project's CDC jobs on a real Flink 1.20
 * cluster (the real-tier processes: JobManager, TaskManager, SQL Gateway, S3 server for checkpoints) ->
 * the StarRocks stand-in. It starts all of it itself, with the stack's default sink settings
 * (sinkFlushIntervalMs, checkpointInterval, sinkSemantic from config/).
 *
 * After the snapshot, writers insert single rows at --rate rows/s (default 1,000) spread over the five
 * catalog tables for --duration seconds (default 60). Freshness is what `cdc` measures (cli/measure.ts):
 * from the INSERT's commit acknowledgement in MariaDB to the first sink poll (every 50 ms) that sees the
 * row in the stand-in. It prints p50/p95/p99/max, the throughput written and applied, and the CPU time
 * the Flink processes spent (utime + stime from /proc/<pid>/stat, their child processes included).
 * Then a ramp (shorter runs) finds the highest rate whose p99 stays under 5 s.
 *
 * The stand-in stores rows in MariaDB at once: it has none of StarRocks's commit and publish cost, so the
 * figures describe MariaDB, Flink and the connector, not a StarRocks cluster.
 *
 * Before the measured run, --warmup seconds (default 20) of the same writing are not counted: right after
 * the snapshot the jobs still checkpoint it and the JVMs compile, which inflated the first run's p99. The
 * ramp searches both ways: up (doubling) from a passing rate, down (halving) from a failing one, then
 * bisects; a failed main run is measured again before it caps the search, and a result that contradicts an
 * earlier bound (a pass above a failure, a failure below a pass) drops that bound.
 *
 *   npm run bench:freshness -- [--rate 1000] [--duration 60] [--warmup 20 | --no-warmup] [--no-ramp] [--ramp-duration 20] [--json]
 */
// Refuse an old Node before anything else loads (bin/node-version.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("../bin/node-version").requireSupportedNode("bench:freshness");
import * as fs from "fs";
import * as os from "os";
import { spawnSync } from "child_process";
import { onExitSignals } from "../tests/helpers/processRegistry";
import { SELECTABLE_TABLES, findTable } from "../catalog/tables";
import { resolveConfig } from "../config";
import { Connections } from "../cli/connections";
import { Context, Interrupt } from "../cli/context";
import { LatencyStats } from "../cli/measure";
import { measuredRun } from "../cli/workload";
import globalSetup from "../tests/real/harness/globalSetup";
import globalTeardown from "../tests/real/harness/globalTeardown";
import { ROLES, Role, flinkCpu } from "./flinkCpu";
import { realTier } from "../tests/real/harness";
import { cancelJobs, deployJobs, describeDiffs, flinkEndpoints, pipelineConfig, startSink, startSource, waitForConvergence } from "../tests/real/pipeline";

// ------------------------------------------------------------------ arguments

interface Options {
  rate: number;
  durationS: number;
  ramp: boolean;
  rampDurationS: number;
  /** Seconds of writing before the measured run, not counted. */
  warmupS: number;
  /** The ramp's limit on p99 freshness. */
  p99LimitMs: number;
  workers: number;
  json: boolean;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string, dflt: number): number => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return dflt;
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number, got ${argv[i + 1]}`);
    return v;
  };
  const known = new Set(["--rate", "--duration", "--no-ramp", "--ramp-duration", "--json", "--workers", "--p99-limit", "--warmup", "--no-warmup"]);
  for (const a of argv) if (a.startsWith("--") && !known.has(a)) throw new Error(`unknown option ${a}; known: ${[...known].join(" ")}`);
  return {
    rate: value("rate", 1000),
    durationS: value("duration", 60),
    ramp: !argv.includes("--no-ramp"),
    rampDurationS: value("ramp-duration", 20),
    warmupS: argv.includes("--no-warmup") ? 0 : value("warmup", 20),
    p99LimitMs: value("p99-limit", 5) * 1000,
    workers: value("workers", 4),
    json: argv.includes("--json"),
  };
}

// ------------------------------------------------------------------ one measured run

interface RunFigures {
  targetRate: number;
  durationS: number;
  /** Rows per INSERT. */
  batch: number;
  rows: number;
  /** Rows/s the writers achieved. */
  writtenPerSec: number;
  /** Rows/s from the first INSERT until the last row was visible in the sink. */
  appliedPerSec: number | null;
  visible: number;
  notVisible: number;
  freshnessMs?: LatencyStats;
  /** CPU seconds per Flink process during the run (insert phase and catch-up). */
  cpuSeconds: Record<Role, number>;
  /** Their sum as a share of one core over the run's wall time. */
  cpuCores: number;
}

/**
 * Rows per INSERT for a rate: single rows up to 2,000 rows/s, above that about 1,000 statements/s, so the
 * writers (which share the machine with Flink and both MariaDBs) are not what limits the ramp. Rows of one
 * INSERT share a commit time, so freshness stays per row.
 */
export function batchFor(rate: number): number {
  return rate <= 2000 ? 1 : Math.ceil(rate / 1000);
}

async function measure(ctx: Context, rate: number, durationS: number, workers: number): Promise<RunFigures> {
  const tables = SELECTABLE_TABLES.map(findTable);
  const batch = batchFor(rate);
  const cpu0 = flinkCpu();
  const t0 = performance.now();
  const { result } = await measuredRun(ctx, { tables, workers, batch, durationMs: durationS * 1000, rate }, 120_000);
  const wallS = (performance.now() - t0) / 1000;
  const cpu1 = flinkCpu();
  const cpuSeconds = Object.fromEntries(ROLES.map((r) => [r, round(cpu1[r] - cpu0[r], 1)])) as Record<Role, number>;
  const total = ROLES.reduce((s, r) => s + cpu1[r] - cpu0[r], 0);
  return {
    targetRate: rate,
    durationS,
    batch,
    rows: result.rows,
    writtenPerSec: result.rowsPerSec,
    appliedPerSec: result.catchUpSeconds ? round(result.rows / result.catchUpSeconds, 0) : null,
    visible: result.visible,
    notVisible: result.notVisible,
    freshnessMs: result.latencyMs,
    cpuSeconds,
    cpuCores: round(total / wallS, 2),
  };
}

/** A rate passes when the writers kept it up (within 5%), every row arrived, and p99 stayed under the limit. */
function passes(f: RunFigures, p99LimitMs: number): boolean {
  return f.notVisible === 0 && !writersShort(f) && (f.freshnessMs?.p99 ?? Infinity) < p99LimitMs;
}

/** The writers did not reach the rate: the load generator, not the pipeline, set the limit. */
function writersShort(f: RunFigures): boolean {
  return f.writtenPerSec < 0.95 * f.targetRate;
}

// ------------------------------------------------------------------ output

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const fmtMs = (x?: number) => (x === undefined ? "-" : x >= 1000 ? `${round(x / 1000, 2)} s` : `${round(x, 0)} ms`);
const fmtN = (x: number | null) => (x === null ? "-" : Math.round(x).toLocaleString("en-US"));

function machine(): { cpus: number; model: string; memoryGb: number } {
  const model = (spawnSync("lscpu", [], { encoding: "utf8" }).stdout.match(/^Model name:\s*(.+)$/m)?.[1] ?? os.cpus()[0]?.model ?? "unknown").trim();
  return { cpus: Number(spawnSync("nproc", [], { encoding: "utf8" }).stdout.trim()) || os.cpus().length, model, memoryGb: round(os.totalmem() / 2 ** 30, 0) };
}

function describeRun(f: RunFigures): string {
  const s = f.freshnessMs;
  return [
    `rate ${fmtN(f.targetRate)} rows/s for ${f.durationS} s (${f.batch === 1 ? "single-row INSERTs" : `${f.batch} rows per INSERT`}): wrote ${fmtN(f.rows)} rows (${fmtN(f.writtenPerSec)} rows/s), applied ${fmtN(f.appliedPerSec)} rows/s, ${f.notVisible} not visible`,
    `freshness p50 ${fmtMs(s?.p50)}, p95 ${fmtMs(s?.p95)}, p99 ${fmtMs(s?.p99)}, max ${fmtMs(s?.max)}`,
    `Flink CPU: JobManager ${f.cpuSeconds.jobmanager} s, TaskManager ${f.cpuSeconds.taskmanager} s, SQL Gateway ${f.cpuSeconds["sql-gateway"]} s (${f.cpuCores} cores on average)`,
  ].join("\n");
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const say = (s: string) => (opts.json ? process.stderr : process.stdout).write(s + "\n");
  const defaults = resolveConfig({}, { stack: "bench" }).flink;
  say(`freshness bench: sinkFlushIntervalMs ${defaults.sinkFlushIntervalMs}, checkpointInterval ${defaults.checkpointInterval}, sinkSemantic ${defaults.sinkSemantic} (stack defaults)`);

  // The tier's setup reports on console.log; with --json stdout carries only the result.
  if (opts.json) console.log = (...args: unknown[]) => void process.stderr.write(args.join(" ") + "\n");
  // Ctrl+C / SIGTERM: stop the tier and the servers (tests/helpers/processRegistry.ts); jobs are not cancelled,
  // their JobManager goes with the tier.
  const cleanups: Array<() => Promise<unknown>> = [];
  const forgetSignals = onExitSignals(async () => {
    for (const c of cleanups.filter((c) => c !== cancel)) await c().catch((err) => process.stderr.write(`cleanup: ${(err as Error).message}\n`));
  }, { label: "bench:freshness" });
  let cancel: (() => Promise<unknown>) | undefined;
  await globalSetup();
  cleanups.push(() => globalTeardown());
  try {
    const tier = await realTier();
    const [sink, source] = await Promise.all([startSink(), startSource({ tables: SELECTABLE_TABLES, sampleRows: 1000 })]);
    cleanups.unshift(() => source.close(), () => sink.stop());
    const cfg = pipelineConfig({ stack: "bench", tables: SELECTABLE_TABLES, source, sink });
    const jobs = await deployJobs(cfg, source, sink, flinkEndpoints(tier));
    cancel = () => cancelJobs(jobs.client, jobs.specs.map((s) => s.pipelineName));
    cleanups.unshift(cancel);
    const snapshot = await waitForConvergence([...SELECTABLE_TABLES, "cdc_heartbeat"], source, sink.query, 180_000);
    const notDone = describeDiffs(snapshot);
    if (notDone) throw new Error(`the snapshot did not reach the stand-in: ${notDone}`);
    say(`snapshot of ${SELECTABLE_TABLES.length} x 1,000 rows replicated; measuring`);

    const ctx = new Context(
      new Connections({ source: source.url, sink: sink.mysqlUrl, env: {} }),
      { json: false, tables: SELECTABLE_TABLES.join(",") },
      { write: () => undefined, isTTY: false },
      { write: () => undefined, isTTY: false },
      new Interrupt(),
    );
    cleanups.unshift(() => ctx.close());

    // Warm-up, not measured: right after the snapshot the jobs still take the snapshot's checkpoints and the
    // JVMs compile the hot paths, which would inflate the first run's p99.
    if (opts.warmupS > 0) {
      const w = await measure(ctx, opts.rate, opts.warmupS, opts.workers);
      say(`warm-up (not counted): ${fmtN(w.rows)} rows at ${fmtN(w.targetRate)} rows/s, p99 ${fmtMs(w.freshnessMs?.p99)}`);
    }
    const main = await measure(ctx, opts.rate, opts.durationS, opts.workers);
    say(describeRun(main));

    const ramp: RunFigures[] = [];
    const mainPassed = passes(main, opts.p99LimitMs);
    // Bounds of the search: the highest rate that passed and the lowest that failed.
    let best: number | null = mainPassed ? opts.rate : null;
    let generatorLimit: number | null = null;
    if (opts.ramp) {
      let failed: number | null = mainPassed ? null : opts.rate;
      // A failure of the main run is measured again before it caps the search (noise on a shared machine).
      let failedRechecked = mainPassed;
      let rate = best === null ? Math.max(100, Math.round(opts.rate / 2)) : opts.rate * 2;
      for (let step = 0; step < 10; step++) {
        if (failed !== null && best !== null && failed - best <= Math.max(250, best * 0.15)) {
          if (failedRechecked) break;
          rate = failed;
          failedRechecked = true;
        }
        if (failed !== null && best === null && rate < 100) break;
        const f = await measure(ctx, rate, opts.rampDurationS, opts.workers);
        ramp.push(f);
        const ok = passes(f, opts.p99LimitMs);
        say(`ramp ${fmtN(rate)} rows/s (${f.batch} row(s) per INSERT): ${ok ? "pass" : "fail"}, p99 ${fmtMs(f.freshnessMs?.p99)}, written ${fmtN(f.writtenPerSec)} rows/s, applied ${fmtN(f.appliedPerSec)} rows/s, ${f.cpuCores} Flink cores`);
        if (!ok && writersShort(f) && f.notVisible === 0 && (f.freshnessMs?.p99 ?? Infinity) < opts.p99LimitMs) {
          generatorLimit = f.writtenPerSec;
          say(`ramp: the writers reached only ${fmtN(f.writtenPerSec)} rows/s with p99 still ${fmtMs(f.freshnessMs?.p99)}; the pipeline's limit lies above what this machine can write`);
          break;
        }
        if (f.notVisible > 0) {
          // A backlog left by a failed step would slow the next one: let the sink catch up first.
          await waitForConvergence(SELECTABLE_TABLES, source, sink.query, 300_000);
        }
        if (ok) {
          best = Math.max(best ?? 0, rate);
          // A pass at or above an earlier failure: that failure was noise, so search upward again.
          if (failed !== null && rate >= failed) failed = null;
        } else {
          failed = Math.min(failed ?? Infinity, rate);
          // A failure at or below an earlier pass: that pass was noise, so search downward again.
          if (best !== null && rate <= best) best = null;
        }
        rate = failed === null ? (best ?? rate) * 2 : best === null ? Math.round(rate / 2) : Math.round((best + failed) / 2);
      }
      say(best === null ? `ramp: no rate tried kept p99 under ${opts.p99LimitMs / 1000} s` : `ramp: highest rate with p99 under ${opts.p99LimitMs / 1000} s: ${fmtN(best)} rows/s${generatorLimit !== null ? " (a lower bound: the writers' limit)" : ""}`);
    }
    if (opts.json) {
      process.stdout.write(JSON.stringify({ machine: machine(), settings: { sinkFlushIntervalMs: defaults.sinkFlushIntervalMs, checkpointInterval: defaults.checkpointInterval, sinkSemantic: defaults.sinkSemantic, workers: opts.workers }, run: main, ramp, bestRateUnderP99Limit: opts.ramp ? best : undefined, writersLimitedAt: generatorLimit, p99LimitMs: opts.p99LimitMs }) + "\n");
    } else {
      const m = machine();
      say(`machine: ${m.cpus} cores (${m.model}), ${m.memoryGb} GB; the stand-in has no StarRocks commit or publish cost`);
    }
  } finally {
    forgetSignals();
    for (const c of cleanups) await c().catch((err) => process.stderr.write(`cleanup: ${(err as Error).message}\n`));
  }
}

main().catch((err) => {
  process.stderr.write(`bench:freshness failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
