/**
 * CdcJob: one Flink SQL CDC job (MySQL table -> StarRocks table) as a Pulumi dynamic resource.
 *
 * - create: submits the job through the SQL Gateway (one session per job, one statement per request, the job
 *   name and any restore path in each statement's executionConfig), waits until it is RUNNING. If a job of
 *   this pipeline already runs, it is adopted instead of submitting a duplicate (two jobs would share a
 *   server-id range). If the pipeline ran before and its job was lost (a JobManager restart without HA forgets
 *   every job), the newest retained checkpoint or savepoint on the object store is restored, so the loss costs
 *   neither a re-snapshot nor rows.
 * - read: job state from the JobManager; an unknown id (404) is looked up by pipeline.name among active
 *   jobs; none found = gone (blank id). FAILED/CANCELED/FINISHED are reported so diff resubmits.
 * - update: stop-with-savepoint, then resubmit restoring from it (upgradeMode "savepoint"), or cancel and start
 *   fresh ("stateless"). A failed savepoint aborts the update and leaves the old job RUNNING. A changed
 *   savepointNonce alone triggers a one-off savepoint; the job keeps running.
 * - delete: stop-with-savepoint (the path is logged for a manual resume); cancel when that does not complete.
 *
 * Loss recovery. The JobManager's memory is gone after a restart, and `pulumi refresh` drops a gone resource
 * from state, so the job ids a pipeline has used are also recorded in a small registry object on the bucket,
 * `flink/cdc-jobs/<pipelineName>.json` ({"pipelineName","jobIds":[...]}), besides the `jobHistory` output.
 * Recovery lists `<checkpointDir>/<jobId>/chk-N/_metadata` and `<savepointDir>/savepoint-<first 6 hex of
 * jobId>-<random>/_metadata` (Flink's layouts) for those ids only and restores the newest by LastModified.
 * The object store sits behind the ObjectStore seam; tests inject an in-memory one.
 *
 * Serialization rules: no pulumi.* inside provider methods, npm packages (minio) required inside methods, no
 * module-level mutable state. The Flink client (clients/flink.ts) is a local module and is serialized by value.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  FlinkClient,
  FlinkSavepointFailedError,
  JobOverview,
  JobState,
  TERMINAL_JOB_STATES,
  passwordsInStatements,
  scrub,
} from "../clients/flink";
import { minioClient } from "../clients/minio";
import { describeError } from "../clients/wait";
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
  /** CREATE source, CREATE sink, INSERT (secret: they contain passwords). */
  statements: string[];
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
  /** Last state seen: RUNNING after create/update, the JobManager's state after refresh. */
  jobState: string;
  /** Path of the last savepoint taken by this resource (update, nonce, delete), or "". */
  lastSavepoint: string;
  /** Checkpoint or savepoint the current job was restored from, or "" for a fresh snapshot. */
  restoredFrom: string;
  /** Job ids this pipeline has run as (oldest first), whose retained state may be restored. */
  jobHistory: string[];
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
 * Diff policy (providers/policy.ts): a different pipeline or table is a new job (the old one is deleted first:
 * two jobs of one table would share its server-id range); everything else is applied by update. A recorded
 * job state that needs a resubmit (FAILED, CANCELED, FINISHED after refresh) is drift and also an update.
 */
export const CHANGE_POLICY: ChangePolicy = {
  pipelineName: "replace",
  table: "replace",
  statements: "update",
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
};

/**
 * What update does for each changed input: restart = resubmit the job (through a savepoint unless stateless),
 * savepoint = a one-off savepoint while the job keeps running; any other key is only recorded.
 */
export const UPDATE_ACTION: Partial<Record<keyof CdcJobInputs, "restart" | "savepoint">> = {
  statements: "restart",
  serverIdRange: "restart",
  jobOptions: "restart",
  savepointNonce: "savepoint",
};

/** States after which the job must be resubmitted. */
export const NEEDS_RESUBMIT: readonly string[] = [...TERMINAL_JOB_STATES, "GONE"];

