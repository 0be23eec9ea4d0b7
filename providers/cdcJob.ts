/**
 * CdcJob: one Flink SQL CDC job (MySQL table -> StarRocks table) as a Pulumi dynamic resource.
 *
 * - Inputs: the job's statements are PLAIN text with password placeholders (${CDC_PASSWORD},
 *   ${LOADER_PASSWORD}; render/flinkJob.ts), so `pulumi preview` shows a changed option as an old -> new diff
 *   of that statement; the passwords are separate secret inputs, substituted only into what is sent to the
 *   SQL Gateway, and scrubbed from every error and log line.
 * - Ready means: job RUNNING, every vertex (task) RUNNING, and at least one completed checkpoint. A job whose
 *   exception history gains an entry while we wait is failing (Flink restarts it under the bounded restart
 *   strategy of render/flink.ts until it gives up): create and update fail at once with the first lines of its
 *   root exception, and the failing job is cancelled so it does not loop on.
 * - create: submits the job through the SQL Gateway (one session per job, one statement per request, the job
 *   name and any restore path in each statement's executionConfig). If a job of this pipeline already runs, it
 *   is adopted instead of submitting a duplicate (two jobs would share a server-id range). If the pipeline ran
 *   before and its job was lost (a JobManager restart without HA forgets every job), the newest retained
 *   checkpoint or savepoint on the object store is restored, so the loss costs neither a re-snapshot nor rows.
 * - read: job state from the JobManager, plus `lastFailure`, the newest exception not seen when the job was
 *   last ready. FAILED/CANCELED/FINISHED/RESTARTING/FAILING, a gone job, or a fresh failure are drift, so the
 *   next `pulumi up` acts on them. An unknown or finished id is looked up by pipeline.name among active jobs.
 * - update (statements or passwords changed): the new statements are first planned in a scratch session
 *   (CREATE TEMPORARY ..., then EXPLAIN PLAN FOR INSERT ...), so a statement Flink cannot plan leaves the
 *   running job untouched. Then stop-with-savepoint and resubmit restoring from it (upgradeMode "savepoint"), or
 *   cancel and start fresh ("stateless"). If the new job still fails after the old one stopped, the OLD
 *   statements are resubmitted from the same savepoint, and the update fails with the cause: the table is
 *   never left without a job. A job that is not fully running (RESTARTING, tasks not all RUNNING, or failed
 *   since it was last ready) cannot take a savepoint; it is cancelled and restored from its newest retained
 *   checkpoint instead. A changed savepointNonce alone triggers a one-off savepoint; the job keeps running.
 * - Exactly-once labels: the sink's `sink.label-prefix` gets a generation suffix (`labelGeneration` output),
 *   new on every fresh start and unchanged on restores: a job started without state numbers its labels from 1
 *   again (StarRocks ExactlyOnceLabelGenerator), and StarRocks keeps labels for days.
 * - delete: stop-with-savepoint (the path is logged for a manual resume); cancel when that does not complete
 *   or the tasks do not all run.
 *
 * Loss recovery. The JobManager's memory is gone after a restart, and `pulumi refresh` drops a gone resource
 * from state, so the job ids a pipeline has used (and their label generations) are also recorded in a small
 * registry object on the bucket, `flink/cdc-jobs/<pipelineName>.json`
 * ({"pipelineName","jobIds":[...],"labelGenerations":{jobId: generation}}), besides the `jobHistory` output.
 * Recovery lists `<checkpointDir>/<jobId>/chk-N/_metadata` and `<savepointDir>/savepoint-<first 6 hex of
 * jobId>-<random>/_metadata` (Flink's layouts) for those ids only and restores the newest by LastModified.
 * The object store sits behind the ObjectStore seam; tests inject an in-memory one.
 *
 * The code is split the way the Flink Kubernetes operator splits observers, reconcilers and FlinkService:
 * providers/cdcJobObserver.ts reads the job's real state (plain data), providers/cdcJobPlanner.ts decides one
 * action from it and the changed inputs (pure), providers/cdcJobExecutor.ts carries that action out through
 * clients/flink.ts, and providers/cdcJobRegistry.ts holds the S3 state registry. This file holds the inputs,
 * the change policy, input validation and the provider methods that wire the four together.
 *
 * Serialization rules: no pulumi.* inside provider methods, npm packages (minio) required inside methods, no
 * module-level mutable state. The Flink client (clients/flink.ts) is a local module and is serialized by value.
 */
