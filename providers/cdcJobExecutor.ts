/**
 * Acting on a CDC job: carries out exactly the plan of providers/cdcJobPlanner.ts through the Flink seam
 * (clients/flink.ts) and records the job ids in the state registry (providers/cdcJobRegistry.ts). It decides
 * nothing beyond the fallbacks a plan states (roll back to the previous statements when the new job fails).
 */
import type { FlinkClient, JobDetails } from "../clients/flink";
import { FlinkJobCrashLoopError, FlinkJobFailedError, FlinkSavepointFailedError } from "../clients/flink";
import { WaitTimeoutError, describeError } from "../clients/wait";
import { CdcError } from "../clients/errors";
import { CDC_PASSWORD_PLACEHOLDER, LOADER_PASSWORD_PLACEHOLDER } from "../render/flinkJob";
import type { CdcJobInputs, CdcJobOutputs } from "./cdcJob";
import type { ObservedJob } from "./cdcJobObserver";
import { allTasksRunning } from "./cdcJobObserver";
import type { CreatePlan, UpdatePlan } from "./cdcJobPlanner";
import { ObjectStore, Registry, newestRetainedState, writeRegistry } from "./cdcJobRegistry";

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

// ------------------------------------------------------------------ context and outputs

/** What every action needs: the Flink seam, the registry store (undefined = recovery listing off), a log, scrubbing. */
export interface ExecContext {
  client: FlinkClient;
  store?: ObjectStore;
  log: (message: string) => void;
  /** Error text safe to show: secrets of every input set involved scrubbed. */
  safe: (err: unknown) => string;
}

/** A job that was submitted (jobId set) or not, and did not become ready. */
export class StartError extends CdcError {
  constructor(message: string, public readonly jobId: string | undefined, public readonly timedOut: boolean) {
    super(message);
    this.name = "StartError";
  }
}

type Extra = Omit<CdcJobOutputs, keyof CdcJobInputs | "jobName" | "lastFailure"> & { lastFailure?: string };

export function jobOutputs(p: CdcJobInputs, extra: Extra): CdcJobOutputs {
  return { ...p, jobName: p.pipelineName, lastFailure: "", ...extra };
}

// ------------------------------------------------------------------ single actions

/** Submits the statements in a fresh session; returns the new job id (not yet ready). */
export async function submitStatements(ctx: ExecContext, p: CdcJobInputs, sql: JobSql, restorePath: string | undefined, labelGeneration: string): Promise<string> {
  const executionConfig: Record<string, string> = { ...(p.jobOptions ?? {}), "pipeline.name": p.pipelineName };
  if (restorePath) executionConfig["execution.state-recovery.path"] = restorePath;
  const session = await ctx.client.openSession(p.pipelineName);
  let jobId: string | undefined;
  try {
    for (const statement of materialize(sql, labelGeneration)) {
      const r = await ctx.client.runStatement(session, statement, executionConfig);
      if (r.jobID) jobId = r.jobID;
    }
  } finally {
    await ctx.client.closeSession(session).catch(() => undefined);
  }
  if (!jobId) throw new Error(`the statements of ${p.pipelineName} submitted no job (no jobID in the INSERT's result)`);
  return jobId;
}

/**
 * Submits and waits until ready. A job that fails or crash-loops is cancelled (so it does not hold the
 * server-id range or loop on) and reported as a StartError with its root cause; a timeout leaves it running.
 */
export async function startJob(ctx: ExecContext, p: CdcJobInputs, sql: JobSql, restorePath: string | undefined, labelGeneration: string): Promise<{ jobId: string; seenUntil: number }> {
  let jobId: string | undefined;
  try {
    jobId = await submitStatements(ctx, p, sql, restorePath, labelGeneration);
    const ready = await ctx.client.waitForJobReady(jobId, p.timeoutMs);
    return { jobId, seenUntil: ready.newestExceptionAt };
  } catch (err) {
    const failed = err instanceof FlinkJobCrashLoopError || err instanceof FlinkJobFailedError;
    if (jobId && failed) {
      if (await ctx.client.cancelJob(jobId).catch(() => false)) await ctx.client.waitForJobState(jobId, ["CANCELED", "FAILED", "FINISHED"], p.timeoutMs).catch(() => undefined);
      throw new StartError(`${describeError(err)} (job ${jobId} was cancelled; its exceptions stay at GET /jobs/${jobId}/exceptions)`, jobId, false);
    }
    throw new StartError(describeError(err), jobId, err instanceof WaitTimeoutError);
  }
}

