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
 * Serialization rules: no pulumi.* inside provider methods, npm packages (minio) required inside methods, no
 * module-level mutable state. The Flink client (clients/flink.ts) is a local module and is serialized by value.
 */
import { CdcError } from "../clients/errors";
import * as pulumi from "@pulumi/pulumi";
import {
  FlinkClient,
  FlinkJobCrashLoopError,
  FlinkJobFailedError,
  FlinkSavepointFailedError,
  JobDetails,
  JobException,
  JobOverview,
  TERMINAL_JOB_STATES,
  passwordsInStatements,
  scrub,
} from "../clients/flink";
import { minioClient } from "../clients/minio";
import { WaitTimeoutError, describeError } from "../clients/wait";
import { CDC_PASSWORD_PLACEHOLDER, LOADER_PASSWORD_PLACEHOLDER } from "../render/flinkJob";
import { ChangePolicy, diffByPolicy, driftWhen, isUnknown, replacedWith, sameValue } from "./policy";
import { PROVIDER_VERSION } from "./version";

/** The providerVersion input (providers/version.ts): a bump shows as an update and stores the new code. */
export const CDC_JOB_PROVIDER_VERSION = PROVIDER_VERSION;

export type UpgradeMode = "savepoint" | "stateless";

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

// ------------------------------------------------------------------ object store seam

export interface StoredObject {
  key: string;
  lastModified: Date;
}

