/**
 * The Flink SQL of each CDC job, rendered from the table catalog (pure functions, no I/O).
 *
 * One job per replicated table, each a self-contained list of statements for one SQL Gateway session:
 *   1. CREATE TEMPORARY TABLE <source>  ('connector' = 'mysql-cdc', MySQL CDC 3.5.0)
 *   2. CREATE TEMPORARY TABLE <sink>    ('connector' = 'starrocks', StarRocks Flink connector 1.2.10_flink-1.19)
 *   3. INSERT INTO <sink> SELECT ... FROM <source>
 * The gateway accepts one statement per request, so the statements carry no trailing `;`.
 *
 * Option keys used here, and where they are defined:
 * - mysql-cdc: flink-cdc release-3.5.0 `MySqlSourceOptions.java` and
 *   docs/content/docs/connectors/flink-sources/mysql-cdc.md (hostname, port, username, password,
 *   database-name, table-name, server-id, server-time-zone, scan.incremental.snapshot.enabled,
 *   heartbeat.interval).
 * - starrocks: starrocks-connector-for-apache-flink v1.2.10 `StarRocksSinkOptions.java` and
 *   docs/content/connector-sink.md (jdbc-url, load-url, database-name, table-name, username, password,
 *   sink.semantic, sink.buffer-flush.interval-ms, sink.buffer-flush.max-bytes, sink.label-prefix, and the
 *   stream-load pass-through
 *   prefix `sink.properties.` for format / strip_outer_array / strict_mode).
 * - per-statement execution config: Flink 1.20 `PipelineOptions.NAME` (pipeline.name) and
 *   `StateRecoveryOptions.SAVEPOINT_PATH` (execution.state-recovery.path).
 */
import { Column, ColumnType, TABLES, TableDef, replicatedTables } from "../catalog/tables";
import { DEMO_BLOCK_WIDTH, DEMO_SPAN } from "../catalog/serverIds";
import { StackConfig } from "../config";
import { quoteIdent, secretPlaceholder } from "./sql";

/**
 * Width of the server-id block reserved for each catalog table. Block i is
 * [cdcServerIdBase + i*WIDTH, cdcServerIdBase + (i+1)*WIDTH). config/source.ts keeps MySQL's own server_id out of
 * [cdcServerIdBase, cdcServerIdBase + SERVER_ID_SPAN), so every block must fit in that span.
 */
export const SERVER_ID_BLOCK_WIDTH = DEMO_BLOCK_WIDTH;
export const SERVER_ID_SPAN = DEMO_SPAN;

/** Execution-config keys set per statement (never with SET, which would leak into later statements). */
export const PIPELINE_NAME_KEY = "pipeline.name";
export const STATE_RECOVERY_PATH_KEY = "execution.state-recovery.path";

/** Names of the secret placeholders in rendered job scripts. */
export const CDC_PASSWORD_PLACEHOLDER = secretPlaceholder("CDC_PASSWORD");
export const LOADER_PASSWORD_PLACEHOLDER = secretPlaceholder("LOADER_PASSWORD");

export interface ServerIdRange {
  start: number;
  end: number;
}

export interface CdcJobSpec {
  table: string;
  /** `<project>-<stack>-cdc-<table>`: the Flink job name, used to find the job again. */
  pipelineName: string;
  serverIdRange: ServerIdRange;
  /** CREATE source, CREATE sink, INSERT; no trailing semicolons. Contains secrets unless placeholders were given. */
  statements: string[];
  /** Execution config every statement carries besides pipeline.name (jobOptions); empty for a managed cluster. */
  jobOptions: Record<string, string>;
  /** The table's column names in catalog order: an added one makes the CdcJob provider re-snapshot the table. */
  columns: string[];
  /** Each column's Flink type in the source table, aligned with `columns`: a changed one re-snapshots too. */
  columnTypes: string[];
}

export interface CdcSecrets {
  cdcPassword: string;
  loaderPassword: string;
}

/**
 * Flink SQL type of a catalog column type, in the source table (the type that picks mysql-cdc's converter) or
 * the sink table (what the INSERT writes; a mapped column may be cast on the way).
 */
