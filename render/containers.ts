/**
 * The containers of a stack as plain data: image, command, environment, ports, volumes, uploaded files
 * and health checks. Components turn these specs into docker.Container resources and `npm run render`
 * writes them into manifest.json, so the program and the rendered manifest cannot disagree.
 *
 * Secret values never appear here: environment values and file contents carry `${NAME}` placeholders
 * (SECRET_NAMES), which components substitute with generated secrets.
 */
import { ALIASES, CONTAINER_PORTS, HostPortName, StackConfig } from "../config";
import { flinkProperties, propertiesText, s3PluginJar } from "./flink";
import { secretPlaceholder } from "./sql";
import { CN_CONF_PATH, CN_STORAGE_PATH, FE_CONF_PATH, FE_META_PATH, renderCnConf, renderFeConf } from "./starrocks";

/** Every secret of a stack, by the placeholder name used in specs and rendered files. */
export const SECRET_NAMES = [
  "MYSQL_ROOT_PASSWORD",
  "CDC_PASSWORD",
  "MINIO_ROOT_USER",
  "MINIO_ROOT_PASSWORD",
  "STARROCKS_ROOT_PASSWORD",
  "LOADER_PASSWORD",
  "STARROCKS_ADMIN_PASSWORD",
  "STARROCKS_VOLUME_SECRET_KEY",
  "FLINK_S3_SECRET_KEY",
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** Credentials of systems the stack does not run: only secret config supplies them, never a generator. */
export const CONFIG_ONLY_SECRETS: readonly SecretName[] = ["STARROCKS_ADMIN_PASSWORD", "STARROCKS_VOLUME_SECRET_KEY", "FLINK_S3_SECRET_KEY"];

/** The secrets a stack uses, by its modes (SECRET_NAMES order). */
export function stackSecretNames(cfg: StackConfig): SecretName[] {
  const used = new Set<SecretName>(["CDC_PASSWORD", "LOADER_PASSWORD"]);
  if (cfg.source.mode === "managed") used.add("MYSQL_ROOT_PASSWORD");
  if (cfg.minio.enabled) {
    used.add("MINIO_ROOT_USER");
    used.add("MINIO_ROOT_PASSWORD");
  }
  used.add(cfg.starrocks.mode === "managed" ? "STARROCKS_ROOT_PASSWORD" : "STARROCKS_ADMIN_PASSWORD");
  if (cfg.starrocks.storageVolume?.accessKey !== undefined) used.add("STARROCKS_VOLUME_SECRET_KEY");
  if (cfg.flink.stateStore?.accessKey !== undefined) used.add("FLINK_S3_SECRET_KEY");
  return SECRET_NAMES.filter((n) => used.has(n));
}

export const placeholder = (name: SecretName) => secretPlaceholder(name);

/** Replaces `${NAME}` placeholders with values; unknown placeholders are an error, never silently left. */
export function fillSecrets(text: string, values: Partial<Record<SecretName, string>>): string {
  return text.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => {
    if (!(SECRET_NAMES as readonly string[]).includes(name)) return whole;
    const v = values[name as SecretName];
    if (v === undefined) throw new Error(`no value for secret placeholder ${name}`);
    return v;
  });
}

export function usesSecrets(text: string): SecretName[] {
  return SECRET_NAMES.filter((n) => text.includes(placeholder(n)));
}

export interface PortSpec {
  /** Which configured host port this is. */
  name: HostPortName;
  containerPort: number;
  hostPort: number;
  hostIp: string;
}

export interface VolumeMount {
  /** Key of the volume (e.g. "mysql-data"); its Docker name is `<prefix>-<key>`. */
  volume: string;
  containerPath: string;
  /** Data volumes honour retainData; cache volumes never do. */
  data: boolean;
}

export interface HealthcheckSpec {
  test: string[];
  interval: string;
  timeout: string;
  startPeriod: string;
  retries: number;
}

