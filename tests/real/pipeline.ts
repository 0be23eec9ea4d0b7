/**
 * One CDC pipeline on the real tier: a MariaDB source (binlog ROW/FULL, the catalog's schema, a CDC user),
 * the project's own job SQL (render/flinkJob.ts) submitted through the CdcJob provider to the real Flink
 * cluster, loading into the StarRocks stand-in. Shared by tests/real/*.test.ts and bench/freshness.ts.
 *
 * What the cluster and the stand-in are comes in through `PipelineParts` (their endpoints), so this file
 * knows nothing about how either is started.
 */
import * as mysql from "mysql2/promise";
import { TABLES, TableDef, findTable } from "../../catalog/tables";
import { StackConfig, resolveConfig } from "../../config";
import { CdcJobInputs, CdcJobOutputs, createCdcJobProvider } from "../../providers/cdcJob";
import { FlinkClient, TERMINAL_JOB_STATES } from "../../clients/flink";
import { CdcJobSpec, renderCdcJobs } from "../../render/flinkJob";
import { quoteIdent } from "../../render/sql";
import { createLoaderUserSql, grantLoaderSql, starrocksCreateDatabaseSql, starrocksCreateTableSql } from "../../render/starrocks";
import { StarRocksStandIn, startStarRocksStandIn } from "../standins/starrocks";
import { sourceSetupSql } from "./harness/source";
import { MariaDbServer, startMariaDb } from "../helpers/mariadb";

export const CDC_USER = "flink_cdc";
export const DATABASE = "shop";
export const LOADER_USER = "flink_loader";

// ------------------------------------------------------------------ source