export function flinkType(t: ColumnType, side: "source" | "sink" = "source"): string {
  switch (t.kind) {
    case "mapped": return side === "source" ? t.flinkSource : t.flinkSink;
    case "bigint": return "BIGINT";
    case "int": return "INT";
    case "varchar": return "STRING";
    case "decimal": return `DECIMAL(${t.precision}, ${t.scale})`;
    case "datetime": return "TIMESTAMP(3)";
  }
}

/**
 * The server-id range of a table's job. The block is fixed by the table's position in the full catalog, so a
 * job keeps its range whichever other tables are selected; the range is as wide as the source parallelism
 * (mysql-cdc `MySqlSourceReader`/`ServerIdRange`: each parallel reader takes one id, and the source fails when
 * the range holds fewer ids than the parallelism).
 */
export function serverIdRange(cfg: Pick<StackConfig, "source">, table: string | TableDef): ServerIdRange {
  // A source table carries its own block (catalog/serverIds.ts); demo tables are placed by their index.
  if (typeof table !== "string" && table.serverIds) {
    const p = cfg.source.parallelism;
    if (!Number.isInteger(p) || p < 1 || p > table.serverIds.width) {
      throw new Error(`sourceParallelism ${p} does not fit a server-id block of ${table.serverIds.width} ids`);
    }
    const start = cfg.source.cdcServerIdBase + table.serverIds.offset;
    return { start, end: start + p - 1 };
  }
  const name = typeof table === "string" ? table : table.name;
  const index = TABLES.findIndex((t) => t.name === name);
  if (index < 0) throw new Error(`unknown table "${name}"; known tables: ${TABLES.map((t) => t.name).join(", ")}`);
  const p = cfg.source.parallelism;
  if (!Number.isInteger(p) || p < 1 || p > SERVER_ID_BLOCK_WIDTH) {
    throw new Error(`sourceParallelism ${p} does not fit a server-id block of ${SERVER_ID_BLOCK_WIDTH} ids`);
  }
  if (TABLES.length * SERVER_ID_BLOCK_WIDTH > SERVER_ID_SPAN) {
    throw new Error(`the catalog has ${TABLES.length} tables; server-id blocks of ${SERVER_ID_BLOCK_WIDTH} exceed the reserved span of ${SERVER_ID_SPAN}`);
  }
  const start = cfg.source.cdcServerIdBase + index * SERVER_ID_BLOCK_WIDTH;
  return { start, end: start + p - 1 };
}

/**
 * Job-level options for an external session cluster, whose configuration the stack does not write: the
 * checkpoints mysql-cdc needs to leave its snapshot phase, the configured state locations (upgrades and loss
 * recovery look there) with checkpoints kept on cancel, and the parallelism the server-id ranges are sized for.
 * A managed cluster has the same values in its configuration (render/flink.ts), so its jobs carry none. Job-level
 * checkpoint settings are read by CheckpointConfig#configure (Flink FLINK-24506); keys per flink.md §2.
 */
export function jobOptions(cfg: Pick<StackConfig, "flink" | "source">): Record<string, string> {
  if (cfg.flink.mode === "managed") return {};
  return {
    "execution.checkpointing.interval": cfg.flink.checkpointInterval,
    "execution.checkpointing.dir": cfg.flink.checkpointDir,
    "execution.checkpointing.savepoint-dir": cfg.flink.savepointDir,
    "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
    "parallelism.default": String(cfg.source.parallelism),
  };
}

export function pipelineName(cfg: Pick<StackConfig, "prefix">, table: string): string {
  return `${cfg.prefix}-cdc-${table}`;
}

/** StarRocks accepts label prefixes within [-_A-Za-z0-9] (StarRocksSinkOptions SINK_LABEL_PREFIX). */
export function labelPrefix(cfg: Pick<StackConfig, "prefix">, table: string): string {
  return pipelineName(cfg, table).replace(/[^-_A-Za-z0-9]/g, "_").slice(0, 64);
}