/** Plans the statements in a scratch session: CREATE TEMPORARY ..., then EXPLAIN PLAN FOR INSERT .... */
export async function planInFlink(ctx: ExecContext, p: CdcJobInputs, sql: JobSql): Promise<void> {
  const session = await ctx.client.openSession(`${p.pipelineName}-plan`);
  try {
    for (const statement of planningStatements(materialize(sql, ""))) {
      const r = await ctx.client.runStatement(session, statement);
      await ctx.client.closeOperation(session, r.operation).catch(() => undefined);
    }
  } finally {
    await ctx.client.closeSession(session).catch(() => undefined);
  }
}

/** Cancels the job and waits until it has ended. */
async function cancelAndWait(ctx: ExecContext, jobId: string, timeoutMs: number): Promise<boolean> {
  const cancelled = await ctx.client.cancelJob(jobId);
  await ctx.client.waitForJobState(jobId, ["CANCELED", "FAILED", "FINISHED"], timeoutMs);
  return cancelled;
}

/** Stop-with-savepoint; a failed savepoint leaves the job running and says so. Returns the savepoint path. */
async function stopWithSavepointAndWait(ctx: ExecContext, jobId: string, p: CdcJobInputs): Promise<string> {
  const trigger = await ctx.client.stopWithSavepoint(jobId, p.savepointDir);
  let location: string;
  try {
    location = await ctx.client.waitForSavepoint(jobId, trigger, p.timeoutMs);
  } catch (err) {
    if (err instanceof FlinkSavepointFailedError) {
      throw new Error(`stop-with-savepoint of job ${jobId} failed, the old job keeps running and nothing was changed: ${err.cause}`);
    }
    throw err;
  }
  await ctx.client.waitForJobState(jobId, ["FINISHED", "CANCELED", "FAILED"], p.timeoutMs);
  return location;
}

// ------------------------------------------------------------------ create

/** Carries out a create plan: adopt the running job, or start one (from retained state or fresh). */
export async function executeCreate(ctx: ExecContext, plan: CreatePlan, p: CdcJobInputs, reg: Registry): Promise<CdcJobOutputs> {
  if (plan.action === "adopt") {
    // Failures it had before count as seen; a new one while we wait means it is still failing.
    const before = await ctx.client.newestException(plan.jobId);
    const ready = await ctx.client.waitForJobReady(plan.jobId, p.timeoutMs, before?.timestamp ?? 0);
    const jobHistory = [...reg.jobIds.filter((j) => j !== plan.jobId), plan.jobId];
    await writeRegistry(ctx.store, p.pipelineName, jobHistory, reg.labelGenerations);
    ctx.log(`adopted running job ${plan.jobId} of ${p.pipelineName}`);
    return jobOutputs(p, { jobId: plan.jobId, jobState: "RUNNING", lastSavepoint: "", restoredFrom: "", jobHistory, labelGeneration: reg.labelGenerations[plan.jobId] ?? "", exceptionsSeenUntil: ready.newestExceptionAt });
  }
  const retained = plan.action === "restore" ? plan.retained : undefined;
  if (retained) ctx.log(`${p.pipelineName}: resuming from ${retained.kind} ${retained.path} of lost job ${retained.jobId}`);
  const labelGeneration = retained ? (reg.labelGenerations[retained.jobId] ?? "") : newLabelGeneration();
  let started: { jobId: string; seenUntil: number };
  try {
    started = await startJob(ctx, p, p, retained?.path, labelGeneration);
  } catch (err) {
    if (err instanceof StartError && err.jobId) {
      await writeRegistry(ctx.store, p.pipelineName, [...reg.jobIds, err.jobId], { ...reg.labelGenerations, [err.jobId]: labelGeneration });
    }
    throw err;
  }
  const jobHistory = [...reg.jobIds, started.jobId];
  await writeRegistry(ctx.store, p.pipelineName, jobHistory, { ...reg.labelGenerations, [started.jobId]: labelGeneration });
  return jobOutputs(p, { jobId: started.jobId, jobState: "RUNNING", lastSavepoint: "", restoredFrom: retained?.path ?? "", jobHistory, labelGeneration, exceptionsSeenUntil: started.seenUntil });
}

// ------------------------------------------------------------------ update

/**
 * Carries out an update plan. The old job is stopped as the plan says (savepoint, cancel, or not at all), the
 * new job started from the chosen restore point (or fresh), and, when the plan asks for it, the previous
 * statements are restored from the same point if the new job fails, so the table is never left without a job.
 */
