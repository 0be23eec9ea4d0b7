import * as pulumi from "@pulumi/pulumi";
import { StackConfig, hostEndpoints, storagePaths } from "../config";
import { PLACEHOLDER_SECRETS, renderCdcJobs } from "../render/flinkJob";
import { CdcJob } from "../providers/cdcJob";

export interface CdcJobsArgs {
  config: StackConfig;
  cdcPassword: pulumi.Input<string>;
  loaderPassword: pulumi.Input<string>;
  /** MinIO credentials: the provider lists retained checkpoints and savepoints to resume a lost job. */
  s3AccessKey: pulumi.Input<string>;
  s3SecretKey: pulumi.Input<string>;
  /** Everything a job needs before it starts: gateway, TaskManagers, tables, users, preflight. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** One Flink CDC job per replicated table, submitted through the SQL Gateway and upgraded through savepoints. */
export class CdcJobs extends pulumi.ComponentResource {
  readonly jobs: CdcJob[];

  constructor(name: string, args: CdcJobsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("starrocks-cdc:index:CdcJobs", name, {}, opts);
    const cfg = args.config;
    const host = hostEndpoints(cfg);
    const paths = storagePaths(cfg);
    // Rendered with password placeholders: the statements are plain inputs, known at preview, so a changed
    // option shows as an old -> new diff of its statement. The provider substitutes the secret passwords
    // only into what it sends to the SQL Gateway.
    const plans = renderCdcJobs(cfg, PLACEHOLDER_SECRETS);
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
        savepointDir: paths.savepoints,
        checkpointDir: paths.checkpoints,
        s3Endpoint: host.minioApi,
        s3AccessKey: args.s3AccessKey,
        s3SecretKey: args.s3SecretKey,
        s3Region: cfg.minio.region,
        bucket: cfg.minio.bucket,
        timeoutMs: cfg.providerTimeoutMs,
      }, { parent: this, dependsOn: args.dependsOn }),
    );
    this.registerOutputs({ jobNames: this.jobs.map((j) => j.jobName) });
  }
}