const SAFE_NAME = /^[A-Za-z0-9_]+$/;

/**
 * A Flink SQL string literal. Flink (Calcite) escapes a quote by doubling it and treats backslashes literally,
 * unlike MySQL, so render/sql.ts quoteString (which doubles backslashes) is not used here.
 */
export function flinkString(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}

function columnDefs(t: TableDef, side: "source" | "sink"): string[] {
  return t.columns.map((c: Column) => `  ${quoteIdent(c.name)} ${flinkType(c.type, side)}${c.nullable && !t.key.includes(c.name) ? "" : " NOT NULL"}`);
}

function withClause(options: Array<[string, string]>): string {
  return `WITH (\n${options.map(([k, v]) => `  ${flinkString(k)} = ${flinkString(v)}`).join(",\n")}\n)`;
}

function createTable(name: string, t: TableDef, side: "source" | "sink", options: Array<[string, string]>): string {
  const body = [...columnDefs(t, side), `  PRIMARY KEY (${t.key.map(quoteIdent).join(", ")}) NOT ENFORCED`].join(",\n");
  return `CREATE TEMPORARY TABLE ${quoteIdent(name)} (\n${body}\n) ${withClause(options)}`;
}

export function sourceTableName(table: string): string {
  return `src_${table}`;
}

export function sinkTableName(table: string): string {
  return `sink_${table}`;
}

export function sourceOptions(cfg: StackConfig, t: TableDef, cdcPassword: string): Array<[string, string]> {
  const range = serverIdRange(cfg, t);
  return [
    ["connector", "mysql-cdc"],
    // Docker-network name and port: the job runs inside the Flink containers.
    ["hostname", cfg.source.host],
    ["port", String(cfg.source.port)],
    ["username", cfg.source.user],
    ["password", cdcPassword],
    // database-name and table-name are regular expressions; the names are checked to be plain identifiers.
    ["database-name", cfg.source.database],
    ["table-name", t.name],
    ["server-id", `${range.start}-${range.end}`],
    // Must equal the MySQL server's zone, otherwise snapshot and binlog timestamps disagree (pitfall 23).
    ["server-time-zone", cfg.source.timeZone],
    ["scan.incremental.snapshot.enabled", "true"],
    // Keeps the binlog offset of an idle table fresh, so a restore finds its binlog (pitfall 22). 30s is the default.
    ["heartbeat.interval", "30s"],
    // A table whose key was named in config has no MySQL primary key to split the snapshot on (mysql-cdc.md).
    ...(t.chunkKeyColumn ? [["scan.incremental.snapshot.chunk.key-column", t.chunkKeyColumn] as [string, string]] : []),
    // Binary columns travel as base64 text: the sink cannot write Flink BYTES/VARBINARY (mysql-cdc.md, binary.handling.mode).
    ...(t.binaryAsBase64 ? [["debezium.binary.handling.mode", "base64"] as [string, string]] : []),
  ];
}

export function sinkOptions(cfg: StackConfig, t: TableDef, loaderPassword: string): Array<[string, string]> {
  return [
    ["connector", "starrocks"],
    ["jdbc-url", cfg.starrocks.fromFlink.jdbcUrl],
    ["load-url", cfg.starrocks.fromFlink.loadUrl],
    ["database-name", cfg.starrocks.database],
    ["table-name", t.name],
    ["username", cfg.starrocks.loaderUser],
    ["password", loaderPassword],
    ["sink.semantic", cfg.flink.sinkSemantic],
    ["sink.buffer-flush.interval-ms", String(cfg.flink.sinkFlushIntervalMs)],
    // Each sink buffers up to this on the task heap (default 90 MB); config/flink.ts checks they all fit.
    ["sink.buffer-flush.max-bytes", String(cfg.flink.sinkBufferMaxBytes)],
    ["sink.label-prefix", labelPrefix(cfg, t.name)],
    ["sink.properties.format", "json"],
    ["sink.properties.strip_outer_array", "true"],
    // Without strict mode StarRocks loads a value it cannot convert (too long, out of range, unparsable) as NULL
    // into a nullable column and reports success; with it the row is filtered and, at the default
    // max_filter_ratio 0, the load and so the job fail loudly. Stream Load property `strict_mode`, default false:
    // https://docs.starrocks.io/docs/loading/strict_mode/ (the connector sends sink.properties.* as load headers).
    ["sink.properties.strict_mode", "true"],
  ];
}

