/**
 * The only place that knows the stack's configuration: its schema, defaults, validation, and the
 * derived values (names, host ports, URLs) every component and renderer uses.
 *
 * Pulumi.yaml mirrors CONFIG_SCHEMA (a test keeps them equal), so `pulumi config` and `npm run render`
 * see the same defaults. Validation runs before any resource is declared; each failure names the key,
 * the value and what is allowed.
 */
import { SINK_BUFFER_MAX_BYTES_MAX, SINK_BUFFER_MAX_BYTES_MIN, memoryBytes, taskHeapBytes } from "./render/flinkMemory";
import { SELECTABLE_TABLES } from "./catalog/tables";
import { flinkPins, pinnedFlinkImage } from "./render/pins";
import { defaultLoaderUser } from "./render/users";

export const PROJECT = "starrocks-cdc";

type ConfigType = "string" | "integer" | "boolean" | "array";

interface ConfigKey {
  type: ConfigType;
  default: string | number | boolean | string[];
  description: string;
}

/** Every config key, its type, default and meaning. Pulumi.yaml and the README list the same keys. */
export const CONFIG_SCHEMA = {
  hostAddress: { type: "string", default: "127.0.0.1", description: "Host interface every published port binds to. Use 0.0.0.0 only if other machines must reach the stack." },
  portOffset: { type: "integer", default: 0, description: "Added to every host port, so a second stack can run beside the first (e.g. 100)." },
  sourceMode: { type: "string", default: "managed", description: "managed: the stack runs MySQL 8 with the demo schema. external: use an existing MySQL given by sourceHost/sourcePort/sourceUser and the secret sourcePassword." },
  sourceHost: { type: "string", default: "", description: "External mode: MySQL host as the Flink cluster reaches it (and the host, unless sourceHostFromHost is set)." },
  sourceHostFromHost: { type: "string", default: "", description: "External mode: MySQL host as this machine reaches it, when it differs from sourceHost (default: sourceHost)." },
  sourcePort: { type: "integer", default: 3306, description: "External mode: MySQL port." },
  sourceUser: { type: "string", default: "flink_cdc", description: "MySQL user the CDC jobs read with. Managed mode creates it; external mode expects it to exist (`npx cdc preflight` checks its grants)." },
  sourceDatabase: { type: "string", default: "shop", description: "MySQL database holding the replicated tables." },
  sourceTimeZone: { type: "string", default: "UTC", description: "MySQL server time zone; the CDC jobs use the same value for server-time-zone." },
  tables: { type: "array", default: [...SELECTABLE_TABLES], description: `Tables to replicate, any of: ${SELECTABLE_TABLES.join(", ")}.` },
  sampleRows: { type: "integer", default: 100, description: "Managed mode: sample rows inserted per table so data flows at once (0 for none)." },
  mysqlServerId: { type: "integer", default: 1, description: "Managed mode: MySQL server_id. Must lie outside every CDC job's server-id range." },
  binlogRetentionSeconds: { type: "integer", default: 604800, description: "Managed mode: binlog_expire_logs_seconds. Must exceed the longest pipeline downtime you want to survive." },
  minBinlogRetentionSeconds: { type: "integer", default: 86400, description: "Preflight: the smallest binlog retention accepted on the source." },
  cdcServerIdBase: { type: "integer", default: 5400, description: "First MySQL server-id handed to CDC jobs; each job gets its own range above it." },
  sourceParallelism: { type: "integer", default: 1, description: "Parallelism of each CDC job (and width of its server-id range)." },
  mysqlImage: { type: "string", default: "mysql:8.0.44", description: "Managed MySQL image (pinned tag)." },
  minioImage: { type: "string", default: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z", description: "MinIO image (pinned tag; MinIO no longer publishes to Docker Hub)." },
  starrocksVersion: { type: "string", default: "3.5.12", description: "Tag of starrocks/fe-ubuntu and starrocks/cn-ubuntu." },
  // The default follows assets/flink/pins.txt, the version the connector jars are pinned for.
  flinkImage: { type: "string", default: pinnedFlinkImage(), description: "Flink base image; the connector image is built FROM it. Must be a Flink 1.20.x Java 17 tag." },
  bucket: { type: "string", default: "starrocks-cdc", description: "MinIO bucket holding StarRocks data (prefix starrocks/) and Flink checkpoints and savepoints (prefix flink/)." },
  s3Region: { type: "string", default: "us-east-1", description: "Region name given to S3 clients of MinIO." },
  cnCount: { type: "integer", default: 1, description: "Number of StarRocks compute nodes (1-16)." },
  feHeapSizeMb: { type: "integer", default: 2048, description: "StarRocks FE JVM heap (-Xmx) in MB; the image default of 8192 is too much for a laptop." },
  cnMemLimit: { type: "string", default: "4G", description: "StarRocks CN mem_limit: an absolute size (e.g. 4G) or a percentage (e.g. 80%)." },
  cnCompactThreads: { type: "integer", default: 4, description: "CN compact_threads." },
  cnPublishVersionWorkerCount: { type: "integer", default: 0, description: "CN transaction_publish_version_worker_count (0 = number of cores)." },
  cnL0MaxMemUsage: { type: "integer", default: 104857600, description: "CN l0_max_mem_usage in bytes." },
  feLakeIngestSlowdownThreshold: { type: "integer", default: 100, description: "FE lake_ingest_slowdown_threshold (compaction score where commits start to slow)." },
  feLakeCompactionScoreUpperBound: { type: "integer", default: 2000, description: "FE lake_compaction_score_upper_bound (score where commits are refused; 0 = none)." },
  feExtraConf: { type: "array", default: [], description: "Extra fe.conf lines (`key = value`), appended last so they win." },
  cnExtraConf: { type: "array", default: [], description: "Extra cn.conf lines (`key = value`), appended last so they win." },
  starrocksMode: { type: "string", default: "managed", description: "managed: the stack runs StarRocks shared-data (one FE, cnCount compute nodes) on MinIO. external: use an existing cluster's FE at starrocksHost as starrocksAdminUser; the stack creates only the database, tables, loader user and (with starrocksStorageVolume) the storage volume, and never registers compute nodes." },
  starrocksHost: { type: "string", default: "", description: "External StarRocks: the FE host as both this machine and the Flink cluster reach it (e.g. the operator's FE service)." },
  starrocksQueryPort: { type: "integer", default: 9030, description: "External StarRocks: the FE's MySQL-protocol port (query_port)." },
  starrocksHttpPort: { type: "integer", default: 8030, description: "External StarRocks: the FE's HTTP port (http_port), where Stream Load starts before the redirect to a compute node." },
  starrocksAdminUser: { type: "string", default: "root", description: "External StarRocks: the administrator the stack connects as (creates the database, tables and loader user); its password is the secret starrocksAdminPassword." },
  starrocksStorageVolume: { type: "boolean", default: false, description: "External StarRocks: also create the storage volume cdc_volume at starrocksVolumeLocation and make it the cluster's default (managed mode always creates it, on MinIO)." },
  starrocksVolumeLocation: { type: "string", default: "", description: "With starrocksStorageVolume: s3://<bucket>[/prefix] the volume stores data under." },
  starrocksVolumeEndpoint: { type: "string", default: "", description: "With starrocksStorageVolume: the S3 endpoint as the FE and compute nodes reach it (http:// or https://); region: s3Region." },
  starrocksVolumeAccessKey: { type: "string", default: "", description: "With starrocksStorageVolume: the S3 access key of the volume; its secret key is the secret starrocksVolumeSecretKey." },
  flinkMode: { type: "string", default: "managed", description: "managed: the stack runs a Flink session cluster (JobManager, taskManagers, SQL Gateway) on Docker. external: submit the CDC jobs to an existing session cluster at flinkRestUrl through the SQL Gateway at flinkSqlGatewayUrl." },
  flinkRestUrl: { type: "string", default: "", description: "External Flink: the JobManager REST URL as this machine reaches it (e.g. http://flink-rest:8081)." },
  flinkSqlGatewayUrl: { type: "string", default: "", description: "External Flink: the SQL Gateway REST URL as this machine reaches it (e.g. http://flink-sql-gateway:8083)." },
  flinkCheckpointDir: { type: "string", default: "", description: "External Flink: the jobs' execution.checkpointing.dir, as the cluster reaches it (s3://, hdfs:// or file://)." },
  flinkSavepointDir: { type: "string", default: "", description: "External Flink: where upgrades and destroy write savepoints (s3://, hdfs:// or file://)." },
  flinkS3Endpoint: { type: "string", default: "", description: "External Flink with both dirs on s3://: the S3 endpoint as this machine reaches it, where loss recovery lists retained checkpoints and savepoints (region: s3Region)." },
  flinkS3AccessKey: { type: "string", default: "", description: "External Flink with both dirs on s3://: the access key loss recovery lists with; its secret key is the secret flinkS3SecretKey." },
  sinkDatabase: { type: "string", default: "shop", description: "StarRocks database receiving the replicated tables." },
  loaderUser: { type: "string", default: "", description: "StarRocks user the Flink sink loads with (SELECT and INSERT on the sink database only). Empty: flink_loader_<stack>, so stacks sharing a StarRocks never share it." },
  taskManagers: { type: "integer", default: 1, description: "Number of Flink TaskManager containers." },
  slotsPerTaskManager: { type: "integer", default: 12, description: "taskmanager.numberOfTaskSlots." },
  jobManagerMemory: { type: "string", default: "1600m", description: "jobmanager.memory.process.size." },
  taskManagerMemory: { type: "string", default: "2048m", description: "taskmanager.memory.process.size." },
  checkpointInterval: { type: "string", default: "10s", description: "execution.checkpointing.interval (duration such as 10s, 1min). CDC needs checkpoints to leave the snapshot phase." },
  sinkSemantic: { type: "string", default: "at-least-once", description: "sink.semantic: at-least-once (replays are idempotent on Primary Key tables) or exactly-once (flushes only at checkpoints)." },
  sinkFlushIntervalMs: { type: "integer", default: 1000, description: "sink.buffer-flush.interval-ms (1000-3600000). With the checkpoint interval it sets freshness." },
  sinkBufferMaxBytes: { type: "integer", default: 67108864, description: "sink.buffer-flush.max-bytes of each StarRocks sink (64 MB-10 GB). All sinks of a TaskManager must fit in half its task heap." },
  upgradeMode: { type: "string", default: "savepoint", description: "How a changed CDC job is upgraded: savepoint (no rows lost or re-read) or stateless (fresh snapshot)." },
  savepointNonce: { type: "string", default: "", description: "Change to any new value to take a one-off savepoint of every CDC job on the next `pulumi up` (jobs keep running)." },
  retainData: { type: "boolean", default: false, description: "Keep the MySQL, MinIO and FE meta volumes on `pulumi destroy` (retainOnDelete)." },
  allowDestructiveChanges: { type: "boolean", default: false, description: "Allow replacements that lose data (StarRocks table key/type changes, a storage volume location change)." },
  forceDestroyBucket: { type: "boolean", default: false, description: "Let `pulumi destroy` delete the bucket even when it still holds objects." },
  providerTimeout: { type: "string", default: "5min", description: "How long providers wait for a service to answer or a node/job to become ready (duration)." },
} satisfies Record<string, ConfigKey>;

export type ConfigKeyName = keyof typeof CONFIG_SCHEMA;

/**
 * Secret config keys (`pulumi config set --secret KEY …`). Most replace a generated credential: they let a
 * stack redeploy onto volumes kept by `retainData`, whose servers still hold the old credentials.
 * `sourcePassword` is required with an external source; `starrocksAdminPassword`, `starrocksVolumeSecretKey`
 * and `flinkS3SecretKey` belong to external systems and are never generated (see validation).
 */
export const SECRET_CONFIG_KEYS = {
  MYSQL_ROOT_PASSWORD: "mysqlRootPassword",
  CDC_PASSWORD: "sourcePassword",
  MINIO_ROOT_USER: "minioRootUser",
  MINIO_ROOT_PASSWORD: "minioRootPassword",
  STARROCKS_ROOT_PASSWORD: "starrocksRootPassword",
  LOADER_PASSWORD: "loaderPassword",
  STARROCKS_ADMIN_PASSWORD: "starrocksAdminPassword",
  STARROCKS_VOLUME_SECRET_KEY: "starrocksVolumeSecretKey",
  FLINK_S3_SECRET_KEY: "flinkS3SecretKey",
} as const;
const SECRET_KEY_NAMES: readonly string[] = Object.values(SECRET_CONFIG_KEYS);

/** Host-side port numbers before the offset is added. */
export const BASE_HOST_PORTS = {
  mysql: 3306,
  minioApi: 9000,
  minioConsole: 9001,
  feHttp: 8030,
  feQuery: 9030,
  flinkUi: 8081,
  sqlGateway: 8083,
} as const;
export type HostPortName = keyof typeof BASE_HOST_PORTS;

/** Ports the services listen on inside the Docker network. */
export const CONTAINER_PORTS = {
  mysql: 3306,
  minioApi: 9000,
  minioConsole: 9001,
  feHttp: 8030,
  feQuery: 9030,
  feRpc: 9020,
  feEditLog: 9010,
  cnHeartbeat: 9050,
  cnBe: 9060,
  cnHttp: 8040,
  cnBrpc: 8060,
  flinkRest: 8081,
  sqlGateway: 8083,
} as const;

/** Stable DNS aliases on the stack's network. */
export const ALIASES = {
  mysql: "mysql",
  minio: "minio",
  fe: "starrocks-fe",
  cn: (i: number) => `starrocks-cn-${i}`,
  jobManager: "jobmanager",
  taskManager: (i: number) => `taskmanager-${i}`,
  sqlGateway: "sql-gateway",
} as const;

/** Whether the stack runs a part of the pipeline itself or uses an existing one. */
export type PartMode = "managed" | "external";
export type SourceMode = PartMode;
export type SinkSemantic = "at-least-once" | "exactly-once";
export type UpgradeMode = "savepoint" | "stateless";

/** The validated configuration, with every derived value the program needs. */
export interface StackConfig {
  project: string;
  stack: string;
  /** `<project>-<stack>`: prefix of every container, volume and network name. */
  prefix: string;
  hostAddress: string;
  portOffset: number;
  hostPorts: Record<HostPortName, number>;
  source: {
    mode: SourceMode;
    /** Host as the Flink containers see it. */
    host: string;
    port: number;
    /** Host and port as this machine (the Pulumi program and its providers) reaches it. */
    hostFromHost: string;
    portFromHost: number;
    user: string;
    database: string;
    timeZone: string;
    sampleRows: number;
    serverId: number;
    binlogRetentionSeconds: number;
    minBinlogRetentionSeconds: number;
    cdcServerIdBase: number;
    parallelism: number;
  };
  tables: string[];
  images: { mysql: string; minio: string; fe: string; cn: string; flinkBase: string; flinkVersion: string };
  minio: {
    /** MinIO runs whenever a managed part needs object storage: managed StarRocks (its data) or managed Flink (its state). */
    enabled: boolean;
    bucket: string;
    region: string;
    forceDestroy: boolean;
  };
  starrocks: {
    mode: PartMode;
    /** External mode: the FE as this machine and the Flink cluster reach it. */
    external?: { host: string; queryPort: number; httpPort: number };
    /** The administrator the providers connect as: root (managed) or starrocksAdminUser (external). */
    adminUser: string;
    /**
     * The storage volume the stack creates, if any: always in managed mode (on MinIO), opt-in in external mode.
     * `accessKey` is set in external mode; managed mode uses the MinIO root user.
     */
    storageVolume?: { location: string; endpoint: string; region: string; accessKey?: string };
    cnCount: number;
    feHeapSizeMb: number;
    cnMemLimit: string;
    cnCompactThreads: number;
    cnPublishVersionWorkerCount: number;
    cnL0MaxMemUsage: number;
    feLakeIngestSlowdownThreshold: number;
    feLakeCompactionScoreUpperBound: number;
    feExtraConf: string[];
    cnExtraConf: string[];
    database: string;
    loaderUser: string;
    /** The FE as the Flink jobs reach it: the sink's `jdbc-url` and `load-url` (host:port of the FE HTTP port). */
    fromFlink: { jdbcUrl: string; loadUrl: string };
  };
  flink: {
    mode: PartMode;
    /** External mode: the session cluster's REST endpoints as this machine reaches them. */
    external?: { restUrl: string; sqlGatewayUrl: string };
    /** execution.checkpointing.dir and the savepoint target: on MinIO (managed) or from config (external). */
    checkpointDir: string;
    savepointDir: string;
    /**
     * Where loss recovery lists retained checkpoints and savepoints: MinIO (managed mode), the configured S3
     * (external mode with both dirs on s3://), or undefined (hdfs:// or file:// dirs: recovery listing is off).
     * `accessKey` is set in external mode; managed mode uses the MinIO root user.
     */
    stateStore?: { endpoint: string; bucket: string; region: string; accessKey?: string };
    taskManagers: number;
    slotsPerTaskManager: number;
    jobManagerMemory: string;
    taskManagerMemory: string;
    checkpointInterval: string;
    checkpointIntervalMs: number;
    sinkSemantic: SinkSemantic;
    sinkFlushIntervalMs: number;
    sinkBufferMaxBytes: number;
    upgradeMode: UpgradeMode;
    savepointNonce: string;
  };
  retainData: boolean;
  allowDestructiveChanges: boolean;
  providerTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, min: 60_000, m: 60_000, h: 3_600_000 };

/** Parses a duration such as `500ms`, `10s`, `5min` or `1h`, as Flink writes them. Returns undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(ms|s|sec|min|m|h)\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNITS_MS[m[2]];
}

/** Raw values as Pulumi hands them (strings) or as YAML files hold them (native types). */
export type RawConfig = Partial<Record<string, unknown>>;

/**
 * Validates raw config and derives the full StackConfig. Collects every problem before throwing, so a
 * user fixes them in one round.
 */
export function resolveConfig(raw: RawConfig, ctx: { project?: string; stack: string }): StackConfig {
  const problems: string[] = [];
  const project = ctx.project ?? PROJECT;

  const unknownKeys = Object.keys(raw).filter((k) => !(k in CONFIG_SCHEMA) && !SECRET_KEY_NAMES.includes(k));
  for (const k of unknownKeys) problems.push(`${k}: unknown config key; known keys: ${Object.keys(CONFIG_SCHEMA).join(", ")}`);

  const read = <K extends ConfigKeyName>(key: K): (typeof CONFIG_SCHEMA)[K]["default"] => {
    const spec: ConfigKey = CONFIG_SCHEMA[key];
    const value = raw[key];
    if (value === undefined || value === null) return spec.default as never;
    try {
      return coerce(value, spec.type) as never;
    } catch {
      problems.push(`${key}: ${JSON.stringify(value)} is not ${spec.type === "integer" ? "an" : "a"} ${spec.type}`);
      return spec.default as never;
    }
  };
  const int = (key: ConfigKeyName, min: number, max: number): number => {
    const v = read(key) as number;
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${key}: ${v} is out of range; allowed ${min}..${max}`);
    return v;
  };
  const oneOf = <T extends string>(key: ConfigKeyName, allowed: readonly T[]): T => {
    const v = read(key) as string;
    if (!allowed.includes(v as T)) problems.push(`${key}: "${v}" is not allowed; use one of ${allowed.join(", ")}`);
    return v as T;
  };
  const ident = (key: ConfigKeyName): string => {
    const v = read(key) as string;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(v)) problems.push(`${key}: "${v}" is not a valid name; use letters, digits and _ (max 64), starting with a letter or _`);
    return v;
  };
  const duration = (key: ConfigKeyName): number => {
    const v = read(key) as string;
    const ms = parseDuration(v);
    if (ms === undefined || ms <= 0) {
      problems.push(`${key}: "${v}" is not a duration; write a whole number with a unit: ms, s, min or h (e.g. 10s, 5min)`);
      return 1000;
    }
    return ms;
  };
  const confLines = (key: ConfigKeyName): string[] => {
    const lines = read(key) as string[];
    for (const line of lines) {
      if (!/^[a-z_][a-z0-9_.]*\s*=\s*\S.*$/.test(line)) problems.push(`${key}: line "${line}" is not of the form "key = value"`);
    }
    return lines;
  };

  const hostAddress = read("hostAddress") as string;
  if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(hostAddress)) {
    problems.push(`hostAddress: "${hostAddress}" is not an IPv4 address; use 127.0.0.1 (default) or a host interface address`);
  }
  const portOffset = int("portOffset", 0, 50000);
  const hostPorts = Object.fromEntries(
    Object.entries(BASE_HOST_PORTS).map(([name, port]) => [name, port + portOffset]),
  ) as Record<HostPortName, number>;
  for (const [name, port] of Object.entries(hostPorts)) {
    if (port > 65535) problems.push(`portOffset: ${portOffset} puts the ${name} port at ${port}, above 65535`);
  }

  const mode = oneOf<SourceMode>("sourceMode", ["managed", "external"]);
  const sourceHost = read("sourceHost") as string;
  const sourcePort = int("sourcePort", 1, 65535);
  if (mode === "external") {
    if (!sourceHost) problems.push(`sourceHost: required when sourceMode is external (the MySQL host the Flink containers connect to)`);
    if (raw.sourcePassword === undefined || raw.sourcePassword === "") {
      problems.push(`sourcePassword: required when sourceMode is external; set it with \`pulumi config set --secret sourcePassword <password>\``);
    }
  }
  const hostFromHost = (read("sourceHostFromHost") as string) || sourceHost;
  const timeZone = read("sourceTimeZone") as string;
  if (!/^(UTC|[+-]\d{2}:\d{2}|[A-Za-z]+(\/[A-Za-z0-9_+-]+)+)$/.test(timeZone)) {
    problems.push(`sourceTimeZone: "${timeZone}" is not a time zone; use UTC, an offset such as +02:00, or a region name such as Europe/Berlin`);
  }

  const tables = read("tables") as string[];
  if (!Array.isArray(tables) || tables.length === 0) problems.push(`tables: select at least one of ${SELECTABLE_TABLES.join(", ")}`);
  for (const t of tables ?? []) {
    if (!SELECTABLE_TABLES.includes(t)) problems.push(`tables: unknown table "${t}"; allowed: ${SELECTABLE_TABLES.join(", ")}`);
  }
  if (new Set(tables).size !== tables.length) problems.push(`tables: lists a table twice`);

  const serverId = int("mysqlServerId", 1, 4294967295);
  const cdcServerIdBase = int("cdcServerIdBase", 2, 4294967295 - 10000);
  const parallelism = int("sourceParallelism", 1, 64);
  // Each job gets a fixed-width block inside [cdcServerIdBase, +1000) (render/flinkJob.ts SERVER_ID_SPAN); the managed server's own id must not fall inside any.
  if (mode === "managed" && serverId >= cdcServerIdBase && serverId < cdcServerIdBase + 1000) {
    problems.push(`mysqlServerId: ${serverId} lies inside the CDC server-id blocks starting at cdcServerIdBase ${cdcServerIdBase}; choose an id below ${cdcServerIdBase}`);
  }

  const mysqlImage = read("mysqlImage") as string;
  // The server flags (e.g. --default-authentication-plugin) are those of MySQL 8.0; 8.4 removed some.
  if (mode === "managed" && !/(^|\/)mysql:8\.0\.\d+$/.test(mysqlImage)) {
    problems.push(`mysqlImage: "${mysqlImage}" is not a pinned MySQL 8.0 tag such as mysql:8.0.44`);
  }
  const starrocksVersion = read("starrocksVersion") as string;
  if (!/^\d+\.\d+\.\d+$/.test(starrocksVersion)) problems.push(`starrocksVersion: "${starrocksVersion}" is not a pinned patch version such as 3.5.12`);
  const flinkBase = read("flinkImage") as string;
  // The connector jars (assets/flink/pins.txt) are built for one Flink minor line; any patch of it fits.
  const pinnedLine = flinkPins().flinkVersion.split(".").slice(0, 2).join(".");
  const flinkMatch = /^flink:(\d+\.\d+)\.\d+-scala_2\.12-java17$/.exec(flinkBase);
  const flinkVersion = flinkMatch && flinkMatch[1] === pinnedLine ? flinkBase.slice("flink:".length).split("-")[0] : undefined;
  if (!flinkVersion) problems.push(`flinkImage: "${flinkBase}" is not a pinned Flink ${pinnedLine} Java 17 tag such as ${pinnedFlinkImage()}`);

  const cnMemLimit = read("cnMemLimit") as string;
  if (!/^(\d+(\.\d+)?[KMGT]?|\d{1,2}%|100%)$/.test(cnMemLimit)) problems.push(`cnMemLimit: "${cnMemLimit}" is not a size such as 4G or a percentage such as 80%`);
  const memory = (key: ConfigKeyName): string => {
    const v = read(key) as string;
    if (!/^\d+(m|mb|g|gb)$/i.test(v)) problems.push(`${key}: "${v}" is not a memory size such as 1600m or 2g`);
    return v;
  };

  const bucket = read("bucket") as string;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) problems.push(`bucket: "${bucket}" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`);

  const checkpointInterval = read("checkpointInterval") as string;
  const checkpointIntervalMs = duration("checkpointInterval");
  const region = read("s3Region") as string;

  const secretSet = (key: string) => raw[key] !== undefined && raw[key] !== null && raw[key] !== "";
  const required = (key: ConfigKeyName, when: string, what: string): string => {
    const v = read(key) as string;
    if (!v) problems.push(`${key}: required when ${when} (${what})`);
    return v;
  };
  const requiredSecret = (key: string, when: string) => {
    if (!secretSet(key)) problems.push(`${key}: required when ${when}; set it with \`pulumi config set --secret ${key} <value>\``);
  };
  const httpUrl = (key: ConfigKeyName, when: string, what: string): string => {
    const v = required(key, when, what).replace(/\/+$/, "");
    if (v && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(v)) problems.push(`${key}: "${v}" is not an http:// or https:// URL`);
    return v;
  };

  // ── StarRocks: managed (containers on this host) or an existing cluster's FE ──
  const starrocksMode = oneOf<PartMode>("starrocksMode", ["managed", "external"]);
  const srExternal = starrocksMode === "external";
  const srWhen = "starrocksMode is external";
  const srHost = srExternal ? required("starrocksHost", srWhen, "the FE host this machine and the Flink cluster connect to") : "";
  const srQueryPort = int("starrocksQueryPort", 1, 65535);
  const srHttpPort = int("starrocksHttpPort", 1, 65535);
  const srAdminUser = srExternal ? ident("starrocksAdminUser") : "root";
  if (srExternal) requiredSecret(SECRET_CONFIG_KEYS.STARROCKS_ADMIN_PASSWORD, srWhen);
  let storageVolume: StackConfig["starrocks"]["storageVolume"];
  if (!srExternal) {
    storageVolume = { location: `s3://${bucket}/starrocks`, endpoint: `http://${ALIASES.minio}:${CONTAINER_PORTS.minioApi}`, region };
  } else if (read("starrocksStorageVolume") as boolean) {
    const when = "starrocksStorageVolume is true";
    const location = required("starrocksVolumeLocation", when, "s3://<bucket>[/prefix]");
    if (location && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?$/.test(location)) problems.push(`starrocksVolumeLocation: "${location}" is not s3://<bucket>[/prefix]`);
    const endpoint = httpUrl("starrocksVolumeEndpoint", when, "the S3 endpoint as the FE and compute nodes reach it");
    const accessKey = required("starrocksVolumeAccessKey", when, "the volume's S3 access key");
    requiredSecret(SECRET_CONFIG_KEYS.STARROCKS_VOLUME_SECRET_KEY, when);
    storageVolume = { location: location.replace(/\/+$/, ""), endpoint, region, accessKey };
  }

  // ── Flink: managed (a session cluster on this host) or an existing session cluster with a SQL Gateway ──
  const flinkMode = oneOf<PartMode>("flinkMode", ["managed", "external"]);
  const flinkExternal = flinkMode === "external";
  const flinkWhen = "flinkMode is external";
  let flinkUrls: StackConfig["flink"]["external"];
  let checkpointDir = `s3://${bucket}/flink/checkpoints`;
  let savepointDir = `s3://${bucket}/flink/savepoints`;
  let stateStore: StackConfig["flink"]["stateStore"];
  if (flinkExternal) {
    flinkUrls = {
      restUrl: httpUrl("flinkRestUrl", flinkWhen, "the JobManager REST URL"),
      sqlGatewayUrl: httpUrl("flinkSqlGatewayUrl", flinkWhen, "the SQL Gateway REST URL"),
    };
    const dir = (key: ConfigKeyName): string => {
      const v = required(key, flinkWhen, "s3://, hdfs:// or file://").replace(/\/+$/, "");
      if (v && !/^(s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?|hdfs:\/\/\S*\/\S+|file:\/\/\/\S+)$/.test(v)) {
        problems.push(`${key}: "${v}" is not an s3://<bucket>/<path>, hdfs://[namenode]/<path> or file:///<absolute path> URI`);
      }
      return v;
    };
    checkpointDir = dir("flinkCheckpointDir");
    savepointDir = dir("flinkSavepointDir");
    const s3Bucket = (uri: string) => /^s3:\/\/([^/]+)/.exec(uri)?.[1];
    const [cpBucket, spBucket] = [s3Bucket(checkpointDir), s3Bucket(savepointDir)];
    if (cpBucket && spBucket) {
      // Loss recovery lists both dirs with one S3 connection on one bucket (providers/cdcJob.ts).
      if (cpBucket !== spBucket) problems.push(`flinkSavepointDir: on bucket ${spBucket}, but flinkCheckpointDir is on ${cpBucket}; put both on one bucket, which loss recovery lists`);
      const when = "flinkCheckpointDir and flinkSavepointDir are on s3://";
      const endpoint = httpUrl("flinkS3Endpoint", when, "the S3 endpoint loss recovery lists retained checkpoints and savepoints on");
      const accessKey = required("flinkS3AccessKey", when, "the S3 access key loss recovery lists with");
      requiredSecret(SECRET_CONFIG_KEYS.FLINK_S3_SECRET_KEY, when);
      stateStore = { endpoint, bucket: cpBucket, region, accessKey };
    }
  } else {
    stateStore = { endpoint: `http://${hostAddress}:${hostPorts.minioApi}`, bucket, region };
  }
  const minioEnabled = !srExternal || !flinkExternal;

  const config: StackConfig = {
    project,
    stack: ctx.stack,
    prefix: `${project}-${ctx.stack}`,
    hostAddress,
    portOffset,
    hostPorts,
    source: {
      mode,
      host: mode === "managed" ? ALIASES.mysql : sourceHost,
      port: mode === "managed" ? CONTAINER_PORTS.mysql : sourcePort,
      hostFromHost: mode === "managed" ? hostAddress : hostFromHost,
      portFromHost: mode === "managed" ? hostPorts.mysql : sourcePort,
      user: ident("sourceUser"),
      database: ident("sourceDatabase"),
      timeZone,
      sampleRows: int("sampleRows", 0, 1_000_000),
      serverId,
      binlogRetentionSeconds: int("binlogRetentionSeconds", 3600, 4294967295),
      minBinlogRetentionSeconds: int("minBinlogRetentionSeconds", 0, 4294967295),
      cdcServerIdBase,
      parallelism,
    },
    tables,
    images: {
      mysql: mysqlImage,
      minio: read("minioImage") as string,
      fe: `starrocks/fe-ubuntu:${starrocksVersion}`,
      cn: `starrocks/cn-ubuntu:${starrocksVersion}`,
      flinkBase,
      flinkVersion: flinkVersion ?? flinkPins().flinkVersion,
    },
    minio: { enabled: minioEnabled, bucket, region, forceDestroy: read("forceDestroyBucket") as boolean },
    starrocks: {
      mode: starrocksMode,
      external: srExternal ? { host: srHost, queryPort: srQueryPort, httpPort: srHttpPort } : undefined,
      adminUser: srAdminUser,
      storageVolume,
      cnCount: int("cnCount", 1, 16),
      feHeapSizeMb: int("feHeapSizeMb", 512, 65536),
      cnMemLimit,
      cnCompactThreads: int("cnCompactThreads", 1, 128),
      cnPublishVersionWorkerCount: int("cnPublishVersionWorkerCount", 0, 256),
      cnL0MaxMemUsage: int("cnL0MaxMemUsage", 1048576, 17179869184),
      feLakeIngestSlowdownThreshold: int("feLakeIngestSlowdownThreshold", 0, 100000),
      feLakeCompactionScoreUpperBound: int("feLakeCompactionScoreUpperBound", 0, 1000000),
      feExtraConf: confLines("feExtraConf"),
      cnExtraConf: confLines("cnExtraConf"),
      database: ident("sinkDatabase"),
      loaderUser: read("loaderUser") === "" ? defaultLoaderUser(ctx.stack) : ident("loaderUser"),
      // External: the same host for this machine and Flink; the FE then redirects each Stream Load to a compute node's HTTP port.
      fromFlink: srExternal
        ? { jdbcUrl: `jdbc:mysql://${srHost}:${srQueryPort}`, loadUrl: `${srHost}:${srHttpPort}` }
        : { jdbcUrl: `jdbc:mysql://${ALIASES.fe}:${CONTAINER_PORTS.feQuery}`, loadUrl: `${ALIASES.fe}:${CONTAINER_PORTS.feHttp}` },
    },
    flink: {
      mode: flinkMode,
      external: flinkUrls,
      checkpointDir,
      savepointDir,
      stateStore,
      taskManagers: int("taskManagers", 1, 32),
      slotsPerTaskManager: int("slotsPerTaskManager", 1, 256),
      jobManagerMemory: memory("jobManagerMemory"),
      taskManagerMemory: memory("taskManagerMemory"),
      checkpointInterval,
      checkpointIntervalMs,
      sinkSemantic: oneOf<SinkSemantic>("sinkSemantic", ["at-least-once", "exactly-once"]),
      sinkFlushIntervalMs: int("sinkFlushIntervalMs", 1000, 3600000),
      sinkBufferMaxBytes: int("sinkBufferMaxBytes", SINK_BUFFER_MAX_BYTES_MIN, SINK_BUFFER_MAX_BYTES_MAX),
      upgradeMode: oneOf<UpgradeMode>("upgradeMode", ["savepoint", "stateless"]),
      savepointNonce: read("savepointNonce") as string,
    },
    retainData: read("retainData") as boolean,
    allowDestructiveChanges: read("allowDestructiveChanges") as boolean,
    providerTimeoutMs: duration("providerTimeout"),
  };

  const jobs = tables.length + 1; // + heartbeat
  const slots = config.flink.taskManagers * config.flink.slotsPerTaskManager;
  // An external cluster's slots are its operator's to size.
  if (!flinkExternal && jobs * parallelism > slots) {
    problems.push(`slotsPerTaskManager: ${jobs} CDC jobs at parallelism ${parallelism} need ${jobs * parallelism} slots, but ${config.flink.taskManagers} TaskManager(s) x ${config.flink.slotsPerTaskManager} slots give ${slots}; raise taskManagers or slotsPerTaskManager`);
  }
  problems.push(...sinkBufferProblems(config.flink, jobs * parallelism));
  if (problems.length) throw new ConfigError(problems);
  return config;
}

