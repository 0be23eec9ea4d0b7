/**
 * Cost as the catalog grows: N captured tables (default 5, 20 and 50), each with its own CDC job, so N
 * binlog readers on the source and N source/sink pairs in Flink. For each N it starts a MariaDB source with
 * N tables (`acct_001`…, captured by the pattern `acct_[0-9]+`), builds the catalog from the source's
 * information_schema (the stack's own reader and mapping), renders and creates the jobs through the CdcJob
 * provider on the real-tier Flink cluster, loads into the StarRocks stand-in, then:
 *   - warms up: --warmup seconds of writing at --rate, not measured (the first seconds after the snapshot
 *     carry the snapshot's checkpoints and JIT warm-up, which inflate p99);
 *   - measures --duration seconds at --rate rows/s spread evenly over the N tables: freshness p50/p95/p99
 *     (commit in MariaDB → first sink poll that sees the row, cli/measure.ts), the CPU the Flink processes
 *     spent (/proc utime+stime, as a share of one core), their resident memory, and the binlog connections
 *     the source serves (SHOW PROCESSLIST rows with Command `Binlog Dump`).
 * One cluster serves every N, sized for the largest: slotsPerTaskManager = N + 2 and a TaskManager large
 * enough that every sink's buffer (sink.buffer-flush.max-bytes, at least 64 MiB) fits in half its task heap,
 * as config/ requires of a stack with that many jobs.
 *
 * The stand-in stores rows at once: the figures describe MariaDB, Flink and the connectors, not StarRocks.
 *
 *   npm run bench:catalog -- [--tables 5,20,50] [--rate 1000] [--warmup 20] [--duration 40] [--pool N | --default-pool]
 *                            [--max-connections 500] [--json]
 */
// Refuse an old Node before anything else loads (bin/node-version.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("../bin/node-version").requireSupportedNode("bench:catalog");
import * as os from "os";
import { spawnSync } from "child_process";
import * as mysql from "mysql2/promise";
import { Column, ColumnType, TableDef } from "../catalog/definition";
import { HEARTBEAT_TABLE, findTable } from "../catalog/tables";
import { buildSourceCatalog, refusals } from "../catalog/source";
import { Connections } from "../cli/connections";
import { Context, Interrupt } from "../cli/context";
import { LatencyStats } from "../cli/measure";
import { measuredRun } from "../cli/workload";
import { FlinkClient } from "../clients/flink";
import { readSourceSchema } from "../clients/mysql";
import { resolveConfig } from "../config";
import { createCdcJobProvider } from "../providers/cdcJob";
import { renderCdcJobs } from "../render/flinkJob";
import { memoryBytes, taskHeapBytes, SINK_BUFFER_MAX_BYTES_MIN } from "../render/flinkMemory";
import { createCdcUserSql, createDatabaseSql, createTableSql, grantCdcSql } from "../render/mysql";
import { createLoaderUserSql, grantLoaderSql, starrocksCreateDatabaseSql, starrocksCreateTableSql } from "../render/starrocks";
import { startStarRocksStandIn } from "../tests/standins/starrocks";
import { startMariaDb } from "../tests/helpers/mariadb";
import { startRealTier } from "../tests/real/harness/globalSetup";
import globalTeardown from "../tests/real/harness/globalTeardown";
import { realTier } from "../tests/real/harness";
import { cancelJobs, flinkEndpoints, jobInputs } from "../tests/real/pipeline";
import { ROLES, Role, flinkCpu, flinkRssMiB } from "./flinkCpu";

interface Options {
  sizes: number[];
  rate: number;
  warmupS: number;
  durationS: number;
  workers: number;
  json: boolean;
  /**
   * The source's max_connections. Each job holds a binlog connection and its reader's JDBC connection, and the
   * enumerators share the pool: about 3 per table, so 50 tables pass MySQL's and MariaDB's default of 151.
   */
  maxConnections: number;
  /** mysql-cdc connection.pool.size for every job: undefined = tables + 10, 0 = leave the rendered default (20). */
  pool?: number;
}

