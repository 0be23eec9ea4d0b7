/**
 * The pipeline, top to bottom:
 *
 *   MySQL (binlog) ──▶ Flink CDC jobs (SQL Gateway) ──▶ StarRocks FE + CNs ──▶ MinIO (S3)
 *
 * This file only composes components in pipeline order and exports the outputs. Containers come from
 * render/containers.ts specs; configuration after start-up is done by the dynamic providers.
 */
import * as pulumi from "@pulumi/pulumi";
import { hostEndpoints, storagePaths } from "./config";
import { flinkImageTag, renderContainerSpecs } from "./render/containers";
import { replicatedTables } from "./catalog/tables";
import { loadStackConfig } from "./components/stackConfig";
import { StackNetwork } from "./components/network";
import { StackSecrets } from "./components/secrets";
import { Minio } from "./components/minio";
import { SourceMysql } from "./components/sourceMysql";
import { StarRocks } from "./components/starrocks";
import { Flink } from "./components/flink";
import { SourceSetup } from "./components/sourceSetup";
import { StarRocksSetup } from "./components/starrocksSetup";
import { CdcJobs } from "./components/cdcJobs";
import { Bucket } from "./providers/bucket";
import { connectionUrl } from "./render/urls";

const { config: cfg, secretOverrides } = loadStackConfig();
const specs = renderContainerSpecs(cfg);
const spec = (role: string) => specs.find((s) => s.role === role)!;
const specsLike = (prefix: string) => specs.filter((s) => s.role.startsWith(prefix));
const host = hostEndpoints(cfg);

// ── Shared plumbing: one network and every secret of the stack ─────────────────────────────────────
const network = new StackNetwork("network", { prefix: cfg.prefix });
const secrets = new StackSecrets("secrets", { managedSource: cfg.source.mode === "managed", overrides: secretOverrides });
const common = { prefix: cfg.prefix, networkName: network.name, secrets: secrets.values };

// ── Object storage: MinIO holds StarRocks data and Flink state ──────────────────────────────────────
const minio = new Minio("minio", { ...common, spec: spec("minio"), retainData: cfg.retainData });
const s3Credentials = { s3AccessKey: secrets.values.MINIO_ROOT_USER, s3SecretKey: secrets.values.MINIO_ROOT_PASSWORD };
const bucket = new Bucket("bucket", {
  endpoint: host.minioApi,
  accessKey: s3Credentials.s3AccessKey,
  secretKey: s3Credentials.s3SecretKey,
  region: cfg.minio.region,
  bucket: cfg.minio.bucket,
  // Without retainData the MinIO volume goes with the stack anyway, so the bucket may go with its objects.
  forceDestroy: cfg.minio.forceDestroy || !cfg.retainData,
  timeoutMs: cfg.providerTimeoutMs,
}, { dependsOn: [minio], retainOnDelete: cfg.retainData });

// ── Source: MySQL 8 with binlog (managed) or an existing server (external) ─────────────────────────
const source = new SourceMysql("source", { ...common, spec: cfg.source.mode === "managed" ? spec("mysql") : undefined, retainData: cfg.retainData });
const sourceSetup = new SourceSetup("source-setup", {
  retainData: cfg.retainData,
  config: cfg,
  rootPassword: secrets.values.MYSQL_ROOT_PASSWORD,
  cdcPassword: secrets.values.CDC_PASSWORD,
  dependsOn: source.container ? [source.container] : [],
});

// ── Sink: StarRocks shared-data, one FE and cnCount compute nodes ──────────────────────────────────
const starrocks = new StarRocks("starrocks", {
  ...common,
  feSpec: spec("starrocks-fe"),
  cnSpecs: specsLike("starrocks-cn-"),
  retainData: cfg.retainData,
  dependsOn: [minio],
});
const starrocksSetup = new StarRocksSetup("starrocks-setup", {
  retainData: cfg.retainData,
  config: cfg,
  rootPassword: secrets.values.STARROCKS_ROOT_PASSWORD,
  loaderPassword: secrets.values.LOADER_PASSWORD,
  ...s3Credentials,
  fe: starrocks.fe,
  cns: starrocks.cns,
  bucket,
});

// ── Flink: JobManager, TaskManagers and the SQL Gateway ────────────────────────────────────────────
const flink = new Flink("flink", {
  ...common,
  imageTag: flinkImageTag(cfg),
  baseImage: cfg.images.flinkBase,
  jobManagerSpec: spec("jobmanager"),
  taskManagerSpecs: specsLike("taskmanager-"),
  gatewaySpec: spec("sql-gateway"),
  dependsOn: [minio, bucket],
});

// ── The CDC jobs: one per table, MySQL → Flink → StarRocks ─────────────────────────────────────────
const cdc = new CdcJobs("cdc", {
  config: cfg,
  cdcPassword: secrets.values.CDC_PASSWORD,
  loaderPassword: secrets.values.LOADER_PASSWORD,
  ...s3Credentials,
  dependsOn: [flink.gateway, ...flink.taskManagers, sourceSetup.preflight, starrocksSetup.loaderUser, ...starrocksSetup.tables],
  sinkTables: starrocksSetup.tableIds,
});

// ── Outputs: endpoints, connection details for the `cdc` CLI and other stacks ──────────────────────
export const stack = cfg.stack;
export const endpoints = {
  mysql: `${host.mysql.host}:${host.mysql.port}`,
  starrocksQuery: `${host.starrocksQuery.host}:${host.starrocksQuery.port}`,
  starrocksHttp: host.starrocksHttp,
  flinkUi: host.flinkRest,
  sqlGateway: host.sqlGateway,
  minioApi: host.minioApi,
  minioConsole: host.minioConsole,
};
export const tables = replicatedTables(cfg.tables).filter((t) => !t.internal).map((t) => t.name);
export const sourceDatabase = cfg.source.database;
export const sinkDatabase = cfg.starrocks.database;
export const checkpointDir = storagePaths(cfg).checkpoints;
export const savepointDir = storagePaths(cfg).savepoints;
/** mysql:// URL the CLI writes test rows with: root in managed mode, the CDC user in external mode. */
export const sourceUrl = pulumi.secret(
  cfg.source.mode === "managed"
    ? secrets.values.MYSQL_ROOT_PASSWORD.apply((pw) => connectionUrl("root", pw, host.mysql.host, host.mysql.port, cfg.source.database))
    : secrets.values.CDC_PASSWORD.apply((pw) => connectionUrl(cfg.source.user, pw, host.mysql.host, host.mysql.port, cfg.source.database)),
);
/** mysql:// URL of StarRocks for the CLI, as the read-mostly loader user. */
export const sinkUrl = pulumi.secret(
  secrets.values.LOADER_PASSWORD.apply((pw) => connectionUrl(cfg.starrocks.loaderUser, pw, host.starrocksQuery.host, host.starrocksQuery.port, cfg.starrocks.database)),
);
export const starrocksRootPassword = secrets.values.STARROCKS_ROOT_PASSWORD;
export const mysqlRootPassword = secrets.values.MYSQL_ROOT_PASSWORD;
export const minioRootUser = secrets.values.MINIO_ROOT_USER;
export const minioRootPassword = secrets.values.MINIO_ROOT_PASSWORD;
export const cdcJobs = cdc.jobs.map((j) => j.jobName);
export const containerNames = pulumi.all([
  minio.container.name,
  ...(source.container ? [source.container.name] : []),
  starrocks.fe.name,
  ...starrocks.cns.map((c) => c.name),
  flink.jobManager.name,
  ...flink.taskManagers.map((c) => c.name),
  flink.gateway.name,
]);