import { CdcError } from "../clients/errors";
import * as pulumi from "@pulumi/pulumi";
import { FlinkClient, TERMINAL_JOB_STATES, passwordsInStatements, scrub } from "../clients/flink";
import { describeError } from "../clients/wait";
import { CDC_PASSWORD_PLACEHOLDER, LOADER_PASSWORD_PLACEHOLDER } from "../render/flinkJob";
import { ExecContext, executeCreate, executeUpdate, stopJob } from "./cdcJobExecutor";
import { activeJobOf, findActiveJob, observeForRead, observeJob } from "./cdcJobObserver";
import { UpgradeMode, planCreate, planUpdate, updateActions } from "./cdcJobPlanner";
import { ObjectStore, ObjectStoreFactory, S3_URI, minioObjectStore, newestRetainedState, parseS3Uri, readRegistry, recoveryListingOff, registryKey } from "./cdcJobRegistry";
import { ChangePolicy, diffByPolicy, driftWhen, isUnknown, replacedWith } from "./policy";
import { PROVIDER_VERSION } from "./version";

// The parts, re-exported so callers keep one import: registry (S3 state), observer, planner, executor.
export type { ObjectStore, ObjectStoreFactory, RetainedState, S3Connection, StoredObject } from "./cdcJobRegistry";
export { minioObjectStore, newestRetainedState, parseS3Uri, recoveryListingOff, registryKey } from "./cdcJobRegistry";
export type { JobSql } from "./cdcJobExecutor";
export { materialize, newLabelGeneration, planningStatements } from "./cdcJobExecutor";
export type { UpgradeMode, UpdatePlan, JobActionKind } from "./cdcJobPlanner";
export { UPDATE_ACTION, planUpdate, updateActions } from "./cdcJobPlanner";

/** The providerVersion input (providers/version.ts): a bump shows as an update and stores the new code. */
export const CDC_JOB_PROVIDER_VERSION = PROVIDER_VERSION;

/** Plain (resolved) inputs as the provider receives them. */
export interface CdcJobInputs {
  /** SQL Gateway URL as the host reaches it (no /v3 suffix). */
  gatewayUrl: string;
  /** JobManager REST URL as the host reaches it. */
  restUrl: string;
  /** CREATE source, CREATE sink, INSERT, with password placeholders: plain, so previews show what changed. */
  statements: string[];
  /** Secret: replaces ${CDC_PASSWORD} in the statements when they are submitted. */
  cdcPassword: string;
  /** Secret: replaces ${LOADER_PASSWORD} in the statements when they are submitted. */
  loaderPassword: string;
  pipelineName: string;
  table: string;
  serverIdRange: { start: number; end: number };
  upgradeMode: UpgradeMode;
  /** e.g. s3://<bucket>/flink/savepoints (on `bucket` when s3://); an external cluster may use hdfs:// or file://. */
  savepointDir: string;
  /** e.g. s3://<bucket>/flink/checkpoints: the jobs' execution.checkpointing.dir (s3://, hdfs:// or file://). */
  checkpointDir: string;
  /** Execution config every statement carries besides pipeline.name (an external cluster's checkpointing); absent for a managed cluster. */
  jobOptions?: Record<string, string>;
  /** Change to take a one-off savepoint. */
  savepointNonce: string;
  /**
   * The table's column names in order. A name that was not there before means the source gained a column:
   * rows the old job wrote since then lack its values, so update re-snapshots the table (cdcJobPlanner.ts).
   * Optional: outputs written before it existed lack it, and no re-snapshot follows from that alone.
   */
  columns?: string[];
  /**
   * Each column's Flink type in the source table, aligned with `columns`. A changed one (INT -> BIGINT, a wider
   * DECIMAL) means the old job wrote values it could not hold (wrapped or NULL) since the source's ALTER, so
   * update re-snapshots the table. Optional, as `columns`.
   */
  columnTypes?: string[];
  timeoutMs: number;
  providerVersion: string;
  /** MinIO S3 API as the host reaches it, e.g. http://127.0.0.1:9000. */
  s3Endpoint: string;
  s3AccessKey: string;
  /** Secret. */
  s3SecretKey: string;
  /** Bucket of the s3:// dirs; "" when they are not on S3 (loss recovery listing is then off). */
  bucket: string;
  s3Region: string;
}

