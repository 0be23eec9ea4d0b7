/**
 * StarRocks text rendered from config and catalog: fe.conf, cn.conf, table DDL, storage volume and
 * user SQL. Every key and property here is documented in StarRocks' own configuration reference
 * (Config.java / BE_configuration.md, CREATE_STORAGE_VOLUME.md, GRANT.md).
 */
import { Column, ColumnType, TableDef } from "../catalog/tables";
import { CONTAINER_PORTS, STORAGE_VOLUME_NAME, StackConfig } from "../config";
import { account, quoteIdent, quoteString } from "./sql";

/** fe.conf for a shared-data FE. Replaces the image's file, so it carries the shell variables start_fe.sh reads. */
export function renderFeConf(cfg: StackConfig): string {
  const sr = cfg.starrocks;
  const lines = [
    "# Rendered by starrocks-cdc from stack configuration. Do not edit in the container.",
    "LOG_DIR = ${STARROCKS_HOME}/log",
    'DATE = "$(date +%Y%m%d-%H%M%S)"',
    // The image default is -Xmx8192m; G1 flags as in the StarRocks operator's helm chart.
    `JAVA_OPTS = "-Dlog4j2.formatMsgNoLookups=true -Xmx${sr.feHeapSizeMb}m -XX:+UseG1GC -Xlog:gc*:\${LOG_DIR}/fe.gc.log.$DATE:time"`,
    `http_port = ${CONTAINER_PORTS.feHttp}`,
    `rpc_port = ${CONTAINER_PORTS.feRpc}`,
    `query_port = ${CONTAINER_PORTS.feQuery}`,
    `edit_log_port = ${CONTAINER_PORTS.feEditLog}`,
    "run_mode = shared_data",
    "cloud_native_meta_port = 6090",
    "cloud_native_storage_type = S3",
    // The storage volume is created by SQL (providers/storageVolume.ts); never from aws_s3_* keys.
    "enable_load_volume_from_conf = false",
    // Tablet creation on object storage needs more than the 10 s default.
    "tablet_create_timeout_second = 60",
    `lake_ingest_slowdown_threshold = ${sr.feLakeIngestSlowdownThreshold}`,
    `lake_compaction_score_upper_bound = ${sr.feLakeCompactionScoreUpperBound}`,
    ...sr.feExtraConf,
  ];
  return lines.join("\n") + "\n";
}

/** cn.conf for a compute node. */
export function renderCnConf(cfg: StackConfig): string {
  const sr = cfg.starrocks;
  const lines = [
    "# Rendered by starrocks-cdc from stack configuration. Do not edit in the container.",
    `be_port = ${CONTAINER_PORTS.cnBe}`,
    `be_http_port = ${CONTAINER_PORTS.cnHttp}`,
    `heartbeat_service_port = ${CONTAINER_PORTS.cnHeartbeat}`,
    `brpc_port = ${CONTAINER_PORTS.cnBrpc}`,
    `storage_root_path = ${CN_STORAGE_PATH}`,
    `mem_limit = ${sr.cnMemLimit}`,
    `compact_threads = ${sr.cnCompactThreads}`,
    `transaction_publish_version_worker_count = ${sr.cnPublishVersionWorkerCount}`,
    `l0_max_mem_usage = ${sr.cnL0MaxMemUsage}`,
    ...sr.cnExtraConf,
  ];
  return lines.join("\n") + "\n";
}

export const FE_CONF_PATH = "/opt/starrocks/fe/conf/fe.conf";
export const CN_CONF_PATH = "/opt/starrocks/cn/conf/cn.conf";
export const FE_META_PATH = "/opt/starrocks/fe/meta";
export const CN_STORAGE_PATH = "/opt/starrocks/cn/storage";

export function starrocksType(t: ColumnType): string {
  switch (t.kind) {
    case "bigint": return "BIGINT";
    case "int": return "INT";
    // StarRocks VARCHAR lengths count bytes; MySQL utf8mb4 counts characters of up to 4 bytes.
    case "varchar": return `VARCHAR(${Math.min(t.length * 4, 1048576)})`;
    case "decimal": return `DECIMAL(${t.precision},${t.scale})`;
    case "datetime": return "DATETIME";
    case "mapped": return t.starrocks;
  }
}

/** One column as the Table provider compares it. */
export interface StarRocksColumn {
  name: string;
  type: string;
  nullable: boolean;
  key: boolean;
  /** DEFAULT value (unquoted). Set only on columns added to an existing table (see implicitDefault). */
  default?: string;
}

/**
 * The DEFAULT a NOT NULL column added to an existing StarRocks table gets (StarRocks needs one). Existing rows
 * hold it only until the table's re-snapshot reloads them with the source's values (catalog/diff.ts); it is
 * what MySQL gives old rows where that fits StarRocks: 0 for numbers, '' for strings (MySQL "Data Type Default
 * Values"). For DATE/DATETIME MySQL's zero date is outside StarRocks' range, so the epoch stands in.
 * undefined: no DEFAULT the project knows StarRocks accepts for the type (JSON, BOOLEAN, VARBINARY, ...).
 */
export function implicitDefault(type: string): string | undefined {
  if (/^(TINYINT|SMALLINT|INT|BIGINT|LARGEINT|DECIMAL\(.*\)|FLOAT|DOUBLE)$/.test(type)) return "0";
  if (/^(VARCHAR|CHAR)\(\d+\)$/.test(type)) return "";
  if (type === "DATE") return "1970-01-01";
  if (type === "DATETIME") return "1970-01-01 00:00:00";
  return undefined;
}