export interface Source {
  server: MariaDbServer;
  database: string;
  cdcPassword: string;
  /** root URL the writers and the CLI use. */
  url: string;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/** A MariaDB source as mysql-cdc needs it: binlog ROW/FULL, the catalog schema with sample rows, the CDC user. */
export async function startSource(opts: { tables: readonly string[]; sampleRows?: number; cdcPassword?: string }): Promise<Source> {
  const server = await startMariaDb({ binlog: true, binlogFormat: "ROW", binlogRowImage: "FULL", serverId: 1, timeZone: "+00:00" });
  const cdcPassword = opts.cdcPassword ?? "cdc-Secret-1";
  const admin = async (database?: string) => {
    const c = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password, database, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
    // A restart of the source must not crash the process with an unhandled 'error' event.
    c.on("error", () => undefined);
    return c;
  };
  let conn = await admin();
  await conn.query(sourceSetupSql(DATABASE, opts.tables, opts.sampleRows ?? 20, CDC_USER, cdcPassword).join(";\n"));
  await conn.query(`USE ${quoteIdent(DATABASE)}`);
  return {
    server,
    database: DATABASE,
    cdcPassword,
    url: `mysql://root@127.0.0.1:${server.port}/${DATABASE}`,
    // Reconnects once when the server was restarted under it.
    query: async <T>(sql: string) => {
      try {
        return (await conn.query(sql))[0] as unknown as T[];
      } catch (err) {
        if (!isConnectionLoss(err)) throw err;
        conn.destroy();
        conn = await admin(DATABASE);
        return (await conn.query(sql))[0] as unknown as T[];
      }
    },
    close: async () => {
      await conn.end().catch(() => conn.destroy());
      await server.stop();
    },
  };
}

export function isConnectionLoss(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? "";
  const fatal = (err as { fatal?: boolean }).fatal === true;
  return fatal || ["PROTOCOL_CONNECTION_LOST", "ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ER_SERVER_SHUTDOWN", "ER_CONNECTION_KILLED"].includes(code);
}

// ------------------------------------------------------------------ jobs

/** The cluster's endpoints and state locations, as the tier reports them. */
export interface FlinkEndpoints {
  gatewayUrl: string;
  restUrl: string;
  /** execution.checkpointing.dir and savepoint-dir of the cluster (s3://bucket/...). */
  checkpointDir: string;
  savepointDir: string;
  s3: { endpoint: string; accessKey: string; secretKey: string; bucket: string; region: string };
}

/** The endpoints of the tier (tests/real/harness realTier(), or its state file). */
export function flinkEndpoints(t: { gatewayUrl: string; restUrl: string; checkpointDir: string; savepointDir: string; s3: FlinkEndpoints["s3"] }): FlinkEndpoints {
  return {
    gatewayUrl: t.gatewayUrl,
    restUrl: t.restUrl,
    checkpointDir: t.checkpointDir,
    savepointDir: t.savepointDir,
    s3: { endpoint: t.s3.endpoint, accessKey: t.s3.accessKey, secretKey: t.s3.secretKey, bucket: t.s3.bucket, region: t.s3.region },
  };
}

/** The sink as the Flink jobs reach it. */
export interface SinkEndpoints {
  /** jdbc:mysql://host:port of the stand-in's MySQL protocol. */
  jdbcUrl: string;
  /** host:port of the stand-in's HTTP (Stream Load). */
  loadUrl: string;
  database: string;
  loaderUser: string;
  loaderPassword: string;
}

/**
 * A StackConfig for the local processes: an external source on loopback, the stand-in as the FE the
 * jobs reach, everything else the stack's defaults (sink flush interval, semantic, checkpoint interval).
 */
export function pipelineConfig(opts: { stack: string; tables: readonly string[]; source: Source; sink: SinkEndpoints; overrides?: Record<string, unknown> }): StackConfig {
  const cfg = resolveConfig(
    {
      sourceMode: "external",
      sourceHost: "127.0.0.1",
      sourcePort: opts.source.server.port,
      sourceUser: CDC_USER,
      sourcePassword: opts.source.cdcPassword,
      sourceDatabase: opts.source.database,
      sinkDatabase: opts.sink.database,
      loaderUser: opts.sink.loaderUser,
      tables: [...opts.tables],
      ...opts.overrides,
    },
    { stack: opts.stack },
  );
  return { ...cfg, starrocks: { ...cfg.starrocks, fromFlink: { jdbcUrl: opts.sink.jdbcUrl, loadUrl: opts.sink.loadUrl } } };
}

export interface Jobs {
  cfg: StackConfig;
  specs: CdcJobSpec[];
  provider: ReturnType<typeof createCdcJobProvider>;
  /** Provider outputs per table, as Pulumi would keep them in state. */
  outputs: Map<string, CdcJobOutputs>;
  inputs(table: string): CdcJobInputs;
  client: FlinkClient;
  /** Provider messages (never secrets), for assertions and failure reports. */
  log: string[];
}

/**
 * The provider's inputs for one job, as components/cdcJobs.ts passes them. The statements carry the real
 * passwords and the passwords are given on their own as well, so the inputs suit a provider that
 * substitutes password placeholders and one that takes the statements as they are.
 */
export function jobInputs(cfg: StackConfig, spec: CdcJobSpec, flink: FlinkEndpoints, timeoutMs: number, secrets: { cdcPassword: string; loaderPassword: string }): CdcJobInputs {
  void cfg;
  return {
    gatewayUrl: flink.gatewayUrl,
    restUrl: flink.restUrl,
    statements: spec.statements,
    ...secrets,
    pipelineName: spec.pipelineName,
    table: spec.table,
    serverIdRange: spec.serverIdRange,
    upgradeMode: "savepoint",
    savepointDir: flink.savepointDir,
    checkpointDir: flink.checkpointDir,
    savepointNonce: "",
    timeoutMs,
    providerVersion: "test",
    s3Endpoint: flink.s3.endpoint,
    s3AccessKey: flink.s3.accessKey,
    s3SecretKey: flink.s3.secretKey,
    bucket: flink.s3.bucket,
    s3Region: flink.s3.region,
  };
}

/** Renders every job of `cfg` and creates it through the provider (as `pulumi up` does), in parallel. */
export async function deployJobs(cfg: StackConfig, source: Source, sink: SinkEndpoints, flink: FlinkEndpoints, timeoutMs = 180_000): Promise<Jobs> {
  const log: string[] = [];
  const provider = createCdcJobProvider({ log: (m) => log.push(m), pollInitialMs: 250, pollMaxMs: 1000 });
  const specs = renderCdcJobs(cfg, { cdcPassword: source.cdcPassword, loaderPassword: sink.loaderPassword });
  const outputs = new Map<string, CdcJobOutputs>();
  const secrets = { cdcPassword: source.cdcPassword, loaderPassword: sink.loaderPassword };
  const inputs = (table: string) => jobInputs(cfg, specs.find((s) => s.table === table)!, flink, timeoutMs, secrets);
  await Promise.all(
    specs.map(async (s) => {
      const checked = await provider.check!({}, inputs(s.table));
      if (checked.failures?.length) throw new Error(`check of ${s.pipelineName}: ${JSON.stringify(checked.failures)}`);
      const r = await provider.create!(checked.inputs);
      outputs.set(s.table, r.outs as CdcJobOutputs);
    }),
  );
  const client = new FlinkClient({ gatewayUrl: flink.gatewayUrl, restUrl: flink.restUrl, timeoutMs });
  return { cfg, specs, provider, outputs, inputs, client, log };
}

/** Cancels every job of the pipelines (whatever ids they run as now); used to free slots between files. */
export async function cancelJobs(client: FlinkClient, pipelineNames: readonly string[]): Promise<void> {
  const jobs = await client.listJobsOverview().catch(() => []);
  const active = jobs.filter((j) => pipelineNames.includes(j.name) && !TERMINAL_JOB_STATES.includes(j.state));
  await Promise.all(active.map((j) => client.cancelJob(j.jid).catch(() => undefined)));
  await Promise.all(active.map((j) => client.waitForJobState(j.jid, ["CANCELED", "FAILED", "FINISHED"], 60_000).catch(() => undefined)));
}

// ------------------------------------------------------------------ writer

/** Value of a non-key column for key k: deterministic per (key, version), valid for the column type. */
function columnValue(t: TableDef, name: string, key: bigint, version: number): string {
  const c = t.columns.find((x) => x.name === name)!;
  const n = Number(key % 100000n) + version;
  switch (c.type.kind) {
    case "bigint":
    case "int":
      return String(n % 1000);
    case "decimal":
      return ((n % 10000) / 100).toFixed(2);
    case "varchar":
      return `'${`v${version}-${key}`.slice(0, c.type.length)}'`;
    case "datetime":
      return "CURRENT_TIMESTAMP(3)";
    case "mapped":
      throw new Error(`column ${c.name}: the demo tables have no mapped columns`);
  }
}

export interface WriterStats {
  inserts: number;
  updates: number;
  deletes: number;
  /** Statements that failed because the source was away (retried on a new connection). */
  reconnects: number;
}

/**
 * Writes into the source throughout a test: inserts at `ratePerSec` across the tables, and every 5th
 * operation an update, every 10th a delete of an earlier row, so the sink must apply all three kinds.
 * Survives a source restart (reconnects and carries on). pause() waits for the statement in flight.
 */
export class SourceWriter {
  readonly stats: WriterStats = { inserts: 0, updates: 0, deletes: 0, reconnects: 0 };
  private conn?: mysql.Connection;
  private running = false;
  private paused = false;
  private loop?: Promise<void>;
  private readonly live = new Map<string, bigint[]>();
  /** Operations per table, so every table gets inserts, updates and deletes. */
  private readonly ops = new Map<string, number>();
  private next: bigint;
  private op = 0;
  /** Last error seen (for failure messages). */
  lastError = "";