export interface CdcJobOutputs extends CdcJobInputs {
  jobId: string;
  jobName: string;
  /** Last state seen: RUNNING after create/update, the JobManager's state after refresh ("GONE" never stored). */
  jobState: string;
  /** Path of the last savepoint taken by this resource (update, nonce, delete), or "". */
  lastSavepoint: string;
  /** Checkpoint or savepoint the current job was restored from, or "" for a fresh snapshot. */
  restoredFrom: string;
  /** Job ids this pipeline has run as (oldest first), whose retained state may be restored. */
  jobHistory: string[];
  /** Suffix of sink.label-prefix for the current job: new on each fresh start, kept on restores ("" = none). */
  labelGeneration: string;
  /** JobManager timestamp of the newest exception already present when the job was last seen ready (0 = none). */
  exceptionsSeenUntil: number;
  /** Set by read: first lines of the newest exception after exceptionsSeenUntil, or "". Non-empty = drift. */
  lastFailure: string;
}

// ------------------------------------------------------------------ change policy

/**
 * States after which the job must be acted on: resubmitted (terminal, gone) or cancelled and restored from its
 * newest checkpoint (RESTARTING, FAILING: a job that keeps failing never reaches FAILED quickly).
 */
export const NEEDS_RESUBMIT: readonly string[] = [...TERMINAL_JOB_STATES, "GONE", "RESTARTING", "FAILING"];

/**
 * Diff policy (providers/policy.ts): a different pipeline or table is a new job (the old one is deleted first:
 * two jobs of one table would share its server-id range); everything else is applied by update. A recorded
 * job state that needs action (NEEDS_RESUBMIT after refresh), or a failure read found, is drift: an update.
 */
export const CHANGE_POLICY: ChangePolicy = {
  pipelineName: "replace",
  table: "replace",
  statements: "update",
  cdcPassword: "update",
  loaderPassword: "update",
  serverIdRange: "update",
  savepointNonce: "update",
  columns: "update",
  columnTypes: "update",
  upgradeMode: "update",
  gatewayUrl: "update",
  restUrl: "update",
  savepointDir: "update",
  checkpointDir: "update",
  jobOptions: "update",
  timeoutMs: "update",
  providerVersion: "update",
  s3Endpoint: "update",
  s3AccessKey: "update",
  s3SecretKey: "update",
  bucket: "update",
  s3Region: "update",
  jobState: driftWhen((olds) => NEEDS_RESUBMIT.includes(String(olds.jobState))),
  // The sink Table's id: a re-created table replaces the job, which is then deleted (stopped) before the drop.
  sinkTable: replacedWith("sinkTable"),
  lastFailure: driftWhen((olds) => typeof olds.lastFailure === "string" && olds.lastFailure !== ""),
};

// ------------------------------------------------------------------ provider

export interface CdcJobProviderDeps {
  /** Object store for loss recovery; default: MinIO client. */
  objectStore?: ObjectStoreFactory;
  /** Where progress messages go (never secrets); default: stderr. */
  log?: (message: string) => void;
  /** First poll/backoff delay (ms); default 250. */
  pollInitialMs?: number;
  pollMaxMs?: number;
}

const DEFAULTS = { upgradeMode: "savepoint" as UpgradeMode, timeoutMs: 300_000, savepointNonce: "", s3Region: "us-east-1" };