export function starrocksColumns(t: TableDef): StarRocksColumn[] {
  // PK columns must come first, in key order.
  const keyCols = t.key.map((k) => t.columns.find((c) => c.name === k) as Column);
  const rest = t.columns.filter((c) => !t.key.includes(c.name));
  return [...keyCols, ...rest].map((c) => ({
    name: c.name,
    type: starrocksType(c.type),
    nullable: t.key.includes(c.name) ? false : c.nullable,
    key: t.key.includes(c.name),
  }));
}

export function starrocksColumnDef(c: StarRocksColumn): string {
  const dflt = c.default === undefined ? "" : ` DEFAULT ${quoteString(c.default)}`;
  return `${quoteIdent(c.name)} ${c.type}${c.nullable ? " NULL" : " NOT NULL"}${dflt}`;
}

/** Table properties: persistent index kept in object storage (recommended for shared-data, 3.3.2+). */
export const TABLE_PROPERTIES: Record<string, string> = {
  enable_persistent_index: "true",
  persistent_index_type: "CLOUD_NATIVE",
};

export function starrocksCreateDatabaseSql(database: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${quoteIdent(database)}`;
}

/** Primary Key table, hash-distributed by its key; bucket count left to StarRocks unless the table sets one, replication_num omitted. */
export function starrocksCreateTableSql(database: string, t: TableDef): string {
  const cols = starrocksColumns(t);
  const keys = t.key.map(quoteIdent).join(", ");
  return [
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(database)}.${quoteIdent(t.name)} (`,
    cols.map((c) => "  " + starrocksColumnDef(c)).join(",\n"),
    `) PRIMARY KEY (${keys})`,
    `DISTRIBUTED BY HASH(${keys})${t.buckets ? ` BUCKETS ${t.buckets}` : ""}`,
    `PROPERTIES (\n${propertiesClause(TABLE_PROPERTIES)}\n)`,
  ].join("\n");
}

export function tablesScript(database: string, tables: TableDef[]): string {
  return [starrocksCreateDatabaseSql(database), ...tables.map((t) => starrocksCreateTableSql(database, t))].map((s) => s + ";").join("\n\n") + "\n";
}

/** Storage volume properties for MinIO; credentials passed separately so they can be masked. */
export interface VolumeSpec {
  name: string;
  location: string;
  endpoint: string;
  region: string;
}

/** The storage volume the stack manages, or undefined (external StarRocks without starrocksStorageVolume). */
export function volumeSpec(cfg: StackConfig): VolumeSpec | undefined {
  const sv = cfg.starrocks.storageVolume;
  return sv && { name: STORAGE_VOLUME_NAME, location: sv.location, endpoint: sv.endpoint, region: sv.region };
}

export function volumeProperties(spec: VolumeSpec, accessKey: string, secretKey: string): Record<string, string> {
  return {
    enabled: "true",
    "aws.s3.endpoint": spec.endpoint,
    "aws.s3.region": spec.region,
    "aws.s3.use_aws_sdk_default_behavior": "false",
    "aws.s3.use_instance_profile": "false",
    "aws.s3.access_key": accessKey,
    "aws.s3.secret_key": secretKey,
    // The FE does not auto-detect path style for custom endpoints (StarRocks issue #61590).
    "aws.s3.enable_path_style_access": "true",
  };
}

export function propertiesClause(props: Record<string, string>): string {
  return Object.entries(props).map(([k, v]) => `  "${k}" = ${JSON.stringify(v)}`).join(",\n");
}

export function createStorageVolumeSql(spec: VolumeSpec, accessKey: string, secretKey: string): string {
  return `CREATE STORAGE VOLUME IF NOT EXISTS ${quoteIdent(spec.name)}\nTYPE = S3\nLOCATIONS = (${quoteString(spec.location)})\nPROPERTIES (\n${propertiesClause(volumeProperties(spec, accessKey, secretKey))}\n)`;
}

export function setDefaultStorageVolumeSql(name: string): string {
  return `SET ${quoteIdent(name)} AS DEFAULT STORAGE VOLUME`;
}

export function storageVolumeScript(spec: VolumeSpec, accessKey: string, secretKey: string): string {
  return [createStorageVolumeSql(spec, accessKey, secretKey), setDefaultStorageVolumeSql(spec.name)].map((s) => s + ";").join("\n\n") + "\n";
}

/** Privileges the Flink sink needs on the tables it loads (connector docs: SELECT and INSERT). */
export const LOADER_PRIVILEGES = ["SELECT", "INSERT"] as const;

export function createLoaderUserSql(user: string, password: string): string {
  return `CREATE USER IF NOT EXISTS ${account(user)} IDENTIFIED BY ${quoteString(password)}`;
}

export function grantLoaderSql(user: string, database: string): string {
  return `GRANT ${LOADER_PRIVILEGES.join(", ")} ON ALL TABLES IN DATABASE ${quoteIdent(database)} TO USER ${account(user)}`;
}

export function revokeLoaderSql(user: string, database: string): string {
  return `REVOKE ${LOADER_PRIVILEGES.join(", ")} ON ALL TABLES IN DATABASE ${quoteIdent(database)} FROM USER ${account(user)}`;
}

export function starrocksUsersScript(user: string, database: string, passwordPlaceholder: string): string {
  return [createLoaderUserSql(user, passwordPlaceholder), grantLoaderSql(user, database)].map((s) => s + ";").join("\n") + "\n";
}