  constructor(private readonly source: Source, private readonly tables: TableDef[], private readonly ratePerSec = 20, keyBase = 1_000_000n) {
    this.next = keyBase;
    for (const t of tables) this.live.set(t.name, []);
  }

  start(): void {
    this.running = true;
    this.paused = false;
    this.loop = this.run();
  }

  /** Stops writing; resolves when no statement is in flight. */
  async pause(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  resume(): void {
    if (!this.running) this.start();
  }

  async stop(): Promise<void> {
    await this.pause();
    await this.conn?.end().catch(() => this.conn?.destroy());
    this.conn = undefined;
  }

  private async connection(): Promise<mysql.Connection> {
    if (!this.conn) {
      const s = this.source.server;
      this.conn = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, database: this.source.database, connectTimeout: 2000 });
      this.conn.on("error", () => undefined);
    }
    return this.conn;
  }

  private async run(): Promise<void> {
    const interval = 1000 / this.ratePerSec;
    let due = Date.now();
    while (this.running) {
      const t = this.tables[this.op % this.tables.length];
      const sql = this.statement(t);
      try {
        await (await this.connection()).query(sql.text);
        sql.commit();
        this.op++;
      } catch (err) {
        this.lastError = String((err as Error).message ?? err);
        if (!isConnectionLoss(err) && !/connect/i.test(this.lastError)) throw err;
        this.conn?.destroy();
        this.conn = undefined;
        this.stats.reconnects++;
        await sleep(300);
        due = Date.now();
        continue;
      }
      due += interval;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
    }
  }