function parseOptions(argv: string[]): Options {
  const known = new Set(["--tables", "--rate", "--warmup", "--duration", "--workers", "--json", "--pool", "--default-pool", "--max-connections"]);
  for (const a of argv) if (a.startsWith("--") && !known.has(a)) throw new Error(`unknown option ${a}; known: ${[...known].join(" ")}`);
  const value = (name: string, dflt: number): number => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return dflt;
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number, got ${argv[i + 1]}`);
    return v;
  };
  const i = argv.indexOf("--tables");
  const sizes = i < 0 ? [5, 20, 50] : argv[i + 1].split(",").map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 200)) throw new Error(`--tables needs table counts 1..200, e.g. 5,20,50; got ${argv[i + 1]}`);
  const pool = argv.includes("--default-pool") ? 0 : argv.includes("--pool") ? value("pool", 20) : undefined;
  return { sizes, rate: value("rate", 1000), warmupS: value("warmup", 20), durationS: value("duration", 40), workers: value("workers", 4), json: argv.includes("--json"), pool, maxConnections: value("max-connections", 500) };
}

const DATABASE = "bench";
const CDC_USER = "flink_cdc";
const CDC_PASSWORD = "cdc-bench-pw";
const LOADER_PASSWORD = "loader-bench-pw";
const INITIAL_ROWS = 20;

/** The benchmark's table shape (the writer's view: demo column kinds, which cli/sql.ts knows how to fill). */
function benchTable(i: number): TableDef {
  const col = (name: string, type: ColumnType, nullable = false): Column => ({ name, type, nullable });
  return {
    name: `acct_${String(i).padStart(3, "0")}`,
    key: ["id"],
    description: "benchmark table",
    columns: [
      col("id", { kind: "bigint" }),
      col("owner", { kind: "varchar", length: 64 }),
      col("amount", { kind: "decimal", precision: 12, scale: 2 }),
      col("qty", { kind: "int" }),
      col("updated_at", { kind: "datetime" }),
    ],
  };
}

/** The smallest TaskManager size (in 256 MiB steps) whose task heap holds `sinks` minimum sink buffers twice over. */
export function taskManagerMemoryFor(sinks: number): string {
  for (let mb = 2048; ; mb += 256) {
    if (sinks * SINK_BUFFER_MAX_BYTES_MIN <= taskHeapBytes(memoryBytes(`${mb}m`)!) / 2) return `${mb}m`;
  }
}

interface SizeFigures {
  tables: number;
  jobs: number;
  startupS: number;
  rate: number;
  rows: number;
  writtenPerSec: number;
  notVisible: number;
  freshnessMs?: LatencyStats;
  cpuSeconds: Record<Role, number>;
  /** Flink processes' CPU as a share of one core over the measured run. */
  cpuCores: number;
  /** Resident memory of the Flink processes after the run, MiB. */
  rssMiB: Record<Role, number>;
  binlogConnections: number;
  /** Every connection the source serves while the jobs run (SHOW PROCESSLIST rows, the benchmark's own included). */
  sourceConnections: number;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runSize(n: number, opts: Options, say: (s: string) => void): Promise<SizeFigures> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const started = Date.now();
  try {
    const tier = await realTier();
    const flink = flinkEndpoints(tier);
    const [source, standin] = await Promise.all([startMariaDb({ binlog: true, timeZone: "+00:00", extraArgs: [`--max-connections=${opts.maxConnections}`] }), startStarRocksStandIn({ preset: "ready" })]);
    cleanups.push(() => source.stop(), () => standin.stop());
    const root = { host: source.host, port: source.port, user: source.user, password: source.password };
    const writerTables = Array.from({ length: n }, (_, i) => benchTable(i + 1));
    const admin = await mysql.createConnection({ ...root, multipleStatements: true });
    cleanups.unshift(() => admin.end());
    await admin.query(createDatabaseSql(DATABASE));
    for (const t of [...writerTables, findTable(HEARTBEAT_TABLE)]) await admin.query(createTableSql(DATABASE, t));
    for (const t of writerTables) {
      const values = Array.from({ length: INITIAL_ROWS }, (_, k) => `(${k + 1}, 'seed', ${k}.50, ${k}, NOW(3))`).join(", ");
      await admin.query(`INSERT INTO \`${DATABASE}\`.\`${t.name}\` VALUES ${values}`);
    }
    await admin.query(createCdcUserSql(CDC_USER, CDC_PASSWORD));
    await admin.query(grantCdcSql(CDC_USER));

    // The catalog as the stack builds it from the source: every acct_NNN table, plus the heartbeat's job.
    const probe = await mysql.createConnection({ ...root, user: CDC_USER, password: CDC_PASSWORD });
    const schema = await readSourceSchema(probe, DATABASE).finally(() => probe.end());
    const catalog = buildSourceCatalog(schema, { database: DATABASE, captureTables: "acct_[0-9]+", captureTablesExclude: "", excludeColumns: {}, keys: {}, buckets: {}, timeZone: "UTC" });
    if (refusals(catalog).length) throw new Error(`catalog refused: ${refusals(catalog).map((r) => r.message).join("; ")}`);
    if (catalog.tables.length !== n + 1) throw new Error(`catalog has ${catalog.tables.length} tables, expected ${n} + heartbeat`);

    const fe = await mysql.createConnection({ host: "127.0.0.1", port: standin.queryPort, user: "root", password: standin.rootPassword });
    await fe.query(starrocksCreateDatabaseSql(DATABASE));
    for (const t of catalog.tables) await fe.query(starrocksCreateTableSql(DATABASE, t));
    await fe.query(createLoaderUserSql("flink_loader", LOADER_PASSWORD));
    await fe.query(grantLoaderSql("flink_loader", DATABASE));
    await fe.end();

    const base = resolveConfig(
      { sourceMode: "external", sourceHost: "127.0.0.1", sourcePort: source.port, sourceUser: CDC_USER, sourcePassword: CDC_PASSWORD, sourceDatabase: DATABASE, sinkDatabase: DATABASE },
      // A stack per size: job names differ, so the CdcJob provider never resumes a job of an earlier size
      // from its retained checkpoint (whose binlog position belongs to that size's source server).
      { stack: `bench${n}` },
    );
    const cfg = { ...base, starrocks: { ...base.starrocks, fromFlink: { jdbcUrl: `jdbc:mysql://127.0.0.1:${standin.queryPort}`, loadUrl: `127.0.0.1:${standin.httpPort}` } } };
    const rendered = renderCdcJobs(cfg, { cdcPassword: CDC_PASSWORD, loaderPassword: LOADER_PASSWORD }, catalog.tables);
    // mysql-cdc keeps ONE JDBC pool per source host:port in the JobManager JVM, shared by every job's split
    // enumerator, sized by the first job's `connection.pool.size` (default 20). From about 20 jobs on one source
    // the enumerators wait for it and fail after 30 s ("connection-pool-<host:port> - Connection is not available,
    // request timed out after 30000ms"), so with --pool (default: tables + 10) each source gets a larger pool.
    const specs = opts.pool === 0 ? rendered : rendered.map((s) => ({
      ...s,
      statements: s.statements.map((st, i) => (i === 0 ? st.replace(/'connector' = 'mysql-cdc',/, `'connector' = 'mysql-cdc',\n  'connection.pool.size' = '${opts.pool ?? n + 10}',`) : st)),
    }));
    const provider = createCdcJobProvider({ log: () => undefined, pollInitialMs: 500, pollMaxMs: 2000 });
    const client = new FlinkClient({ gatewayUrl: flink.gatewayUrl, restUrl: flink.restUrl, timeoutMs: 600_000 });
    cleanups.unshift(() => cancelJobs(client, specs.map((s) => s.pipelineName)));
    // Four at a time: the gateway plans each job's SQL, which takes seconds on a loaded 2-core machine.
    const queue = [...specs];
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let s = queue.shift(); s; s = queue.shift()) {
        const checked = await provider.check!({}, jobInputs(cfg, s, flink, 600_000, { cdcPassword: CDC_PASSWORD, loaderPassword: LOADER_PASSWORD }));
        if (checked.failures?.length) throw new Error(`check of ${s.pipelineName}: ${JSON.stringify(checked.failures)}`);
        await provider.create!(checked.inputs);
      }
    }));
    // The snapshot: every table's seed rows in the stand-in.
    const store = standin.store.server;
    const sinkReader = await mysql.createConnection({ host: store.host, port: store.port, user: store.user, password: store.password });
    cleanups.unshift(() => sinkReader.end());
    const deadline = Date.now() + 600_000;
    for (;;) {
      const [rows] = await sinkReader.query(writerTables.map((t) => `SELECT COUNT(*) AS c FROM \`${DATABASE}\`.\`${t.name}\``).join(" UNION ALL "));
      const done = (rows as Array<{ c: number }>).filter((r) => Number(r.c) >= INITIAL_ROWS).length;
      if (done === n) break;
      if (Date.now() > deadline) throw new Error(`snapshot: only ${done} of ${n} tables arrived in 600 s`);
      await sleep(2000);
    }
    const startupS = round((Date.now() - started) / 1000, 0);
    say(`${n} tables: ${specs.length} jobs running, snapshot in the stand-in after ${startupS} s`);

    const ctx = new Context(
      new Connections({ source: `mysql://root@127.0.0.1:${source.port}/${DATABASE}`, sink: `mysql://flink_loader:${LOADER_PASSWORD}@127.0.0.1:${standin.queryPort}/${DATABASE}`, env: {} }),
      { json: false },
      { write: () => undefined, isTTY: false },
      { write: () => undefined, isTTY: false },
      new Interrupt(),
    );
    cleanups.unshift(() => ctx.close());
    const load = (durationS: number) => measuredRun(ctx, { tables: writerTables, workers: opts.workers, batch: 1, durationMs: durationS * 1000, rate: opts.rate }, 180_000);
    await load(opts.warmupS);
    const cpu0 = flinkCpu();
    const t0 = performance.now();
    const { result } = await load(opts.durationS);
    const wallS = (performance.now() - t0) / 1000;
    const cpu1 = flinkCpu();
    const [procs] = await admin.query("SHOW PROCESSLIST");
    const binlogConnections = (procs as Array<{ Command: string }>).filter((p) => p.Command === "Binlog Dump").length;
    const sourceConnections = (procs as unknown[]).length;
    return {
      tables: n,
      jobs: specs.length,
      startupS,
      rate: opts.rate,
      rows: result.rows,
      writtenPerSec: result.rowsPerSec,
      notVisible: result.notVisible,
      freshnessMs: result.latencyMs,
      cpuSeconds: Object.fromEntries(ROLES.map((r) => [r, round(cpu1[r] - cpu0[r], 1)])) as Record<Role, number>,
      cpuCores: round(ROLES.reduce((s, r) => s + cpu1[r] - cpu0[r], 0) / wallS, 2),
      rssMiB: flinkRssMiB(),
      binlogConnections,
      sourceConnections,
    };
  } finally {
    for (const c of cleanups) await c().catch((err) => process.stderr.write(`cleanup: ${(err as Error).message}\n`));
  }
}