export function createCdcJobProvider(deps: CdcJobProviderDeps = {}): pulumi.dynamic.ResourceProvider {
  const log = (msg: string) => (deps.log ? deps.log(msg) : process.stderr.write(`[flink:CdcJob] ${msg}\n`));

  const secretsOf = (...ps: Array<Partial<CdcJobInputs> | undefined>): string[] =>
    ps.flatMap((p) => (p ? [p.s3SecretKey, p.s3AccessKey, p.cdcPassword, p.loaderPassword, ...passwordsInStatements(Array.isArray(p.statements) ? p.statements : [])] : []))
      .filter((v): v is string => typeof v === "string" && v !== "");

  const clientFor = (p: CdcJobInputs, ...others: Array<Partial<CdcJobInputs> | undefined>): FlinkClient =>
    new FlinkClient({
      gatewayUrl: p.gatewayUrl,
      restUrl: p.restUrl,
      timeoutMs: p.timeoutMs,
      secrets: secretsOf(p, ...others),
      initialDelayMs: deps.pollInitialMs,
      maxDelayMs: deps.pollMaxMs,
    });
  const storeFor = (p: CdcJobInputs): ObjectStore | undefined => {
    if (recoveryListingOff(p)) return undefined;
    const factory = deps.objectStore ?? minioObjectStore;
    return factory({ endpoint: p.s3Endpoint, accessKey: p.s3AccessKey, secretKey: p.s3SecretKey, bucket: p.bucket, region: p.s3Region || DEFAULTS.s3Region });
  };
  /** Error text safe to show: secrets scrubbed. */
  const safe = (err: unknown, ...ps: Array<Partial<CdcJobInputs> | undefined>): string => scrub(describeError(err), secretsOf(...ps));
  const contextFor = (p: CdcJobInputs, ...others: Array<Partial<CdcJobInputs> | undefined>): ExecContext => ({
    client: clientFor(p, ...others),
    store: storeFor(p),
    log,
    safe: (err) => safe(err, p, ...others),
  });

  return {
    async check(olds: any, news: any) {
      const failures: Array<{ property: string; reason: string }> = [];
      const inputs: any = { ...DEFAULTS, ...news };
      if (inputs.timeoutMs === undefined || inputs.timeoutMs === null) inputs.timeoutMs = DEFAULTS.timeoutMs;
      inputs.savepointNonce = inputs.savepointNonce === undefined || inputs.savepointNonce === null ? "" : String(inputs.savepointNonce);
      if (!inputs.checkpointDir && typeof inputs.bucket === "string" && !isUnknown(inputs.bucket)) inputs.checkpointDir = `s3://${inputs.bucket}/flink/checkpoints`;
      if (!inputs.savepointDir && typeof inputs.bucket === "string" && !isUnknown(inputs.bucket)) inputs.savepointDir = `s3://${inputs.bucket}/flink/savepoints`;
      const req = (k: string) => {
        const v = inputs[k];
        if (isUnknown(v)) return;
        if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) failures.push({ property: k, reason: `${k} is required` });
      };
      for (const k of ["gatewayUrl", "restUrl", "statements", "pipelineName", "table", "serverIdRange", "savepointDir", "checkpointDir"]) req(k);
      const onS3 = ["savepointDir", "checkpointDir"].some((k) => typeof inputs[k] === "string" && S3_URI.test(inputs[k]));
      if (onS3) req("bucket");
      // A placeholder without its password would submit an empty password.
      if (Array.isArray(inputs.statements) && !isUnknown(inputs.statements)) {
        const text = inputs.statements.join("\n");
        if (text.includes(CDC_PASSWORD_PLACEHOLDER)) req("cdcPassword");
        if (text.includes(LOADER_PASSWORD_PLACEHOLDER)) req("loaderPassword");
      }
      if (!isUnknown(inputs.upgradeMode) && !["savepoint", "stateless"].includes(inputs.upgradeMode)) {
        failures.push({ property: "upgradeMode", reason: `upgradeMode "${inputs.upgradeMode}" is not savepoint or stateless` });
      }
      const r = inputs.serverIdRange;
      if (r && !isUnknown(r) && typeof r === "object" && !(Number.isInteger(r.start) && Number.isInteger(r.end) && r.start >= 1 && r.end >= r.start)) {
        failures.push({ property: "serverIdRange", reason: `serverIdRange ${JSON.stringify(r)} is not {start, end} with 1 <= start <= end` });
      }
      for (const k of ["savepointDir", "checkpointDir"]) {
        const v = inputs[k];
        if (typeof v === "string" && v && !isUnknown(v) && !S3_URI.test(v)) {
          if (!/^(hdfs|file):\/\//.test(v)) failures.push({ property: k, reason: `${k} ${v} is not an s3://, hdfs:// or file:// URI` });
        } else if (typeof v === "string" && v && !isUnknown(v) && !isUnknown(inputs.bucket)) {
          try {
            const b = parseS3Uri(v).bucket;
            if (b !== inputs.bucket) failures.push({ property: k, reason: `${k} ${v} is not on bucket ${inputs.bucket}` });
          } catch (err) {
            failures.push({ property: k, reason: (err as Error).message });
          }
        }
      }
      if (!isUnknown(inputs.timeoutMs) && !(Number.isFinite(inputs.timeoutMs) && inputs.timeoutMs > 0)) failures.push({ property: "timeoutMs", reason: "timeoutMs must be a positive number" });
      return { inputs, failures };
    },

    async diff(_id: string, olds: any, news: any) {
      const d = diffByPolicy(olds, news, CHANGE_POLICY);
      return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: true };
    },

    // Observe (an active job of the pipeline, the registry, retained state), plan, act.
    async create(inputs: any) {
      const p = inputs as CdcJobInputs;
      const ctx = contextFor(p);
      try {
        const running = await findActiveJob(ctx.client, p.pipelineName);
        const reg = await readRegistry(ctx.store, p.pipelineName);
        if (!running && !ctx.store) log(`${p.pipelineName}: loss recovery is off: ${recoveryListingOff(p)}. A job lost with its JobManager restarts from a fresh snapshot; run the cluster with high availability so it keeps its jobs`);
        const retained = !running && ctx.store && reg.jobIds.length ? await newestRetainedState(ctx.store, p.checkpointDir, p.savepointDir, reg.jobIds) : undefined;
        const outs = await executeCreate(ctx, planCreate(running?.jid, retained), p, reg);
        return { id: p.pipelineName, outs };
      } catch (err) {
        throw new Error(`creating CDC job ${p.pipelineName} failed: ${safe(err, p)}`);
      }
    },

    async read(id: string, props: any) {
      const p = props as CdcJobOutputs;
      const seen = await observeForRead(clientFor(p), p, p.pipelineName ?? id);
      const job = seen.job;
      if (!job) return { id: "", props: {} };
      const jobHistory = seen.adopted ? [...(p.jobHistory ?? []).filter((j) => j !== job.jid), job.jid] : (p.jobHistory ?? [job.jid]);
      return { id, props: { ...p, jobId: job.jid, jobState: job.state, jobHistory, exceptionsSeenUntil: seen.seenUntil, lastFailure: seen.lastFailure } };
    },

    // Observe the job, plan one action from what changed (cdcJobPlanner.ts), carry it out (cdcJobExecutor.ts).
    async update(_id: string, olds: any, news: any) {
      const o = olds as CdcJobOutputs;
      const p = news as CdcJobInputs;
      const ctx = contextFor(p, o);
      try {
        const { restart, savepoint: nonce, resnapshot } = updateActions(o, p);
        const reg = await readRegistry(ctx.store, p.pipelineName).catch(() => ({ jobIds: [], labelGenerations: {} }));
        const observed = await observeJob(ctx.client, o, p.pipelineName);
        const plan = planUpdate(observed, { restart, nonce, resnapshot, upgradeMode: p.upgradeMode });
        return { outs: await executeUpdate(ctx, plan, observed, o, p, reg) };
      } catch (err) {
        throw new Error(`updating CDC job ${p.pipelineName} failed: ${safe(err, p, o)}`);
      }
    },

    async delete(_id: string, props: any) {
      const p = props as CdcJobOutputs;
      const ctx = contextFor(p);
      const job = await activeJobOf(ctx.client, p, p.pipelineName);
      if (job) await stopJob(ctx, job, p);
      // A deleted pipeline starts from a fresh snapshot if it is created again.
      if (ctx.store) await ctx.store.remove(registryKey(p.pipelineName)).catch(() => undefined);
    },
  } as pulumi.dynamic.ResourceProvider;
}

