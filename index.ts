/**
 * The pipeline, top to bottom:
 *
 *   MySQL (binlog) ──▶ Flink CDC jobs (SQL Gateway) ──▶ StarRocks FE + CNs ──▶ MinIO (S3)
 *
 * This file only composes components in pipeline order and exports the outputs. Containers come from
 * render/containers.ts specs; configuration after start-up is done by the dynamic providers. Each part
 * (source, StarRocks, Flink) is managed (its containers run here) or external (an existing system the
 * providers configure); components of an external part declare no container.
 *
 * The program is an async function (Pulumi awaits it and takes its result as the stack outputs): the tables
 * come from the catalog, which a `catalog: source` stack reads from the source's information_schema first.
 */
import * as pulumi from "@pulumi/pulumi";
import { hostEndpoints, storagePaths } from "./config";
import { SecretName, flinkImageTag, renderContainerSpecs, stackSecretNames } from "./render/containers";
import { loadCatalog } from "./catalog/load";
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

/** The program: declares every resource in pipeline order and returns the stack outputs. */
async function main() {
  const { config: cfg, secretOverrides } = loadStackConfig();
  const specs = renderContainerSpecs(cfg);
  const spec = (role: string) => specs.find((s) => s.role === role);
  const specsLike = (prefix: string) => specs.filter((s) => s.role.startsWith(prefix));
  const host = hostEndpoints(cfg);
  const managed = { starrocks: cfg.starrocks.mode === "managed", flink: cfg.flink.mode === "managed" };

  // ── The catalog: the demo tables, or the source's own tables read from its information_schema ──────────
  // The CDC user's password is plain config (a secret), known at preview.
  const catalog = await loadCatalog(cfg, () => plainValue(secretOverrides.CDC_PASSWORD ?? pulumi.output("")));
  for (const issue of catalog.issues) pulumi.log.warn(`catalog: ${issue.message}`);

  // ── Shared plumbing: one network and every secret of the stack ─────────────────────────────────────
  // No container runs when every part is external: the stack is then a pure control plane, without a network.
  const network = specs.length ? new StackNetwork("network", { prefix: cfg.prefix }) : undefined;
  const secrets = new StackSecrets("secrets", { names: stackSecretNames(cfg), overrides: secretOverrides });
  /** A secret this configuration uses (stackSecretNames guarantees it exists). */
  const secret = (name: SecretName): pulumi.Output<string> => {
    const v = secrets.values[name];
    if (!v) throw new Error(`secret ${name} is not part of this stack's configuration`);
    return v;
  };
  const common = { prefix: cfg.prefix, networkName: network?.name ?? "", secrets: secrets.values };

  // ── Object storage: MinIO holds StarRocks data and Flink state, when either runs here ─────────────────
  const minio = new Minio("minio", { ...common, spec: spec("minio"), retainData: cfg.retainData });
  const minioCredentials = cfg.minio.enabled ? { s3AccessKey: secret("MINIO_ROOT_USER"), s3SecretKey: secret("MINIO_ROOT_PASSWORD") } : undefined;
  const bucket = minio.container && minioCredentials
    ? new Bucket("bucket", {
      endpoint: host.minioApi,
      accessKey: minioCredentials.s3AccessKey,
      secretKey: minioCredentials.s3SecretKey,
      region: cfg.minio.region,
      bucket: cfg.minio.bucket,
      // Without retainData the MinIO volume goes with the stack anyway, so the bucket may go with its objects.
      forceDestroy: cfg.minio.forceDestroy || !cfg.retainData,
      timeoutMs: cfg.providerTimeoutMs,
    }, { dependsOn: [minio.container], retainOnDelete: cfg.retainData })
    : undefined;

  // ── Source: MySQL 8 with binlog (managed) or an existing server (external) ─────────────────────────
  const source = new SourceMysql("source", { ...common, spec: spec("mysql"), retainData: cfg.retainData });
  const sourceSetup = new SourceSetup("source-setup", {
    retainData: cfg.retainData,
    config: cfg,
    rootPassword: secrets.values.MYSQL_ROOT_PASSWORD,
    cdcPassword: secret("CDC_PASSWORD"),
    dependsOn: source.container ? [source.container] : [],
  });

  // ── Sink: StarRocks shared-data, one FE and cnCount compute nodes (managed) or an existing cluster ──────
  const starrocks = new StarRocks("starrocks", {
    ...common,
    feSpec: spec("starrocks-fe"),
    cnSpecs: specsLike("starrocks-cn-"),
    retainData: cfg.retainData,
    dependsOn: minio.container ? [minio.container] : [],
  });
  const starrocksSetup = new StarRocksSetup("starrocks-setup", {
    retainData: cfg.retainData,
    config: cfg,
    tables: catalog.tables,
    adminPassword: managed.starrocks ? secret("STARROCKS_ROOT_PASSWORD") : secret("STARROCKS_ADMIN_PASSWORD"),
    loaderPassword: secret("LOADER_PASSWORD"),
    // The storage volume's credentials: MinIO's (managed), or the configured ones (external, opt-in).
    ...(managed.starrocks
      ? minioCredentials
      : cfg.starrocks.storageVolume && { s3AccessKey: pulumi.secret(cfg.starrocks.storageVolume.accessKey ?? ""), s3SecretKey: secret("STARROCKS_VOLUME_SECRET_KEY") }),
    fe: starrocks.fe,
    cns: starrocks.cns,
    bucket,
  });

  // ── Flink: JobManager, TaskManagers and the SQL Gateway (managed) or an existing session cluster ────────
  const flink = new Flink("flink", {
    ...common,
    imageTag: flinkImageTag(cfg),
    baseImage: cfg.images.flinkBase,
    jobManagerSpec: spec("jobmanager"),
    taskManagerSpecs: specsLike("taskmanager-"),
    gatewaySpec: spec("sql-gateway"),
    dependsOn: [...(minio.container ? [minio.container] : []), ...(bucket ? [bucket] : [])],
  });

  // ── The CDC jobs: one per table, MySQL → Flink → StarRocks ─────────────────────────────────────────
  const stateStore = cfg.flink.stateStore;
  const cdc = new CdcJobs("cdc", {
    config: cfg,
    tables: catalog.tables,
    cdcPassword: secret("CDC_PASSWORD"),
    loaderPassword: secret("LOADER_PASSWORD"),
    // Where loss recovery lists retained state: MinIO (managed), the configured S3 (external), or nowhere.
    ...(managed.flink
      ? minioCredentials
      : stateStore && { s3AccessKey: pulumi.secret(stateStore.accessKey ?? ""), s3SecretKey: secret("FLINK_S3_SECRET_KEY") }),
    dependsOn: [
      ...(flink.gateway ? [flink.gateway] : []),
      ...flink.taskManagers,
      sourceSetup.preflight,
      starrocksSetup.loaderUser,
      ...starrocksSetup.tables,
    ],
    sinkTables: starrocksSetup.tableIds,
  });

  // ── Outputs: endpoints, connection details for the `cdc` CLI and other stacks ──────────────────────
  // Every output exists in every mode combination: a service the stack does not run has an empty endpoint,
  // and a credential it does not hold is an empty secret.
  const noCredential = () => pulumi.secret("");
  const stack = cfg.stack;
  const modes = { source: cfg.source.mode, starrocks: cfg.starrocks.mode, flink: cfg.flink.mode };
  const endpoints = {
    mysql: `${host.mysql.host}:${host.mysql.port}`,
    starrocksQuery: `${host.starrocksQuery.host}:${host.starrocksQuery.port}`,
    starrocksHttp: host.starrocksHttp,
    flinkUi: host.flinkRest,
    sqlGateway: host.sqlGateway,
    minioApi: host.minioApi,
    minioConsole: host.minioConsole,
  };
  const tables = catalog.tables.filter((t) => !t.internal).map((t) => t.name);
  const sourceDatabase = cfg.source.database;
  const sinkDatabase = cfg.starrocks.database;
  const checkpointDir = storagePaths(cfg).checkpoints;
  const savepointDir = storagePaths(cfg).savepoints;
  /** mysql:// URL the CLI writes test rows with: root in managed mode, the CDC user in external mode. */
  const sourceUrl = pulumi.secret(
    cfg.source.mode === "managed"
      ? secret("MYSQL_ROOT_PASSWORD").apply((pw) => connectionUrl("root", pw, host.mysql.host, host.mysql.port, cfg.source.database))
      : secret("CDC_PASSWORD").apply((pw) => connectionUrl(cfg.source.user, pw, host.mysql.host, host.mysql.port, cfg.source.database)),
  );
  /** mysql:// URL of StarRocks for the CLI, as the read-mostly loader user. */
  const sinkUrl = pulumi.secret(
    secret("LOADER_PASSWORD").apply((pw) => connectionUrl(cfg.starrocks.loaderUser, pw, host.starrocksQuery.host, host.starrocksQuery.port, cfg.starrocks.database)),
  );
  /** Credentials the stack generated for what it runs; an external part's administrator stays in config. */
  const starrocksRootPassword = secrets.values.STARROCKS_ROOT_PASSWORD ?? noCredential();
  const mysqlRootPassword = secrets.values.MYSQL_ROOT_PASSWORD ?? noCredential();
  const minioRootUser = secrets.values.MINIO_ROOT_USER ?? noCredential();
  const minioRootPassword = secrets.values.MINIO_ROOT_PASSWORD ?? noCredential();
  const cdcJobs = cdc.jobs.map((j) => j.jobName);
  const containerNames = pulumi.all([
    ...(minio.container ? [minio.container.name] : []),
    ...(source.container ? [source.container.name] : []),
    ...(starrocks.fe ? [starrocks.fe.name] : []),
    ...starrocks.cns.map((c) => c.name),
    ...(flink.jobManager ? [flink.jobManager.name] : []),
    ...flink.taskManagers.map((c) => c.name),
    ...(flink.gateway ? [flink.gateway.name] : []),
  ]);

  return { stack, modes, endpoints, tables, sourceDatabase, sinkDatabase, checkpointDir, savepointDir, sourceUrl, sinkUrl, starrocksRootPassword, mysqlRootPassword, minioRootUser, minioRootPassword, cdcJobs, containerNames };
}

/** The value of a config Output (config values are known at preview, secrets included). */
function plainValue(o: pulumi.Output<string>): Promise<string> {
  return new Promise((resolve) => o.apply((v) => {
    resolve(v);
    return v;
  }));
}

export = main;