export async function executeUpdate(ctx: ExecContext, plan: UpdatePlan, observed: ObservedJob, o: CdcJobOutputs, p: CdcJobInputs, reg: Registry): Promise<CdcJobOutputs> {
  const { client, store, log, safe } = ctx;
  const job = observed.job;
  const generations: Record<string, string> = { ...reg.labelGenerations };
  if (o.jobId && o.labelGeneration !== undefined && generations[o.jobId] === undefined) generations[o.jobId] = o.labelGeneration;
  const generationOf = (jobId: string | undefined) => (jobId && generations[jobId] !== undefined ? generations[jobId] : (o.labelGeneration ?? ""));
  let history = o.jobHistory ?? [];
  const oldSql: JobSql = { statements: o.statements ?? [], cdcPassword: o.cdcPassword, loaderPassword: o.loaderPassword };
  if (plan.recovered) log(`${p.pipelineName}: job ${job!.jid} recovered from an earlier failure (${plan.recovered.text})`);
  if (job && !history.includes(job.jid)) history = [...history, job.jid];

  if (job && (plan.action === "none" || plan.action === "savepoint")) {
    // Options only, or a one-off savepoint; the job keeps running.
    let lastSavepoint = o.lastSavepoint ?? "";
    if (plan.action === "savepoint") {
      const trigger = await client.triggerSavepoint(job.jid, p.savepointDir);
      lastSavepoint = await client.waitForSavepoint(job.jid, trigger, p.timeoutMs);
      log(`${p.pipelineName}: savepoint ${lastSavepoint} of job ${job.jid}`);
    }
    return jobOutputs(p, { jobId: job.jid, jobState: job.state, lastSavepoint, restoredFrom: o.restoredFrom ?? "", jobHistory: history, labelGeneration: generationOf(job.jid), exceptionsSeenUntil: plan.seenUntil });
  }

  if (plan.planFirst && job) {
    // Plan first: a statement Flink cannot plan (unknown option, sink table check) must not stop the job.
    try {
      await planInFlink(ctx, p, p);
    } catch (err) {
      throw new Error(`the new statements do not plan in Flink, so job ${job.jid} keeps running unchanged: ${safe(err)}`);
    }
  }

  let restorePath: string | undefined;
  let restoreFromJob: string | undefined;
  let lastSavepoint = o.lastSavepoint ?? "";
  /** Where the previous statements can be restored from if the new job fails (undefined = fresh). */
  let rollbackPath: string | undefined;
  switch (plan.action) {
    case "stateless-restart":
      await cancelAndWait(ctx, job!.jid, p.timeoutMs);
      rollbackPath = await client.latestCheckpoint(job!.jid);
      log(`${p.pipelineName}: cancelled job ${job!.jid} for a stateless upgrade (fresh snapshot)`);
      break;
    case "savepoint-upgrade":
      lastSavepoint = await stopWithSavepointAndWait(ctx, job!.jid, p);
      restorePath = lastSavepoint;
      restoreFromJob = job!.jid;
      rollbackPath = lastSavepoint;
      log(`${p.pipelineName}: stopped job ${job!.jid} with savepoint ${lastSavepoint}`);
      break;
    case "re-snapshot":
      if (job && !plan.cancelFirst) {
        try {
          lastSavepoint = await stopWithSavepointAndWait(ctx, job.jid, p);
          log(`${p.pipelineName}: stopped job ${job.jid} with savepoint ${lastSavepoint} (kept for a manual rollback); the table is read again from a fresh snapshot`);
        } catch (err) {
          // The new job needs no state. The StarRocks change that came first can fail the old job's loads (a NOT
          // NULL column its rows lack: "NULL value in non-nullable column"), and then no savepoint completes.
          log(`${p.pipelineName}: stop-with-savepoint of job ${job.jid} did not complete (${safe(err)}); cancelling it, as the re-snapshot needs no state`);
          const now = await client.getJob(job.jid).catch(() => undefined);
          if (!now || !["FINISHED", "CANCELED", "FAILED"].includes(now.state)) await cancelAndWait(ctx, job.jid, p.timeoutMs);
        }
      } else if (job) {
        log(`${p.pipelineName}: job ${job.jid} is ${job.state} and not fully running; cancelling it before the re-snapshot`);
        await cancelAndWait(ctx, job.jid, p.timeoutMs);
      }
      break;
    case "restore-from-checkpoint":
    case "fresh-start": {
      if (job && plan.cancelFirst) {
        // Not fully running (RESTARTING, tasks not all RUNNING, or failed since it was last ready): a
        // savepoint needs every task running and would fail, so cancel and restore from retained state.
        const why = observed.failure && !plan.recovered ? `; last failure: ${observed.failure.text}` : "";
        log(`${p.pipelineName}: job ${job.jid} is ${job.state} and not fully running${why}; cancelling it to resume from its newest retained checkpoint`);
        await cancelAndWait(ctx, job.jid, p.timeoutMs);
      }
      if (plan.action === "restore-from-checkpoint") {
        // The old job failed, is gone or was cancelled: resume from its newest retained state.
        const ids = [...new Set([...history, ...reg.jobIds, ...(o.jobId ? [o.jobId] : []), ...(job ? [job.jid] : [])])];
        const retained = store ? await newestRetainedState(store, p.checkpointDir, p.savepointDir, ids) : undefined;
        const lastId = job?.jid ?? o.jobId;
        restorePath = retained?.path ?? (lastId ? await client.latestCheckpoint(lastId) : undefined);
        restoreFromJob = retained?.jobId ?? lastId;
        rollbackPath = restorePath;
        if (restorePath) log(`${p.pipelineName}: job ${lastId || "(none)"} is ${job ? "cancelled" : "failed or gone"}; resuming from ${restorePath}`);
      }
      break;
    }
  }
  if (plan.resetHistory) history = [];
  const labelGeneration = restorePath ? generationOf(restoreFromJob) : newLabelGeneration();
  try {
    const started = await startJob(ctx, p, p, restorePath, labelGeneration);
    history = [...history, started.jobId];
    generations[started.jobId] = labelGeneration;
    await writeRegistry(store, p.pipelineName, history, generations);
    return jobOutputs(p, { jobId: started.jobId, jobState: "RUNNING", lastSavepoint, restoredFrom: restorePath ?? "", jobHistory: history, labelGeneration, exceptionsSeenUntil: started.seenUntil });
  } catch (err) {
    const se = err instanceof StartError ? err : new StartError(describeError(err), undefined, false);
    if (se.jobId) {
      history = [...history, se.jobId];
      generations[se.jobId] = labelGeneration;
    }
    // A job still starting when the wait ran out is not known to be broken, and the table has it.
    if (!plan.rollbackOnFailure || !job || se.timedOut) {
      await writeRegistry(store, p.pipelineName, history, generations).catch(() => undefined);
      const hint = restorePath ? ` To resume by hand, submit with execution.state-recovery.path=${restorePath}.` : "";
      throw new Error(`${safe(se)}.${hint}`);
    }
    // The new statements failed after the old job stopped: bring the old statements back from the same
    // savepoint (or, stateless, the old job's retained checkpoint), so the table is not left without a job.
    const rollbackGeneration = rollbackPath ? generationOf(restoreFromJob ?? job.jid) : newLabelGeneration();
    log(`${p.pipelineName}: the new job failed (${safe(se)}); resubmitting the previous statements from ${rollbackPath ?? "a fresh snapshot"}`);
    let back: { jobId: string };
    try {
      back = await startJob(ctx, { ...p, ...oldSql } as CdcJobInputs, oldSql, rollbackPath, rollbackGeneration);
    } catch (err2) {
      await writeRegistry(store, p.pipelineName, history, generations).catch(() => undefined);
      const hint = rollbackPath ? ` Resume by hand with execution.state-recovery.path=${rollbackPath}.` : "";
      throw new Error(`the new statements failed (${safe(se)}) and restoring the previous statements failed too (${safe(err2)}); the table has no running job.${hint}`);
    }
    history = [...history.filter((j) => j !== back.jobId), back.jobId];
    generations[back.jobId] = rollbackGeneration;
    await writeRegistry(store, p.pipelineName, history, generations);
    throw new Error(`the new statements failed after job ${job.jid} stopped: ${safe(se)}. The previous statements run again as job ${back.jobId}, restored from ${rollbackPath ?? "a fresh snapshot"}; the table keeps its job. Fix the change and run pulumi up again`);
  }
}