  private statement(t: TableDef): { text: string; commit: () => void } {
    const keyCol = t.key[0];
    const live = this.live.get(t.name)!;
    const others = t.columns.filter((c) => c.name !== keyCol).map((c) => c.name);
    const n = this.ops.get(t.name) ?? 0;
    this.ops.set(t.name, n + 1);
    const kind = n % 10 === 9 && live.length > 2 ? "delete" : n % 5 === 4 && live.length > 0 ? "update" : "insert";
    if (kind === "delete") {
      const key = live[0];
      return {
        text: `DELETE FROM ${quoteIdent(t.name)} WHERE ${quoteIdent(keyCol)} = ${key}`,
        commit: () => {
          live.shift();
          this.stats.deletes++;
        },
      };
    }
    if (kind === "update") {
      const key = live[live.length - 1];
      const sets = others.map((c) => `${quoteIdent(c)} = ${columnValue(t, c, key, n)}`).join(", ");
      return { text: `UPDATE ${quoteIdent(t.name)} SET ${sets} WHERE ${quoteIdent(keyCol)} = ${key}`, commit: () => void this.stats.updates++ };
    }
    const key = this.next;
    const values = [String(key), ...others.map((c) => columnValue(t, c, key, 0))].join(", ");
    // INSERT ... ON DUPLICATE KEY: a retried statement whose first attempt committed (the source went away
    // before the acknowledgement) must not fail the writer.
    return {
      text: `INSERT INTO ${quoteIdent(t.name)} (${[keyCol, ...others].map(quoteIdent).join(", ")}) VALUES (${values}) ON DUPLICATE KEY UPDATE ${quoteIdent(keyCol)} = ${quoteIdent(keyCol)}`,
      commit: () => {
        this.next++;
        live.push(key);
        this.stats.inserts++;
      },
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ------------------------------------------------------------------ comparison

/** Reads rows from the sink's storage with ordinary SQL. */
export type SinkQuery = <T = Record<string, unknown>>(sql: string) => Promise<T[]>;

/**
 * Every row of a table as `key -> "col1|col2|..."`, with values cast to text the same way on both sides
 * (DECIMAL with its scale, DATETIME(3) with milliseconds), so the comparison is of values, not of drivers.
 */
export function rowsSql(t: TableDef): string {
  const cast = t.columns.map((c) => {
    const q = quoteIdent(c.name);
    if (c.type.kind === "datetime") return `IFNULL(DATE_FORMAT(${q}, '%Y-%m-%d %H:%i:%s.%f'), 'NULL')`;
    return `IFNULL(CAST(${q} AS CHAR), 'NULL')`;
  });
  return `SELECT CAST(${quoteIdent(t.key[0])} AS CHAR) AS k, CONCAT_WS('|', ${cast.join(", ")}) AS v FROM ${quoteIdent(t.name)}`;
}

export interface TableDiff {
  table: string;
  source: number;
  sink: number;
  missing: string[];
  extra: string[];
  different: string[];
}

export async function diffTable(t: TableDef, source: Source, sink: SinkQuery): Promise<TableDiff> {
  const [a, b] = await Promise.all([source.query<{ k: string; v: string }>(rowsSql(t)), sink<{ k: string; v: string }>(rowsSql(t))]);
  const src = new Map(a.map((r) => [String(r.k), String(r.v)]));
  const dst = new Map(b.map((r) => [String(r.k), String(r.v)]));
  const missing = [...src.keys()].filter((k) => !dst.has(k));
  const extra = [...dst.keys()].filter((k) => !src.has(k));
  const different = [...src.keys()].filter((k) => dst.has(k) && dst.get(k) !== src.get(k));
  return { table: t.name, source: src.size, sink: dst.size, missing, extra, different };
}

/** Waits until the sink holds exactly the source's rows in every table; returns the last diff either way. */
export async function waitForConvergence(tables: readonly string[], source: Source, sink: SinkQuery, timeoutMs: number): Promise<TableDiff[]> {
  const deadline = Date.now() + timeoutMs;
  let diffs: TableDiff[] = [];
  for (;;) {
    diffs = [];
    for (const name of tables) diffs.push(await diffTable(findTable(name), source, sink).catch((err) => ({ table: name, source: -1, sink: -1, missing: [String(err)], extra: [], different: [] })));
    if (diffs.every(converged) || Date.now() > deadline) return diffs;
    await sleep(1000);
  }
}

export function converged(d: TableDiff): boolean {
  return d.source >= 0 && d.missing.length === 0 && d.extra.length === 0 && d.different.length === 0;
}

/** One line per table that differs, with the first few keys. */
export function describeDiffs(diffs: TableDiff[]): string {
  return diffs
    .filter((d) => !converged(d))
    .map((d) => `${d.table}: source ${d.source} rows, sink ${d.sink}; missing ${d.missing.length} (${d.missing.slice(0, 5).join(", ")}), extra ${d.extra.length} (${d.extra.slice(0, 5).join(", ")}), different ${d.different.length} (${d.different.slice(0, 5).join(", ")})`)
    .join("\n");
}

// ------------------------------------------------------------------ sink

/** The StarRocks stand-in as the tests use it. */
export interface Sink extends SinkEndpoints {
  /** mysql:// URL of the stand-in's MySQL endpoint, for the CLI's --sink. */
  mysqlUrl: string;
  /** Reads the rows the stand-in stored. */
  query: SinkQuery;
  /** Makes every Stream Load fail ("error") or stall ("hang") for `ms`. */
  failLoadsFor(ms: number, mode: "error" | "hang"): void;
  /** The stand-in itself (its load records explain a failure). */
  standIn: StarRocksStandIn;
  stop(): Promise<void>;
}

/**
 * Starts the StarRocks stand-in (tests/standins/starrocks.ts) as a deployed stack leaves StarRocks: the
 * sink database, the catalog's Primary Key tables (the project's own StarRocks DDL, default: every
 * table) and the loader user with its grants, created through the stand-in's MySQL protocol.
 */
export async function startSink(tables: readonly string[] = TABLES.map((t) => t.name), loaderPassword = "loader-Secret-1"): Promise<Sink> {
  const standIn = await startStarRocksStandIn({ preset: "ready" });
  try {
    const admin = await mysql.createConnection({ host: standIn.host, port: standIn.queryPort, user: "root", password: standIn.rootPassword });
    try {
      const stmts = [
        starrocksCreateDatabaseSql(DATABASE),
        ...tables.map((name) => starrocksCreateTableSql(DATABASE, findTable(name))),
        createLoaderUserSql(LOADER_USER, loaderPassword),
        grantLoaderSql(LOADER_USER, DATABASE),
      ];
      for (const sql of stmts) await admin.query(sql);
    } finally {
      await admin.end();
    }
    const s = standIn.store.server;
    const reader = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, database: DATABASE, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true });
    reader.on("error", () => undefined);
    return {
      jdbcUrl: `jdbc:mysql://${standIn.host}:${standIn.queryPort}`,
      loadUrl: `${standIn.host}:${standIn.httpPort}`,
      database: DATABASE,
      loaderUser: LOADER_USER,
      loaderPassword,
      mysqlUrl: `mysql://${LOADER_USER}:${encodeURIComponent(loaderPassword)}@${standIn.host}:${standIn.queryPort}/${DATABASE}`,
      query: async <T>(sql: string) => (await reader.query(sql))[0] as unknown as T[],
      failLoadsFor: (ms, mode) => standIn.failLoadsFor(ms, mode),
      standIn,
      stop: async () => {
        await reader.end().catch(() => reader.destroy());
        await standIn.stop();
      },
    };
  } catch (err) {
    await standIn.stop();
    throw err;
  }
}