/** Changed inputs that need an action in update. */
export function updateActions(olds: Partial<CdcJobInputs>, news: Partial<CdcJobInputs>): { restart: boolean; savepoint: boolean } {
  const changed = (k: keyof CdcJobInputs) => isUnknown(news[k]) || !sameValue(olds[k], news[k]);
  const keys = (Object.keys(UPDATE_ACTION) as Array<keyof CdcJobInputs>).filter(changed);
  return { restart: keys.some((k) => UPDATE_ACTION[k] === "restart"), savepoint: keys.some((k) => UPDATE_ACTION[k] === "savepoint") };
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

export function createCdcJobProvider(deps: CdcJobProviderDeps = {}): pulumi.dynamic.ResourceProvider {
  const log = (msg: string) => (deps.log ? deps.log(msg) : process.stderr.write(`[flink:CdcJob] ${msg}\n`));

  const clientFor = (p: CdcJobInputs): FlinkClient => {
    const c = new FlinkClient({
      gatewayUrl: p.gatewayUrl,
      restUrl: p.restUrl,
      timeoutMs: p.timeoutMs,
      secrets: [p.s3SecretKey, p.s3AccessKey, ...passwordsInStatements(p.statements ?? [])].filter(Boolean),
      initialDelayMs: deps.pollInitialMs,
      maxDelayMs: deps.pollMaxMs,
    });
    return c;
  };
  const storeFor = (p: CdcJobInputs): ObjectStore | undefined => {
    if (recoveryListingOff(p)) return undefined;
    const factory = deps.objectStore ?? minioObjectStore;
    return factory({ endpoint: p.s3Endpoint, accessKey: p.s3AccessKey, secretKey: p.s3SecretKey, bucket: p.bucket, region: p.s3Region || DEFAULTS.s3Region });
  };
  /** Error text safe to show: secrets scrubbed. */
  const safe = (p: CdcJobInputs, err: unknown): string =>
    scrub(describeError(err), [p.s3SecretKey, p.s3AccessKey, ...passwordsInStatements(p.statements ?? [])].filter(Boolean));

  const readRegistry = async (store: ObjectStore | undefined, name: string): Promise<string[]> => {
    if (!store) return [];
    const text = await store.getText(registryKey(name));
    if (!text) return [];
    try {
      const ids = JSON.parse(text)?.jobIds;
      return Array.isArray(ids) ? ids.filter((x: unknown) => typeof x === "string") : [];
    } catch {
      return [];
    }
  };
  const writeRegistry = async (store: ObjectStore | undefined, name: string, jobIds: string[]): Promise<void> => {
    if (!store) return;
    await store.putText(registryKey(name), JSON.stringify({ pipelineName: name, jobIds }, null, 2) + "\n");
  };

  /** Submits the statements in a fresh session; returns the new job id once it is RUNNING. */
  const submit = async (p: CdcJobInputs, restorePath: string | undefined): Promise<string> => {
    const client = clientFor(p);
    const executionConfig: Record<string, string> = { ...(p.jobOptions ?? {}), "pipeline.name": p.pipelineName };
    if (restorePath) executionConfig["execution.state-recovery.path"] = restorePath;
    const session = await client.openSession(p.pipelineName);
    let jobId: string | undefined;
    try {
      for (const statement of p.statements) {
        const r = await client.runStatement(session, statement, executionConfig);
        if (r.jobID) jobId = r.jobID;
      }
    } finally {
      await client.closeSession(session).catch(() => undefined);
    }
    if (!jobId) throw new Error(`the statements of ${p.pipelineName} submitted no job (no jobID in the INSERT's result)`);
    await client.waitForJobRunning(jobId, p.timeoutMs);
    return jobId;
  };

  /** An active (non-terminal) job of this pipeline, newest first. */
  const findActive = async (client: FlinkClient, name: string): Promise<JobOverview | undefined> => {
    const jobs = await client.findJobsByName(name);
    return jobs.find((j) => !TERMINAL_JOB_STATES.includes(j.state));
  };

  const outputs = (p: CdcJobInputs, extra: Omit<CdcJobOutputs, keyof CdcJobInputs | "jobName">): CdcJobOutputs => ({
    ...p,
    jobName: p.pipelineName,
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
      try {
        const running = await findActive(client, p.pipelineName);
        const store = storeFor(p);
        const history = await readRegistry(store, p.pipelineName);
        if (running) {
          // Adopt: a job of this pipeline already runs (a previous create that timed out, or a lost state).
          await client.waitForJobRunning(running.jid, p.timeoutMs);
          const jobHistory = [...history.filter((j) => j !== running.jid), running.jid];
          await writeRegistry(store, p.pipelineName, jobHistory);
          log(`adopted running job ${running.jid} of ${p.pipelineName}`);
          return { id: p.pipelineName, outs: outputs(p, { jobId: running.jid, jobState: "RUNNING", lastSavepoint: "", restoredFrom: "", jobHistory }) };
        }
        if (!store) log(`${p.pipelineName}: loss recovery is off: ${recoveryListingOff(p)}. A job lost with its JobManager restarts from a fresh snapshot; run the cluster with high availability so it keeps its jobs`);
        const retained = store && history.length ? await newestRetainedState(store, p.checkpointDir, p.savepointDir, history) : undefined;
        if (retained) log(`${p.pipelineName}: resuming from ${retained.kind} ${retained.path} of lost job ${retained.jobId}`);
        const jobId = await submit(p, retained?.path);
        const jobHistory = [...history, jobId];
        await writeRegistry(store, p.pipelineName, jobHistory);
        return { id: p.pipelineName, outs: outputs(p, { jobId, jobState: "RUNNING", lastSavepoint: "", restoredFrom: retained?.path ?? "", jobHistory }) };
      } catch (err) {
        throw new Error(`creating CDC job ${p.pipelineName} failed: ${safe(p, err)}`);
      }
    },

    async read(id: string, props: any) {
      const p = props as CdcJobOutputs;
      const client = clientFor(p);
      const job = p.jobId ? await client.getJob(p.jobId) : undefined;
      if (job) return { id, props: { ...p, jobState: job.state } };
      // Unknown id: the JobManager restarted (no HA) or the job was removed. Look for it by name.
      const active = await findActive(client, p.pipelineName ?? id);
      if (active) {
        const jobHistory = [...(p.jobHistory ?? []).filter((j) => j !== active.jid), active.jid];
        return { id, props: { ...p, jobId: active.jid, jobState: active.state, jobHistory } };
      }
      return { id: "", props: {} };
    },

    async update(_id: string, olds: any, news: any) {
      const o = olds as CdcJobOutputs;
      const p = news as CdcJobInputs;
      const client = clientFor(p);
      client.addSecrets(passwordsInStatements(o.statements ?? []));
      const { restart, savepoint: nonce } = updateActions(o, p);
      const store = storeFor(p);
      let history = o.jobHistory ?? [];
      try {
        const oldJob = o.jobId ? await client.getJob(o.jobId) : undefined;
        const active = !!oldJob && !TERMINAL_JOB_STATES.includes(oldJob.state);

        if (active && !restart) {
          // Options only, or a one-off savepoint; the job keeps running.
          let lastSavepoint = o.lastSavepoint ?? "";
          if (nonce) {
            const trigger = await client.triggerSavepoint(o.jobId, p.savepointDir);
            lastSavepoint = await client.waitForSavepoint(o.jobId, trigger, p.timeoutMs);
            log(`${p.pipelineName}: savepoint ${lastSavepoint} of job ${o.jobId}`);
          }
          return { outs: outputs(p, { jobId: o.jobId, jobState: oldJob!.state, lastSavepoint, restoredFrom: o.restoredFrom ?? "", jobHistory: history }) };
        }

        let restorePath: string | undefined;
        let lastSavepoint = o.lastSavepoint ?? "";
        if (active) {
          if (p.upgradeMode === "stateless") {
            await client.cancelJob(o.jobId);
            await client.waitForJobState(o.jobId, ["CANCELED", "FAILED", "FINISHED"], p.timeoutMs);
            log(`${p.pipelineName}: cancelled job ${o.jobId} for a stateless upgrade (fresh snapshot)`);
          } else {
            const trigger = await client.stopWithSavepoint(o.jobId, p.savepointDir);
            try {
              lastSavepoint = await client.waitForSavepoint(o.jobId, trigger, p.timeoutMs);
            } catch (err) {
              if (err instanceof FlinkSavepointFailedError) {
                throw new Error(`stop-with-savepoint of job ${o.jobId} failed, the old job keeps running and nothing was changed: ${err.cause}`);
              }
              throw err;
            }
            await client.waitForJobState(o.jobId, ["FINISHED", "CANCELED", "FAILED"], p.timeoutMs);
            restorePath = lastSavepoint;
            log(`${p.pipelineName}: stopped job ${o.jobId} with savepoint ${lastSavepoint}`);
          }
        } else if (p.upgradeMode !== "stateless") {
          // The old job failed or is gone: resume from its newest retained state.
          const ids = [...new Set([...history, ...(await readRegistry(store, p.pipelineName)), ...(o.jobId ? [o.jobId] : [])])];
          const retained = store ? await newestRetainedState(store, p.checkpointDir, p.savepointDir, ids) : undefined;
          restorePath = retained?.path ?? (o.jobId ? await client.latestCheckpoint(o.jobId) : undefined);
          if (restorePath) log(`${p.pipelineName}: job ${o.jobId || "(none)"} is ${oldJob?.state ?? "gone"}; resuming from ${restorePath}`);
        }
        if (p.upgradeMode === "stateless") history = [];
        let jobId: string;
        try {
          jobId = await submit(p, restorePath);
        } catch (err) {
          const hint = restorePath ? ` To resume by hand, submit with execution.state-recovery.path=${restorePath}.` : "";
          throw new Error(`${safe(p, err)}.${hint}`);
        }
        history = [...history, jobId];
        await writeRegistry(store, p.pipelineName, history);
        return { outs: outputs(p, { jobId, jobState: "RUNNING", lastSavepoint, restoredFrom: restorePath ?? "", jobHistory: history }) };
      } catch (err) {
        throw new Error(`updating CDC job ${p.pipelineName} failed: ${safe(p, err)}`);
      }
    },

    async delete(_id: string, props: any) {
      const p = props as CdcJobOutputs;
      const client = clientFor(p);
      let job = p.jobId ? await client.getJob(p.jobId) : undefined;
      if (!job || TERMINAL_JOB_STATES.includes(job.state)) job = await findActive(client, p.pipelineName);
      if (job && !TERMINAL_JOB_STATES.includes(job.state)) {
        const jobId = job.jid;
        try {
          const trigger = await client.stopWithSavepoint(jobId, p.savepointDir);
          const location = await client.waitForSavepoint(jobId, trigger, p.timeoutMs);
          await client.waitForJobState(jobId, ["FINISHED", "CANCELED", "FAILED"], p.timeoutMs);
          log(`${p.pipelineName}: stopped job ${jobId} with savepoint ${location}; to resume by hand, submit its statements with execution.state-recovery.path=${location}`);
        } catch (err) {
          log(`${p.pipelineName}: stop-with-savepoint of job ${jobId} did not complete (${safe(p, err)}); cancelling it`);
          await client.cancelJob(jobId);
          await client.waitForJobState(jobId, ["CANCELED", "FAILED", "FINISHED"], p.timeoutMs);
          const cp = await client.latestCheckpoint(jobId).catch(() => undefined);
          log(`${p.pipelineName}: cancelled job ${jobId}${cp ? `; its latest retained checkpoint is ${cp}` : ""}`);
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

/** Program-side arguments. `statements` and `s3SecretKey` are stored as secrets. */
export interface CdcJobArgs {
  gatewayUrl: pulumi.Input<string>;
  restUrl: pulumi.Input<string>;
  /** Secret: contains the CDC and loader passwords. */
  statements: pulumi.Input<pulumi.Input<string>[]>;
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

export class CdcJob extends pulumi.dynamic.Resource {
  declare readonly jobId: pulumi.Output<string>;
  declare readonly jobName: pulumi.Output<string>;
  declare readonly jobState: pulumi.Output<string>;
  declare readonly serverIdRange: pulumi.Output<{ start: number; end: number }>;
  declare readonly lastSavepoint: pulumi.Output<string>;
  declare readonly restoredFrom: pulumi.Output<string>;
  declare readonly jobHistory: pulumi.Output<string[]>;
  declare readonly pipelineName: pulumi.Output<string>;

  constructor(name: string, args: CdcJobArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      cdcJobProvider,
      name,
      {
        ...args,
        statements: pulumi.secret(args.statements),
        s3SecretKey: pulumi.secret(args.s3SecretKey),
        s3AccessKey: pulumi.secret(args.s3AccessKey),
        providerVersion: args.providerVersion ?? CDC_JOB_PROVIDER_VERSION,
        jobId: undefined,
        jobName: undefined,
        jobState: undefined,
        lastSavepoint: undefined,
        restoredFrom: undefined,
        jobHistory: undefined,
      },
      // Same-key outputs are re-marked secret by the engine; listed as well so they stay secret if renamed.
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "statements", "s3SecretKey", "s3AccessKey"] },
      "flink",
      "CdcJob",
    );
  }
}