export interface ContainerSpec {
  /** Role within the stack, e.g. "starrocks-cn-1"; also the Pulumi resource name suffix. */
  role: string;
  /** Docker container name: `<prefix>-<role>`. */
  name: string;
  /** Image reference (for the built Flink image, the local tag the build produces). */
  image: string;
  hostname: string;
  aliases: string[];
  command?: string[];
  user?: string;
  /** Environment as KEY=value; values may hold secret placeholders. */
  env: Array<[string, string]>;
  ports: PortSpec[];
  volumes: VolumeMount[];
  uploads: Array<{ path: string; content: string }>;
  healthcheck: HealthcheckSpec;
  /** Seconds `pulumi up` waits for the container to become healthy. */
  waitTimeoutSeconds: number;
  /**
   * Seconds between SIGTERM and SIGKILL when the container is stopped (replaced, destroyed, or `docker
   * stop`): long enough for the service to shut down cleanly.
   */
  stopGraceSeconds: number;
  /** Roles that must be healthy first. */
  dependsOn: string[];
  ulimits?: Array<{ name: string; soft: number; hard: number }>;
}

/**
 * Durations in Go's canonical form (`1m0s`, not `60s`): the Docker provider reads them back that way,
 * and any other spelling shows as a change on every `pulumi up`.
 */
export function goDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}

const health = (test: string[], startPeriodSeconds: number, retries = 30): HealthcheckSpec => ({
  test, interval: goDuration(5), timeout: goDuration(5), startPeriod: goDuration(startPeriodSeconds), retries,
});

/** Local tag of the built Flink image; image references must be lowercase, stack names need not be. */
export function flinkImageTag(cfg: StackConfig): string {
  return `${cfg.prefix.toLowerCase()}-flink:${cfg.images.flinkVersion}-cdc`;
}

/**
 * --default-time-zone for the managed server. Named zones work: the image's entrypoint loads the time
 * zone tables during initialisation (its temporary server runs with SYSTEM). UTC is written as an offset
 * so it never depends on those tables.
 */
export function mysqlTimeZoneArg(timeZone: string): string {
  return timeZone === "UTC" ? "+00:00" : timeZone;
}