/** The one provider instance (serialized into state with each CdcJob). */
export const cdcJobProvider = createCdcJobProvider();

/**
 * Program-side arguments. `statements` stay plain (placeholders only) so previews show changes; the passwords
 * and S3 keys are stored as secrets.
 */
export interface CdcJobArgs {
  gatewayUrl: pulumi.Input<string>;
  restUrl: pulumi.Input<string>;
  /** Statements with ${CDC_PASSWORD}/${LOADER_PASSWORD} placeholders; must not contain a real password. */
  statements: pulumi.Input<pulumi.Input<string>[]>;
  /** Secret: substituted for ${CDC_PASSWORD} at submission. */
  cdcPassword: pulumi.Input<string>;
  /** Secret: substituted for ${LOADER_PASSWORD} at submission. */
  loaderPassword: pulumi.Input<string>;
  pipelineName: pulumi.Input<string>;
  table: pulumi.Input<string>;
  serverIdRange: pulumi.Input<{ start: pulumi.Input<number>; end: pulumi.Input<number> }>;
  upgradeMode?: pulumi.Input<UpgradeMode>;
  savepointDir: pulumi.Input<string>;
  checkpointDir?: pulumi.Input<string>;
  jobOptions?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  savepointNonce?: pulumi.Input<string | number>;
  /** The table's column names in order; an added one re-snapshots the table on update. */
  columns?: pulumi.Input<pulumi.Input<string>[]>;
  /** Each column's Flink source type, aligned with columns; a changed one re-snapshots the table on update. */
  columnTypes?: pulumi.Input<pulumi.Input<string>[]>;
  timeoutMs?: pulumi.Input<number>;
  providerVersion?: pulumi.Input<string>;
  s3Endpoint: pulumi.Input<string>;
  s3AccessKey: pulumi.Input<string>;
  /** Secret. */
  s3SecretKey: pulumi.Input<string>;
  bucket: pulumi.Input<string>;
  s3Region?: pulumi.Input<string>;
  /** The sink Table's id (Table.id): ties the job's lifetime to the table's (see CHANGE_POLICY). */
  sinkTable?: pulumi.Input<string>;
}