const fmtMs = (x?: number) => (x === undefined ? "-" : x >= 1000 ? `${round(x / 1000, 2)} s` : `${round(x, 0)} ms`);

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const say = (s: string) => (opts.json ? process.stderr : process.stdout).write(s + "\n");
  if (opts.json) console.log = (...args: unknown[]) => void process.stderr.write(args.join(" ") + "\n");
  const most = Math.max(...opts.sizes) + 1;
  const sizing = { slotsPerTaskManager: most + 1, taskManagerMemory: taskManagerMemoryFor(most) };
  say(`catalog bench: tables ${opts.sizes.join(", ")}; ${opts.rate} rows/s spread over the tables; warm-up ${opts.warmupS} s, measured ${opts.durationS} s; cluster: 1 TaskManager with ${sizing.slotsPerTaskManager} slots, taskManagerMemory ${sizing.taskManagerMemory}`);
  await startRealTier(sizing);
  const figures: SizeFigures[] = [];
  try {
    for (const n of opts.sizes) {
      const f = await runSize(n, opts, say);
      figures.push(f);
      say(`${n} tables (${f.jobs} jobs): freshness p50 ${fmtMs(f.freshnessMs?.p50)}, p95 ${fmtMs(f.freshnessMs?.p95)}, p99 ${fmtMs(f.freshnessMs?.p99)}; ` +
        `written ${Math.round(f.writtenPerSec)} rows/s, ${f.notVisible} not visible; Flink CPU ${f.cpuCores} cores (JM ${f.cpuSeconds.jobmanager} s, TM ${f.cpuSeconds.taskmanager} s, gateway ${f.cpuSeconds["sql-gateway"]} s); ` +
        `RSS JM ${f.rssMiB.jobmanager} MiB, TM ${f.rssMiB.taskmanager} MiB; ${f.binlogConnections} binlog connections (${f.sourceConnections} connections in all) on the source`);
    }
  } finally {
    await globalTeardown();
  }
  const m = { cpus: Number(spawnSync("nproc", [], { encoding: "utf8" }).stdout.trim()) || os.cpus().length, load1: round(os.loadavg()[0], 1), memoryGb: round(os.totalmem() / 2 ** 30, 0) };
  if (opts.json) process.stdout.write(JSON.stringify({ machine: m, sizing, options: opts, figures }) + "\n");
  else say(`machine: ${m.cpus} cores (load average ${m.load1} at the end), ${m.memoryGb} GB; the stand-in has no StarRocks commit or publish cost`);
}

main().catch((err) => {
  process.stderr.write(`bench:catalog failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
