import * as pulumi from "@pulumi/pulumi";
import { StackConfig, hostEndpoints } from "../config";
import { PLACEHOLDER_SECRETS, renderCdcJobs } from "../render/flinkJob";
import { CdcJob } from "../providers/cdcJob";
import { TableDef } from "../catalog/tables";

export interface CdcJobsArgs {
  config: StackConfig;
  /** The catalog's tables (catalog/load.ts): one job each. */
  tables: TableDef[];
  cdcPassword: pulumi.Input<string>;
  loaderPassword: pulumi.Input<string>;
  /**
   * Credentials of the S3 store holding Flink state (MinIO's, or flinkS3AccessKey and flinkS3SecretKey): the
   * provider lists retained checkpoints and savepoints to resume a lost job. Unused when the dirs are not on S3.
   */
  s3AccessKey?: pulumi.Input<string>;
  s3SecretKey?: pulumi.Input<string>;
  /** Everything a job needs before it starts: gateway, TaskManagers, tables, users, preflight. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
  /**
   * The sink Table resource's id, by table name. A job takes its table's id as an input, so a destructive
   * re-creation of the table replaces the job and Pulumi stops it before the table is dropped.
   */
  sinkTables?: Record<string, pulumi.Input<string>>;
}

/** One Flink CDC job per replicated table, submitted through the SQL Gateway and upgraded through savepoints. */
export class CdcJobs extends pulumi.ComponentResource {
  readonly jobs: CdcJob[];

  constructor(name: string, args: CdcJobsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("starrocks-cdc:index:CdcJobs", name, {}, opts);
    const cfg = args.config;
    const host = hostEndpoints(cfg);
    // hdfs:// or file:// dirs of an external cluster: no store, and the provider logs that recovery listing is off.
    const store = cfg.flink.stateStore;
    // Rendered with password placeholders: the statements are plain inputs, known at preview, so a changed
    // option shows as an old -> new diff of its statement. The provider substitutes the secret passwords
    // only into what it sends to the SQL Gateway.
    const plans = renderCdcJobs(cfg, PLACEHOLDER_SECRETS, args.tables);
    this.jobs = plans.map((plan) =>
      new CdcJob(`cdc-job-${plan.table}`, {
        gatewayUrl: host.sqlGateway,
        restUrl: host.flinkRest,
        statements: plan.statements,
        cdcPassword: args.cdcPassword,
        loaderPassword: args.loaderPassword,
        pipelineName: plan.pipelineName,
        table: plan.table,
        serverIdRange: plan.serverIdRange,
        upgradeMode: cfg.flink.upgradeMode,
        savepointNonce: cfg.flink.savepointNonce,
        columns: plan.columns,
        columnTypes: plan.columnTypes,
        savepointDir: cfg.flink.savepointDir,
        checkpointDir: cfg.flink.checkpointDir,
        // Absent (not empty) for a managed cluster, so existing jobs see no change.
        jobOptions: Object.keys(plan.jobOptions).length ? plan.jobOptions : undefined,
        s3Endpoint: store?.endpoint ?? "",
        s3AccessKey: (store && args.s3AccessKey) ?? "",
        s3SecretKey: (store && args.s3SecretKey) ?? "",
        s3Region: store?.region ?? cfg.minio.region,
        bucket: store?.bucket ?? "",
        timeoutMs: cfg.providerTimeoutMs,
        sinkTable: args.sinkTables?.[plan.table],
      }, { parent: this, dependsOn: args.dependsOn }),
    );
    this.registerOutputs({ jobNames: this.jobs.map((j) => j.jobName) });
  }
}