/** Output keys that hold secrets (re-marked by the engine as well, since their inputs are secret). */
export const CDC_JOB_SECRET_OUTPUTS = ["cdcPassword", "loaderPassword", "s3SecretKey", "s3AccessKey"];

export class CdcJob extends pulumi.dynamic.Resource {
  declare readonly jobId: pulumi.Output<string>;
  declare readonly jobName: pulumi.Output<string>;
  declare readonly jobState: pulumi.Output<string>;
  declare readonly serverIdRange: pulumi.Output<{ start: number; end: number }>;
  declare readonly lastSavepoint: pulumi.Output<string>;
  declare readonly restoredFrom: pulumi.Output<string>;
  declare readonly jobHistory: pulumi.Output<string[]>;
  declare readonly pipelineName: pulumi.Output<string>;
  declare readonly labelGeneration: pulumi.Output<string>;
  declare readonly lastFailure: pulumi.Output<string>;

  constructor(name: string, args: CdcJobArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      cdcJobProvider,
      name,
      {
        ...args,
        cdcPassword: pulumi.secret(args.cdcPassword),
        loaderPassword: pulumi.secret(args.loaderPassword),
        s3SecretKey: pulumi.secret(args.s3SecretKey),
        s3AccessKey: pulumi.secret(args.s3AccessKey),
        providerVersion: args.providerVersion ?? CDC_JOB_PROVIDER_VERSION,
        jobId: undefined,
        jobName: undefined,
        jobState: undefined,
        lastSavepoint: undefined,
        restoredFrom: undefined,
        jobHistory: undefined,
        labelGeneration: undefined,
        exceptionsSeenUntil: undefined,
        lastFailure: undefined,
      },
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...CDC_JOB_SECRET_OUTPUTS] },
      "flink",
      "CdcJob",
    );
  }
}