/** The few S3 calls loss recovery needs, on one bucket. */
export interface ObjectStore {
  list(prefix: string): Promise<StoredObject[]>;
  getText(key: string): Promise<string | undefined>;
  putText(key: string, body: string): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface S3Connection {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
}

export type ObjectStoreFactory = (conn: S3Connection) => ObjectStore;

/** The real store: MinIO's client (S3 ListObjectsV2, GetObject, PutObject, DeleteObject). */
export function minioObjectStore(conn: S3Connection): ObjectStore {
  const client = minioClient({ endpoint: conn.endpoint, accessKey: conn.accessKey, secretKey: conn.secretKey, region: conn.region });
  const isMissing = (err: unknown) => ["NoSuchKey", "NotFound", "NoSuchBucket"].includes((err as { code?: string }).code ?? "");
  return {
    list: (prefix) =>
      new Promise((resolve, reject) => {
        const out: StoredObject[] = [];
        const stream = client.listObjectsV2(conn.bucket, prefix, true);
        stream.on("data", (o: { name?: string; lastModified?: Date }) => {
          if (o.name) out.push({ key: o.name, lastModified: new Date(o.lastModified ?? 0) });
        });
        stream.on("error", (err: unknown) => (isMissing(err) ? resolve([]) : reject(err)));
        stream.on("end", () => resolve(out));
      }),
    getText: async (key) => {
      try {
        const stream = await client.getObject(conn.bucket, key);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(Buffer.from(c));
        return Buffer.concat(chunks).toString("utf8");
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    putText: async (key, body) => {
      await client.putObject(conn.bucket, key, Buffer.from(body, "utf8"), Buffer.byteLength(body), { "Content-Type": "application/json" });
    },
    remove: async (key) => {
      await client.removeObject(conn.bucket, key);
    },
  };
}

const S3_URI = /^s3[ap]?:\/\//;

/** Why loss recovery cannot list retained state for these inputs, or undefined when it can (both dirs on S3, a store configured). */
export function recoveryListingOff(p: Pick<CdcJobInputs, "checkpointDir" | "savepointDir" | "s3Endpoint" | "bucket">): string | undefined {
  const notS3 = [p.checkpointDir, p.savepointDir].filter((d) => !S3_URI.test(d ?? ""));
  // The provider runs where Pulumi runs; an hdfs:// or file:// path names the Flink cluster's filesystem, which it cannot list.
  if (notS3.length) return `${notS3.join(" and ")} ${notS3.length > 1 ? "are" : "is"} not on S3, so the provider cannot list the Flink cluster's retained checkpoints and savepoints`;
  if (!p.s3Endpoint || !p.bucket) return "no S3 endpoint or bucket is configured for listing retained state";
  return undefined;
}

/** `s3://bucket/some/dir` -> { bucket, prefix: "some/dir/" }. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3[ap]?:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new Error(`"${uri}" is not an s3:// URI`);
  const prefix = m[2].replace(/\/+$/, "");
  return { bucket: m[1], prefix: prefix ? prefix + "/" : "" };
}

export function registryKey(pipelineName: string): string {
  return `flink/cdc-jobs/${pipelineName}.json`;
}

export interface RetainedState {
  /** Directory to pass as execution.state-recovery.path. */
  path: string;
  kind: "checkpoint" | "savepoint";
  jobId: string;
  lastModified: Date;
}

/** The newest retained checkpoint or savepoint of the given job ids, by LastModified of its _metadata. */
export async function newestRetainedState(store: ObjectStore, checkpointDir: string, savepointDir: string, jobIds: readonly string[]): Promise<RetainedState | undefined> {
  const cp = parseS3Uri(checkpointDir);
  const sp = parseS3Uri(savepointDir);
  const found: RetainedState[] = [];
  for (const jobId of new Set(jobIds)) {
    if (!/^[0-9a-f]{32}$/.test(jobId)) continue;
    for (const o of await store.list(`${cp.prefix}${jobId}/`)) {
      const m = new RegExp(`^(${escapeRe(cp.prefix)}${jobId}/chk-\\d+)/_metadata$`).exec(o.key);
      if (m) found.push({ path: `s3://${cp.bucket}/${m[1]}`, kind: "checkpoint", jobId, lastModified: o.lastModified });
    }
    for (const o of await store.list(`${sp.prefix}savepoint-${jobId.slice(0, 6)}-`)) {
      const m = new RegExp(`^(${escapeRe(sp.prefix)}savepoint-${jobId.slice(0, 6)}-[0-9a-f]+)/_metadata$`).exec(o.key);
      if (m) found.push({ path: `s3://${sp.bucket}/${m[1]}`, kind: "savepoint", jobId, lastModified: o.lastModified });
    }
  }
  found.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime());
  return found[0];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
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

/**
 * What update does for each changed input: restart = resubmit the job (through a savepoint unless stateless),
 * savepoint = a one-off savepoint while the job keeps running; any other key is only recorded.
 */
export const UPDATE_ACTION: Partial<Record<keyof CdcJobInputs, "restart" | "savepoint">> = {
  statements: "restart",
  cdcPassword: "restart",
  loaderPassword: "restart",
  serverIdRange: "restart",
  jobOptions: "restart",
  savepointNonce: "savepoint",
};

/** Changed inputs that need an action in update. */
export function updateActions(olds: Partial<CdcJobInputs>, news: Partial<CdcJobInputs>): { restart: boolean; savepoint: boolean } {
  const changed = (k: keyof CdcJobInputs) => isUnknown(news[k]) || !sameValue(olds[k], news[k]);
  const keys = (Object.keys(UPDATE_ACTION) as Array<keyof CdcJobInputs>).filter(changed);
  return { restart: keys.some((k) => UPDATE_ACTION[k] === "restart"), savepoint: keys.some((k) => UPDATE_ACTION[k] === "savepoint") };
}

// ------------------------------------------------------------------ statements as submitted

/** The SQL of one job: statements with placeholders and the passwords to put in. */
export interface JobSql {
  statements: string[];
  cdcPassword?: string;
  loaderPassword?: string;
}

const LABEL_PREFIX_OPTION = /('sink\.label-prefix'\s*=\s*)'((?:[^']|'')*)'/g;

/** A new label generation: base-36 milliseconds, unique per fresh start and within [-_A-Za-z0-9]. */
export function newLabelGeneration(now = Date.now()): string {
  return `g${now.toString(36)}`;
}

/**
 * The statements as sent to the SQL Gateway: placeholders replaced by the passwords (as Flink string-literal
 * content: a quote doubled), and `sink.label-prefix` suffixed with the label generation when one is given.
 */