// ------------------------------------------------------------------ delete

/** Stops the job with a savepoint (path logged for a manual resume); cancels it when that cannot complete. */
export async function stopJob(ctx: ExecContext, job: JobDetails, p: CdcJobInputs): Promise<void> {
  const jobId = job.jid;
  try {
    if (!allTasksRunning(job)) throw new Error(`job is ${job.state} and its tasks do not all run, so no savepoint can be taken`);
    const trigger = await ctx.client.stopWithSavepoint(jobId, p.savepointDir);
    const location = await ctx.client.waitForSavepoint(jobId, trigger, p.timeoutMs);
    await ctx.client.waitForJobState(jobId, ["FINISHED", "CANCELED", "FAILED"], p.timeoutMs);
    ctx.log(`${p.pipelineName}: stopped job ${jobId} with savepoint ${location}; to resume by hand, submit its statements with execution.state-recovery.path=${location}`);
  } catch (err) {
    ctx.log(`${p.pipelineName}: stop-with-savepoint of job ${jobId} did not complete (${ctx.safe(err)}); cancelling it`);
    const cancelled = await ctx.client.cancelJob(jobId);
    if (!cancelled) ctx.log(`${p.pipelineName}: job ${jobId} had already ended`);
    await ctx.client.waitForJobState(jobId, ["CANCELED", "FAILED", "FINISHED"], p.timeoutMs);
    const cp = await ctx.client.latestCheckpoint(jobId).catch(() => undefined);
    ctx.log(`${p.pipelineName}: job ${jobId} ended${cp ? `; its latest retained checkpoint is ${cp}` : ""}`);
  }
}