export function renderContainerSpecs(cfg: StackConfig): ContainerSpec[] {
  const port = (name: HostPortName, containerPort: number): PortSpec => ({ name, containerPort, hostPort: cfg.hostPorts[name], hostIp: cfg.hostAddress });
  const base = (role: string, alias: string) => ({ role, name: `${cfg.prefix}-${role}`, hostname: alias, aliases: [alias] });
  const specs: ContainerSpec[] = [];

  specs.push({
    ...base("minio", ALIASES.minio),
    image: cfg.images.minio,
    command: ["server", "/data", "--console-address", `:${CONTAINER_PORTS.minioConsole}`],
    env: [["MINIO_ROOT_USER", placeholder("MINIO_ROOT_USER")], ["MINIO_ROOT_PASSWORD", placeholder("MINIO_ROOT_PASSWORD")]],
    ports: [port("minioApi", CONTAINER_PORTS.minioApi), port("minioConsole", CONTAINER_PORTS.minioConsole)],
    volumes: [{ volume: "minio-data", containerPath: "/data", data: true }],
    uploads: [],
    // `mc ready local` is MinIO's documented probe (the image ships mc; it needs no port or path).
    healthcheck: health(["CMD", "mc", "ready", "local"], 10),
    waitTimeoutSeconds: 120,
    // MinIO finishes in-flight requests on SIGTERM.
    stopGraceSeconds: 30,
    dependsOn: [],
  });

  if (cfg.source.mode === "managed") {
    specs.push({
      ...base("mysql", ALIASES.mysql),
      image: cfg.images.mysql,
      command: [
        `--server-id=${cfg.source.serverId}`,
        "--log-bin=mysql-bin",
        "--binlog-format=ROW",
        "--binlog-row-image=FULL",
        "--gtid-mode=ON",
        "--enforce-gtid-consistency=ON",
        `--binlog-expire-logs-seconds=${cfg.source.binlogRetentionSeconds}`,
        `--default-time-zone=${mysqlTimeZoneArg(cfg.source.timeZone)}`,
        // Native passwords let non-TLS clients log in without RSA key retrieval.
        "--default-authentication-plugin=mysql_native_password",
      ],
      env: [["MYSQL_ROOT_PASSWORD", placeholder("MYSQL_ROOT_PASSWORD")]],
      ports: [port("mysql", CONTAINER_PORTS.mysql)],
      volumes: [{ volume: "mysql-data", containerPath: "/var/lib/mysql", data: true }],
      uploads: [],
      // 127.0.0.1 (TCP), not localhost: the image's init server listens on the socket only, so this stays
      // unhealthy until the real server is up. mysqladmin ping succeeds even when access is denied.
      healthcheck: health(["CMD", "mysqladmin", "ping", "-h", "127.0.0.1", "--silent"], 30, 60),
      waitTimeoutSeconds: 300,
      // InnoDB flushes and closes the binlog on SIGTERM; a kill means crash recovery on the next start.
      stopGraceSeconds: 60,
      dependsOn: [],
    });
  }

  const starrocksEnv: Array<[string, string]> = [
    // Without it the AWS SDK probes the EC2 metadata service and CREATE TABLE can hang.
    ["AWS_EC2_METADATA_DISABLED", "true"],
  ];
  specs.push({
    ...base("starrocks-fe", ALIASES.fe),
    image: cfg.images.fe,
    user: "root",
    // --logconsole: start_fe.sh logs to stdout (docker logs) instead of log/fe.out (StarRocks bin/start_fe.sh).
    command: ["/opt/starrocks/fe/bin/start_fe.sh", "--host_type", "FQDN", "--logconsole"],
    env: [["HOST_TYPE", "FQDN"], ...starrocksEnv],
    ports: [port("feHttp", CONTAINER_PORTS.feHttp), port("feQuery", CONTAINER_PORTS.feQuery)],
    volumes: [{ volume: "fe-meta", containerPath: FE_META_PATH, data: true }],
    uploads: [{ path: FE_CONF_PATH, content: renderFeConf(cfg) }],
    // HTTP, not `mysql -uroot`: it keeps working after the root password is set.
    healthcheck: health(["CMD-SHELL", `curl -sf http://127.0.0.1:${CONTAINER_PORTS.feHttp}/api/health`], 60, 60),
    waitTimeoutSeconds: 360,
    // start_fe.sh execs the JVM, so SIGTERM reaches the FE, which writes its metadata and exits.
    stopGraceSeconds: 60,
    dependsOn: ["minio"],
  });
  for (let i = 0; i < cfg.starrocks.cnCount; i++) {
    specs.push({
      ...base(`starrocks-cn-${i}`, ALIASES.cn(i)),
      image: cfg.images.cn,
      user: "root",
      // --logconsole: glog to stderr (docker logs) instead of log/cn.out (StarRocks bin/start_backend.sh).
      command: ["/opt/starrocks/cn/bin/start_cn.sh", "--logconsole"],
      env: [...starrocksEnv],
      ports: [],
      volumes: [{ volume: `cn-${i}-cache`, containerPath: CN_STORAGE_PATH, data: false }],
      uploads: [{ path: CN_CONF_PATH, content: renderCnConf(cfg) }],
      healthcheck: health(["CMD-SHELL", `curl -sf http://127.0.0.1:${CONTAINER_PORTS.cnHttp}/api/health`], 30, 60),
      waitTimeoutSeconds: 300,
      // The CN (exec'd by start_backend.sh) lets running loads and queries finish on SIGTERM.
      stopGraceSeconds: 60,
      dependsOn: ["starrocks-fe"],
      ulimits: [{ name: "nofile", soft: 65535, hard: 65535 }, { name: "nproc", soft: 65535, hard: 65535 }],
    });
  }

  const s3 = { accessKey: placeholder("MINIO_ROOT_USER"), secretKey: placeholder("MINIO_ROOT_PASSWORD") };
  const plugin: [string, string] = ["ENABLE_BUILT_IN_PLUGINS", s3PluginJar(cfg.images.flinkVersion)];
  const image = flinkImageTag(cfg);
  specs.push({
    ...base("jobmanager", ALIASES.jobManager),
    image,
    command: ["jobmanager"],
    env: [["FLINK_PROPERTIES", propertiesText(flinkProperties(cfg, "jobmanager", s3))], plugin],
    ports: [port("flinkUi", CONTAINER_PORTS.flinkRest)],
    volumes: [],
    uploads: [],
    healthcheck: health(["CMD-SHELL", `curl -sf http://127.0.0.1:${CONTAINER_PORTS.flinkRest}/overview`], 20),
    waitTimeoutSeconds: 180,
    stopGraceSeconds: 30,
    dependsOn: ["minio"],
  });
  for (let i = 0; i < cfg.flink.taskManagers; i++) {
    const alias = ALIASES.taskManager(i);
    specs.push({
      ...base(alias, alias),
      image,
      command: ["taskmanager"],
      env: [["FLINK_PROPERTIES", propertiesText(flinkProperties(cfg, "taskmanager", s3, i))], plugin],
      ports: [],
      volumes: [],
      uploads: [],
      // Healthy once the JobManager lists this TaskManager; its RPC path carries taskmanager.host.
      healthcheck: health(["CMD-SHELL", `curl -sf http://${ALIASES.jobManager}:${CONTAINER_PORTS.flinkRest}/taskmanagers | grep -q '@${alias}:'`], 20),
      waitTimeoutSeconds: 180,
      stopGraceSeconds: 30,
      dependsOn: ["jobmanager"],
    });
  }
  specs.push({
    ...base("sql-gateway", ALIASES.sqlGateway),
    image,
    // No -D arguments: sql-gateway.sh prints help and exits when any argument contains "-h".
    command: ["/opt/flink/bin/sql-gateway.sh", "start-foreground"],
    env: [["FLINK_PROPERTIES", propertiesText(flinkProperties(cfg, "sql-gateway", s3))], plugin],
    ports: [port("sqlGateway", CONTAINER_PORTS.sqlGateway)],
    volumes: [],
    uploads: [],
    healthcheck: health(["CMD-SHELL", `curl -sf http://127.0.0.1:${CONTAINER_PORTS.sqlGateway}/v1/info`], 20),
    waitTimeoutSeconds: 180,
    stopGraceSeconds: 30,
    dependsOn: ["jobmanager"],
  });
  return specs.filter((spec) => runsContainer(cfg, spec.role));
}

/** Whether the stack runs the container of this role: only the parts in managed mode do (MinIO when one of them needs it). */
export function runsContainer(cfg: StackConfig, role: string): boolean {
  if (role === "minio") return cfg.minio.enabled;
  if (role === "mysql") return cfg.source.mode === "managed";
  if (role.startsWith("starrocks-")) return cfg.starrocks.mode === "managed";
  if (role === "jobmanager" || role === "sql-gateway" || role.startsWith("taskmanager-")) return cfg.flink.mode === "managed";
  throw new Error(`unknown container role ${role}`);
}

/** Docker names of every volume the specs mount, with whether it holds data. */
export function volumeKeys(specs: ContainerSpec[]): Array<{ key: string; data: boolean }> {
  const seen = new Map<string, boolean>();
  for (const s of specs) for (const v of s.volumes) seen.set(v.volume, v.data);
  return [...seen].map(([key, data]) => ({ key, data }));
}