export function materialize(sql: JobSql, labelGeneration: string): string[] {
  const lit = (v: string | undefined) => (v ?? "").replace(/'/g, "''");
  return sql.statements.map((st) => {
    let out = st.split(CDC_PASSWORD_PLACEHOLDER).join(lit(sql.cdcPassword)).split(LOADER_PASSWORD_PLACEHOLDER).join(lit(sql.loaderPassword));
    if (labelGeneration) out = out.replace(LABEL_PREFIX_OPTION, (_m, lhs: string, v: string) => `${lhs}'${v}-${labelGeneration}'`);
    return out;
  });
}

/** `EXPLAIN PLAN FOR` each INSERT; other statements (the CREATE TEMPORARY TABLEs) as they are. */
export function planningStatements(statements: readonly string[]): string[] {
  return statements.map((s) => (/^\s*INSERT\b/i.test(s) ? `EXPLAIN PLAN FOR ${s.trim()}` : s));
}

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

/** A job that was submitted (jobId set) or not, and did not become ready. */
class StartError extends CdcError {
  constructor(message: string, public readonly jobId: string | undefined, public readonly timedOut: boolean) {
    super(message);
    this.name = "StartError";
  }
}

interface Registry {
  jobIds: string[];
  labelGenerations: Record<string, string>;
}

/** How a job is doing, as update and read judge it. */
interface JobHealth {
  job: JobDetails;
  /** Job RUNNING and every vertex RUNNING. */
  tasksRunning: boolean;
  /** The newest exception after the accepted baseline, if any. */
  failure?: JobException;
  lastCheckpointAt?: number;
}

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

  const readRegistry = async (store: ObjectStore | undefined, name: string): Promise<Registry> => {
    const empty: Registry = { jobIds: [], labelGenerations: {} };
    if (!store) return empty;
    const text = await store.getText(registryKey(name));
    if (!text) return empty;
    try {
      const json = JSON.parse(text);
      const ids = Array.isArray(json?.jobIds) ? json.jobIds.filter((x: unknown) => typeof x === "string") : [];
      const gens = json?.labelGenerations && typeof json.labelGenerations === "object" ? json.labelGenerations : {};
      return { jobIds: ids, labelGenerations: gens };
    } catch {
      return empty;
    }
  };
  const writeRegistry = async (store: ObjectStore | undefined, name: string, jobIds: string[], generations: Record<string, string>): Promise<void> => {
    if (!store) return;
    const labelGenerations = Object.fromEntries(jobIds.filter((j) => generations[j] !== undefined).map((j) => [j, generations[j]]));
    await store.putText(registryKey(name), JSON.stringify({ pipelineName: name, jobIds, labelGenerations }, null, 2) + "\n");
  };

  /** Submits the statements in a fresh session; returns the new job id (not yet ready). */
  const submit = async (client: FlinkClient, p: CdcJobInputs, sql: JobSql, restorePath: string | undefined, labelGeneration: string): Promise<string> => {
    const executionConfig: Record<string, string> = { ...(p.jobOptions ?? {}), "pipeline.name": p.pipelineName };
    if (restorePath) executionConfig["execution.state-recovery.path"] = restorePath;
    const session = await client.openSession(p.pipelineName);
    let jobId: string | undefined;
    try {
      for (const statement of materialize(sql, labelGeneration)) {
        const r = await client.runStatement(session, statement, executionConfig);
        if (r.jobID) jobId = r.jobID;
      }
    } finally {
      await client.closeSession(session).catch(() => undefined);
    }
    if (!jobId) throw new Error(`the statements of ${p.pipelineName} submitted no job (no jobID in the INSERT's result)`);
    return jobId;
  };

  /**
   * Submits and waits until ready. A job that fails or crash-loops is cancelled (so it does not hold the
   * server-id range or loop on) and reported as a StartError with its root cause; a timeout leaves it running.
   */
  const start = async (client: FlinkClient, p: CdcJobInputs, sql: JobSql, restorePath: string | undefined, labelGeneration: string): Promise<{ jobId: string; seenUntil: number }> => {
    let jobId: string | undefined;
    try {
      jobId = await submit(client, p, sql, restorePath, labelGeneration);
      const ready = await client.waitForJobReady(jobId, p.timeoutMs);
      return { jobId, seenUntil: ready.newestExceptionAt };
    } catch (err) {
      const failed = err instanceof FlinkJobCrashLoopError || err instanceof FlinkJobFailedError;
      if (jobId && failed) {
        if (await client.cancelJob(jobId).catch(() => false)) await client.waitForJobState(jobId, ["CANCELED", "FAILED", "FINISHED"], p.timeoutMs).catch(() => undefined);
        throw new StartError(`${describeError(err)} (job ${jobId} was cancelled; its exceptions stay at GET /jobs/${jobId}/exceptions)`, jobId, false);
      }
      throw new StartError(describeError(err), jobId, err instanceof WaitTimeoutError);
    }
  };

  /** Plans the statements in a scratch session: CREATE TEMPORARY ..., then EXPLAIN PLAN FOR INSERT .... */
  const plan = async (client: FlinkClient, p: CdcJobInputs, sql: JobSql): Promise<void> => {
    const session = await client.openSession(`${p.pipelineName}-plan`);
    try {
      for (const statement of planningStatements(materialize(sql, ""))) {
        const r = await client.runStatement(session, statement);
        await client.closeOperation(session, r.operation).catch(() => undefined);
      }
    } finally {
      await client.closeSession(session).catch(() => undefined);
    }
  };

  /** An active (non-terminal) job of this pipeline, newest first. */
  const findActive = async (client: FlinkClient, name: string): Promise<JobOverview | undefined> => {
    const jobs = await client.findJobsByName(name);
    return jobs.find((j) => !TERMINAL_JOB_STATES.includes(j.state));
  };

  /** The recorded job if it is still active, else an active job of the pipeline (e.g. restored by a rollback). */
  const currentJob = async (client: FlinkClient, o: Partial<CdcJobOutputs>, name: string): Promise<JobDetails | undefined> => {
    const recorded = o.jobId ? await client.getJob(o.jobId) : undefined;
    if (recorded && !TERMINAL_JOB_STATES.includes(recorded.state)) return recorded;
    const active = await findActive(client, name);
    return active ? ((await client.getJob(active.jid)) ?? undefined) : undefined;
  };

  const healthOf = async (client: FlinkClient, job: JobDetails, seenUntil: number): Promise<JobHealth> => {
    const tasksRunning = job.state === "RUNNING" && (job.vertices ?? []).every((v) => v.status === "RUNNING");
    const newest = await client.newestException(job.jid);
    const cps = await client.checkpointStats(job.jid);
    return { job, tasksRunning, failure: newest && newest.timestamp > seenUntil ? newest : undefined, lastCheckpointAt: cps?.latestAt };
  };

  const outputs = (p: CdcJobInputs, extra: Omit<CdcJobOutputs, keyof CdcJobInputs | "jobName" | "lastFailure"> & { lastFailure?: string }): CdcJobOutputs => ({
    ...p,
    jobName: p.pipelineName,
    lastFailure: "",
    ...extra,
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

    async create(inputs: any) {
      const p = inputs as CdcJobInputs;
      const client = clientFor(p);
      const store = storeFor(p);
      try {
        const running = await findActive(client, p.pipelineName);
        const reg = await readRegistry(store, p.pipelineName);
        if (running) {
          // Adopt: a job of this pipeline already runs (a previous create that timed out, or a lost state).
          // Failures it had before count as seen; a new one while we wait means it is still failing.
          const before = await client.newestException(running.jid);
          const ready = await client.waitForJobReady(running.jid, p.timeoutMs, before?.timestamp ?? 0);
          const jobHistory = [...reg.jobIds.filter((j) => j !== running.jid), running.jid];
          await writeRegistry(store, p.pipelineName, jobHistory, reg.labelGenerations);
          log(`adopted running job ${running.jid} of ${p.pipelineName}`);
          return { id: p.pipelineName, outs: outputs(p, { jobId: running.jid, jobState: "RUNNING", lastSavepoint: "", restoredFrom: "", jobHistory, labelGeneration: reg.labelGenerations[running.jid] ?? "", exceptionsSeenUntil: ready.newestExceptionAt }) };
        }
        if (!store) log(`${p.pipelineName}: loss recovery is off: ${recoveryListingOff(p)}. A job lost with its JobManager restarts from a fresh snapshot; run the cluster with high availability so it keeps its jobs`);
        const retained = store && reg.jobIds.length ? await newestRetainedState(store, p.checkpointDir, p.savepointDir, reg.jobIds) : undefined;
        if (retained) log(`${p.pipelineName}: resuming from ${retained.kind} ${retained.path} of lost job ${retained.jobId}`);
        const labelGeneration = retained ? (reg.labelGenerations[retained.jobId] ?? "") : newLabelGeneration();
        let started: { jobId: string; seenUntil: number };
        try {
          started = await start(client, p, p, retained?.path, labelGeneration);
        } catch (err) {
          if (err instanceof StartError && err.jobId) {
            await writeRegistry(store, p.pipelineName, [...reg.jobIds, err.jobId], { ...reg.labelGenerations, [err.jobId]: labelGeneration });
          }
          throw err;
        }
        const jobHistory = [...reg.jobIds, started.jobId];
        await writeRegistry(store, p.pipelineName, jobHistory, { ...reg.labelGenerations, [started.jobId]: labelGeneration });
        return { id: p.pipelineName, outs: outputs(p, { jobId: started.jobId, jobState: "RUNNING", lastSavepoint: "", restoredFrom: retained?.path ?? "", jobHistory, labelGeneration, exceptionsSeenUntil: started.seenUntil }) };
      } catch (err) {
        throw new Error(`creating CDC job ${p.pipelineName} failed: ${safe(err, p)}`);
      }
    },

    async read(id: string, props: any) {
      const p = props as CdcJobOutputs;
      const client = clientFor(p);
      let job: JobDetails | undefined = p.jobId ? await client.getJob(p.jobId) : undefined;
      // Unknown id (JobManager restart without HA) or a finished one (a failed update restored the previous
      // statements under a new id): look for an active job of the pipeline by name.
      if (!job || TERMINAL_JOB_STATES.includes(job.state)) {
        const active = await findActive(client, p.pipelineName ?? id);
        if (active) job = await client.getJob(active.jid);
      }
      if (!job) return { id: "", props: {} };
      const adopted = job.jid !== p.jobId;
      const seenUntil = adopted ? 0 : (p.exceptionsSeenUntil ?? 0);
      const newest = await client.newestException(job.jid);
      const lastFailure = newest && newest.timestamp > seenUntil ? newest.text : "";
      const jobHistory = adopted ? [...(p.jobHistory ?? []).filter((j) => j !== job!.jid), job.jid] : (p.jobHistory ?? [job.jid]);
      return { id, props: { ...p, jobId: job.jid, jobState: job.state, jobHistory, exceptionsSeenUntil: seenUntil, lastFailure } };
    },

    async update(_id: string, olds: any, news: any) {
      const o = olds as CdcJobOutputs;
      const p = news as CdcJobInputs;
      const client = clientFor(p, o);
      const { restart, savepoint: nonce } = updateActions(o, p);
      const store = storeFor(p);
      const reg = await readRegistry(store, p.pipelineName).catch((): Registry => ({ jobIds: [], labelGenerations: {} }));
      const generations: Record<string, string> = { ...reg.labelGenerations };
      if (o.jobId && o.labelGeneration !== undefined && generations[o.jobId] === undefined) generations[o.jobId] = o.labelGeneration;
      const generationOf = (jobId: string | undefined) => (jobId && generations[jobId] !== undefined ? generations[jobId] : (o.labelGeneration ?? ""));
      let history = o.jobHistory ?? [];
      const oldSql: JobSql = { statements: o.statements ?? [], cdcPassword: o.cdcPassword, loaderPassword: o.loaderPassword };
      try {
        const job = await currentJob(client, o, p.pipelineName);
        let seenUntil = job && job.jid === o.jobId ? (o.exceptionsSeenUntil ?? 0) : 0;
        const health = job ? await healthOf(client, job, seenUntil) : undefined;
        if (health?.failure && health.tasksRunning && (health.lastCheckpointAt ?? 0) > health.failure.timestamp) {
          // It failed since it was last ready, but runs again and checkpointed after the failure: recovered.
          log(`${p.pipelineName}: job ${job!.jid} recovered from an earlier failure (${health.failure.text})`);
          seenUntil = health.failure.timestamp;
          health.failure = undefined;
        }
        const healthy = !!health && health.tasksRunning && !health.failure;
        if (job && !history.includes(job.jid)) history = [...history, job.jid];

        if (job && healthy && !restart) {
          // Options only, or a one-off savepoint; the job keeps running.
          let lastSavepoint = o.lastSavepoint ?? "";
          if (nonce) {
            const trigger = await client.triggerSavepoint(job.jid, p.savepointDir);
            lastSavepoint = await client.waitForSavepoint(job.jid, trigger, p.timeoutMs);
            log(`${p.pipelineName}: savepoint ${lastSavepoint} of job ${job.jid}`);
          }
          return { outs: outputs(p, { jobId: job.jid, jobState: job.state, lastSavepoint, restoredFrom: o.restoredFrom ?? "", jobHistory: history, labelGeneration: generationOf(job.jid), exceptionsSeenUntil: seenUntil }) };
        }

        if (restart && job) {
          // Plan first: a statement Flink cannot plan (unknown option, sink table check) must not stop the job.
          try {
            await plan(client, p, p);
          } catch (err) {
            throw new Error(`the new statements do not plan in Flink, so job ${job.jid} keeps running unchanged: ${safe(err, p, o)}`);
          }
        }

        let restorePath: string | undefined;
        let restoreFromJob: string | undefined;
        let lastSavepoint = o.lastSavepoint ?? "";
        /** Where the previous statements can be restored from if the new job fails (undefined = fresh). */
        let rollbackPath: string | undefined;
        if (job && healthy) {
          if (p.upgradeMode === "stateless") {
            await client.cancelJob(job.jid);
            await client.waitForJobState(job.jid, ["CANCELED", "FAILED", "FINISHED"], p.timeoutMs);
            rollbackPath = await client.latestCheckpoint(job.jid);
            log(`${p.pipelineName}: cancelled job ${job.jid} for a stateless upgrade (fresh snapshot)`);
          } else {
            const trigger = await client.stopWithSavepoint(job.jid, p.savepointDir);
            try {
              lastSavepoint = await client.waitForSavepoint(job.jid, trigger, p.timeoutMs);
            } catch (err) {
              if (err instanceof FlinkSavepointFailedError) {
                throw new Error(`stop-with-savepoint of job ${job.jid} failed, the old job keeps running and nothing was changed: ${err.cause}`);
              }
              throw err;
            }
            await client.waitForJobState(job.jid, ["FINISHED", "CANCELED", "FAILED"], p.timeoutMs);
            restorePath = lastSavepoint;
            restoreFromJob = job.jid;
            rollbackPath = lastSavepoint;
            log(`${p.pipelineName}: stopped job ${job.jid} with savepoint ${lastSavepoint}`);
          }
        } else {
          if (job) {
            // Not fully running (RESTARTING, tasks not all RUNNING, or failed since it was last ready): a
            // savepoint needs every task running and would fail, so cancel and restore from retained state.
            const why = health?.failure ? `; last failure: ${health.failure.text}` : "";
            log(`${p.pipelineName}: job ${job.jid} is ${job.state} and not fully running${why}; cancelling it to resume from its newest retained checkpoint`);
            await client.cancelJob(job.jid);
            await client.waitForJobState(job.jid, ["CANCELED", "FAILED", "FINISHED"], p.timeoutMs);
          }
          if (p.upgradeMode !== "stateless") {
            // The old job failed, is gone or was cancelled: resume from its newest retained state.
            const ids = [...new Set([...history, ...reg.jobIds, ...(o.jobId ? [o.jobId] : []), ...(job ? [job.jid] : [])])];
            const retained = store ? await newestRetainedState(store, p.checkpointDir, p.savepointDir, ids) : undefined;
            const lastId = job?.jid ?? o.jobId;
            restorePath = retained?.path ?? (lastId ? await client.latestCheckpoint(lastId) : undefined);
            restoreFromJob = retained?.jobId ?? lastId;
            rollbackPath = restorePath;
            if (restorePath) log(`${p.pipelineName}: job ${lastId || "(none)"} is ${job ? "cancelled" : "failed or gone"}; resuming from ${restorePath}`);
          }
        }
        if (p.upgradeMode === "stateless") history = [];
        const labelGeneration = restorePath ? generationOf(restoreFromJob) : newLabelGeneration();
        try {
          const started = await start(client, p, p, restorePath, labelGeneration);
          history = [...history, started.jobId];
          generations[started.jobId] = labelGeneration;
          await writeRegistry(store, p.pipelineName, history, generations);
          return { outs: outputs(p, { jobId: started.jobId, jobState: "RUNNING", lastSavepoint, restoredFrom: restorePath ?? "", jobHistory: history, labelGeneration, exceptionsSeenUntil: started.seenUntil }) };
        } catch (err) {
          const se = err instanceof StartError ? err : new StartError(describeError(err), undefined, false);
          if (se.jobId) {
            history = [...history, se.jobId];
            generations[se.jobId] = labelGeneration;
          }
          // A job still starting when the wait ran out is not known to be broken, and the table has it.
          const stoppedHere = !!job;
          if (!restart || !stoppedHere || se.timedOut) {
            await writeRegistry(store, p.pipelineName, history, generations).catch(() => undefined);
            const hint = restorePath ? ` To resume by hand, submit with execution.state-recovery.path=${restorePath}.` : "";
            throw new Error(`${safe(se, p, o)}.${hint}`);
          }
          // The new statements failed after the old job stopped: bring the old statements back from the same
          // savepoint (or, stateless, the old job's retained checkpoint), so the table is not left without a job.
          const rollbackGeneration = rollbackPath ? generationOf(restoreFromJob ?? job!.jid) : newLabelGeneration();
          log(`${p.pipelineName}: the new job failed (${safe(se, p, o)}); resubmitting the previous statements from ${rollbackPath ?? "a fresh snapshot"}`);
          let back: { jobId: string };
          try {
            back = await start(client, { ...p, ...oldSql } as CdcJobInputs, oldSql, rollbackPath, rollbackGeneration);
          } catch (err2) {
            await writeRegistry(store, p.pipelineName, history, generations).catch(() => undefined);
            const hint = rollbackPath ? ` Resume by hand with execution.state-recovery.path=${rollbackPath}.` : "";
            throw new Error(`the new statements failed (${safe(se, p, o)}) and restoring the previous statements failed too (${safe(err2, p, o)}); the table has no running job.${hint}`);
          }
          history = [...history.filter((j) => j !== back.jobId), back.jobId];
          generations[back.jobId] = rollbackGeneration;
          await writeRegistry(store, p.pipelineName, history, generations);
          throw new Error(`the new statements failed after job ${job!.jid} stopped: ${safe(se, p, o)}. The previous statements run again as job ${back.jobId}, restored from ${rollbackPath ?? "a fresh snapshot"}; the table keeps its job. Fix the change and run pulumi up again`);
        }
      } catch (err) {
        throw new Error(`updating CDC job ${p.pipelineName} failed: ${safe(err, p, o)}`);
      }
    },

    async delete(_id: string, props: any) {
      const p = props as CdcJobOutputs;
      const client = clientFor(p);
      const job = await currentJob(client, p, p.pipelineName);
      if (job) {
        const jobId = job.jid;
        const tasksRunning = job.state === "RUNNING" && (job.vertices ?? []).every((v) => v.status === "RUNNING");
        try {
          if (!tasksRunning) throw new Error(`job is ${job.state} and its tasks do not all run, so no savepoint can be taken`);
          const trigger = await client.stopWithSavepoint(jobId, p.savepointDir);
          const location = await client.waitForSavepoint(jobId, trigger, p.timeoutMs);
          await client.waitForJobState(jobId, ["FINISHED", "CANCELED", "FAILED"], p.timeoutMs);
          log(`${p.pipelineName}: stopped job ${jobId} with savepoint ${location}; to resume by hand, submit its statements with execution.state-recovery.path=${location}`);
        } catch (err) {
          log(`${p.pipelineName}: stop-with-savepoint of job ${jobId} did not complete (${safe(err, p)}); cancelling it`);
          const cancelled = await client.cancelJob(jobId);
          if (!cancelled) log(`${p.pipelineName}: job ${jobId} had already ended`);
          await client.waitForJobState(jobId, ["CANCELED", "FAILED", "FINISHED"], p.timeoutMs);
          const cp = await client.latestCheckpoint(jobId).catch(() => undefined);
          log(`${p.pipelineName}: job ${jobId} ended${cp ? `; its latest retained checkpoint is ${cp}` : ""}`);
        }
      }
      // A deleted pipeline starts from a fresh snapshot if it is created again.
      const store = storeFor(p);
      if (store) await store.remove(registryKey(p.pipelineName)).catch(() => undefined);
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