export function insertStatement(t: TableDef): string {
  // A mapped column whose sink type differs is cast on the way (e.g. TIME to STRING, which the sink can write).
  const cols = t.columns
    .map((c) => (c.type.kind === "mapped" && c.type.flinkSink !== c.type.flinkSource ? `CAST(${quoteIdent(c.name)} AS ${c.type.flinkSink})` : quoteIdent(c.name)))
    .join(", ");
  return `INSERT INTO ${quoteIdent(sinkTableName(t.name))}\nSELECT ${cols}\nFROM ${quoteIdent(sourceTableName(t.name))}`;
}

/** The job of one table. */
export function renderCdcJob(cfg: StackConfig, t: TableDef, secrets: CdcSecrets): CdcJobSpec {
  for (const name of [cfg.source.database, cfg.starrocks.database, t.name]) {
    if (!SAFE_NAME.test(name)) throw new Error(`"${name}" is not a plain identifier; mysql-cdc reads database-name and table-name as regular expressions`);
  }
  return {
    table: t.name,
    pipelineName: pipelineName(cfg, t.name),
    serverIdRange: serverIdRange(cfg, t),
    jobOptions: jobOptions(cfg),
    columns: t.columns.map((c) => c.name),
    columnTypes: t.columns.map((c) => flinkType(c.type, "source")),
    statements: [
      createTable(sourceTableName(t.name), t, "source", sourceOptions(cfg, t, secrets.cdcPassword)),
      createTable(sinkTableName(t.name), t, "sink", sinkOptions(cfg, t, secrets.loaderPassword)),
      insertStatement(t),
    ],
  };
}

/**
 * One job spec per replicated table: the catalog's tables (by default the selected demo tables in catalog
 * order), plus the internal heartbeat table.
 */
export function renderCdcJobs(cfg: StackConfig, secrets: CdcSecrets, tables: readonly TableDef[] = replicatedTables(cfg.tables)): CdcJobSpec[] {
  return tables.map((t) => renderCdcJob(cfg, t, secrets));
}

/** The placeholder-only secrets for rendered files. */
export const PLACEHOLDER_SECRETS: CdcSecrets = { cdcPassword: CDC_PASSWORD_PLACEHOLDER, loaderPassword: LOADER_PASSWORD_PLACEHOLDER };

const PASSWORD_OPTION = /('password'\s*=\s*)'(?:[^']|'')*'/g;

/**
 * Text of `sql/flink/<table>.sql`: the statements with `;`, passwords always replaced by placeholders
 * (whatever the spec holds), so the file can be reviewed and committed.
 */
export function renderJobScript(spec: CdcJobSpec): string {
  const [source, sink, ...rest] = spec.statements;
  const masked = [
    source.replace(PASSWORD_OPTION, (_m, lhs: string) => lhs + flinkString(CDC_PASSWORD_PLACEHOLDER)),
    sink.replace(PASSWORD_OPTION, (_m, lhs: string) => lhs + flinkString(LOADER_PASSWORD_PLACEHOLDER)),
    ...rest,
  ];
  const header = [
    `-- CDC job ${spec.pipelineName}: MySQL table ${spec.table} -> StarRocks.`,
    `-- Submit each statement separately, with execution config ${[`${PIPELINE_NAME_KEY}=${spec.pipelineName}`, ...Object.entries(spec.jobOptions ?? {}).map(([k, v]) => `${k}=${v}`)].join(", ")}.`,
    `-- MySQL server-id range ${spec.serverIdRange.start}-${spec.serverIdRange.end}. Secrets are placeholders.`,
  ].join("\n");
  return `${header}\n\n${masked.map((s) => s + ";").join("\n\n")}\n`;
}