/**
 * The sinks a TaskManager may host (one per slot it fills) each buffer up to sink.buffer-flush.max-bytes on
 * the task heap; they must leave half of it to the sources and the records in flight.
 */
function sinkBufferProblems(f: StackConfig["flink"], subtasks: number): string[] {
  const processBytes = memoryBytes(f.taskManagerMemory);
  if (processBytes === undefined) return [];
  const heap = taskHeapBytes(processBytes);
  const perTm = Math.min(subtasks, f.slotsPerTaskManager);
  const mib = (b: number) => `${Math.round(b / 1048576)} MiB`;
  if (perTm * f.sinkBufferMaxBytes <= heap / 2) return [];
  return [`sinkBufferMaxBytes: ${perTm} sinks x ${mib(f.sinkBufferMaxBytes)} (sink.buffer-flush.max-bytes) need ${mib(perTm * f.sinkBufferMaxBytes)} of a TaskManager's task heap, but half of the ~${mib(heap)} task heap of taskManagerMemory ${f.taskManagerMemory} is ${mib(heap / 2)}; lower sinkBufferMaxBytes (min ${SINK_BUFFER_MAX_BYTES_MIN}), raise taskManagerMemory, or add taskManagers`];
}

function coerce(value: unknown, type: ConfigType): unknown {
  switch (type) {
    case "string":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      throw new Error("not a string");
    case "integer": {
      const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isInteger(n)) throw new Error("not an integer");
      return n;
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true") return true;
      if (value === "false") return false;
      throw new Error("not a boolean");
    case "array": {
      const arr = typeof value === "string" ? JSON.parse(value) : value;
      if (!Array.isArray(arr) || !arr.every((x) => typeof x === "string")) throw new Error("not an array of strings");
      return arr;
    }
  }
}

/** Host-side URL helpers: the program and providers run on the host and use published ports. */
export function hostEndpoints(cfg: StackConfig) {
  const h = cfg.hostAddress;
  const p = cfg.hostPorts;
  const sr = cfg.starrocks.external;
  const flink = cfg.flink.external;
  return {
    mysql: { host: cfg.source.hostFromHost, port: cfg.source.portFromHost },
    starrocksQuery: sr ? { host: sr.host, port: sr.queryPort } : { host: h, port: p.feQuery },
    starrocksHttp: sr ? `http://${sr.host}:${sr.httpPort}` : `http://${h}:${p.feHttp}`,
    flinkRest: flink ? flink.restUrl : `http://${h}:${p.flinkUi}`,
    sqlGateway: flink ? flink.sqlGatewayUrl : `http://${h}:${p.sqlGateway}`,
    // "" when the stack runs no MinIO (StarRocks and Flink both external).
    minioApi: cfg.minio.enabled ? `http://${h}:${p.minioApi}` : "",
    minioConsole: cfg.minio.enabled ? `http://${h}:${p.minioConsole}` : "",
  };
}

/** Object-store locations shared by StarRocks and Flink. */
export function storagePaths(cfg: StackConfig) {
  const b = cfg.minio.bucket;
  return {
    starrocksLocation: `s3://${b}/starrocks`,
    checkpoints: cfg.flink.checkpointDir,
    savepoints: cfg.flink.savepointDir,
    s3EndpointInNetwork: `http://${ALIASES.minio}:${CONTAINER_PORTS.minioApi}`,
  };
}

export const STORAGE_VOLUME_NAME = "cdc_volume";
