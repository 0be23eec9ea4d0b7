/**
 * Deciding what to do with a CDC job: pure functions from the observed job (providers/cdcJobObserver.ts) and
 * the desired inputs to one action plan, which providers/cdcJobExecutor.ts carries out. Nothing here does
 * I/O, so every branch of the upgrade logic is testable without Flink (tests/flink/cdcJobPlanner.test.ts).
 */
import type { JobException } from "../clients/flink";
import type { ObservedJob } from "./cdcJobObserver";
import type { RetainedState } from "./cdcJobRegistry";
import { isUnknown, sameValue } from "./policy";

export type UpgradeMode = "savepoint" | "stateless";

/**
 * What update does with the job:
 * - none: the job runs healthy and nothing needs a restart; changed options are only recorded.
 * - savepoint: a one-off savepoint (savepointNonce changed); the job keeps running.
 * - savepoint-upgrade: stop the healthy job with a savepoint, resubmit restoring from it.
 * - stateless-restart: cancel the healthy job, start fresh (a new snapshot, a new label generation).
 * - restore-from-checkpoint: the job failed, is gone or is not fully running (no savepoint possible): cancel it
 *   if it is there, resubmit from the newest retained checkpoint or savepoint of the pipeline's jobs.
 * - fresh-start: as restore-from-checkpoint, but stateless: no state is restored.
 * - re-snapshot: the table's schema changed in a way restored state cannot carry: stop the job (savepoint if it
 *   can, kept for a manual rollback), resubmit WITHOUT state, so the new job re-reads the whole table.
 */
export type JobActionKind = "none" | "savepoint" | "savepoint-upgrade" | "stateless-restart" | "restore-from-checkpoint" | "fresh-start" | "re-snapshot";

export interface UpdatePlan {
  action: JobActionKind;
  /** Cancel the existing (unhealthy) job before resubmitting (restore-from-checkpoint, fresh-start, re-snapshot of a broken job). */
  cancelFirst: boolean;
  /** Plan the new statements in a scratch SQL Gateway session before touching the running job. */
  planFirst: boolean;
  /** When the new job fails after the old one was stopped, resubmit the previous statements from the rollback point. */
  rollbackOnFailure: boolean;
  /** Start the job history over (a stateless start: older jobs' state must never be restored). */
  resetHistory: boolean;
  /** Exception baseline to record: moved past a failure the job has recovered from. */
  seenUntil: number;
  /** A failure since the job was last ready, after which it runs and checkpointed again: acknowledged only. */
  recovered?: JobException;
}

/** The desired change, as update sees it. */
export interface UpdateIntent {
  /** An input changed that needs the job resubmitted (UPDATE_ACTION "restart"). */
  restart: boolean;
  /** savepointNonce changed. */
  nonce: boolean;
  upgradeMode: UpgradeMode;
  /**
   * The table's columns changed (added, dropped or their Flink type changed): rows written since the source's
   * ALTER lack a new column's values or hold a widened column's values wrapped, and mysql-cdc state restored across the change fails ("internal schema representation is probably
   * out of sync", seen on the real tier after a DROP COLUMN), so the job reads the table again from a snapshot.
   */
  resnapshot?: boolean;
}

/** Whether the observed job is healthy after accounting for a failure it recovered from. */
export function judgeHealth(observed: ObservedJob): { healthy: boolean; seenUntil: number; recovered?: JobException } {
  const { job, failure, tasksRunning, lastCheckpointAt } = observed;
  if (!job) return { healthy: false, seenUntil: 0 };
  if (failure && tasksRunning && (lastCheckpointAt ?? 0) > failure.timestamp) {
    // It failed since it was last ready, but runs again and checkpointed after the failure: recovered.
    return { healthy: true, seenUntil: failure.timestamp, recovered: failure };
  }
  return { healthy: tasksRunning && !failure, seenUntil: observed.seenUntil };
}

/** Pure: the one action update takes for this observed job and this intent. */
export function planUpdate(observed: ObservedJob, intent: UpdateIntent): UpdatePlan {
  const { healthy, seenUntil, recovered } = judgeHealth(observed);
  const hasJob = !!observed.job;
  const base = { seenUntil, recovered, cancelFirst: false, planFirst: false, rollbackOnFailure: false, resetHistory: false };
  if (intent.resnapshot) {
    // A healthy job is stopped with a savepoint (kept as the way back); a broken one is cancelled.
    return { ...base, action: "re-snapshot", cancelFirst: hasJob && !healthy, planFirst: hasJob, rollbackOnFailure: false, resetHistory: true };
  }
  if (hasJob && healthy && !intent.restart) return { ...base, action: intent.nonce ? "savepoint" : "none" };
  const planFirst = intent.restart && hasJob;
  const rollbackOnFailure = intent.restart && hasJob;
  const stateless = intent.upgradeMode === "stateless";
  if (hasJob && healthy) return { ...base, action: stateless ? "stateless-restart" : "savepoint-upgrade", planFirst, rollbackOnFailure, resetHistory: stateless };
  return { ...base, action: stateless ? "fresh-start" : "restore-from-checkpoint", cancelFirst: hasJob, planFirst, rollbackOnFailure, resetHistory: stateless };
}

/** What create does: adopt an already running job, restore a lost one's retained state, or submit fresh. */
export type CreatePlan = { action: "adopt"; jobId: string } | { action: "restore"; retained: RetainedState } | { action: "submit" };

/** Pure: an active job of the pipeline is adopted (never a duplicate on its server-id range); else retained state is restored. */
export function planCreate(activeJobId: string | undefined, retained: RetainedState | undefined): CreatePlan {
  if (activeJobId) return { action: "adopt", jobId: activeJobId };
  if (retained) return { action: "restore", retained };
  return { action: "submit" };
}

/** Inputs whose change update acts on (any other changed key is only recorded). */
export interface ActionableInputs {
  statements?: unknown;
  cdcPassword?: unknown;
  loaderPassword?: unknown;
  serverIdRange?: unknown;
  jobOptions?: unknown;
  savepointNonce?: unknown;
  /** The table's column names in order (absent in outputs written before it existed). */
  columns?: unknown;
  /** Their Flink source types, aligned with columns (absent in outputs written before it existed). */
  columnTypes?: unknown;
}

/**
 * What update does for each changed input: restart = resubmit the job (through a savepoint unless stateless),
 * savepoint = a one-off savepoint while the job keeps running. `columns` is judged by changedColumns.
 */
export const UPDATE_ACTION: Record<Exclude<keyof ActionableInputs, "columns" | "columnTypes">, "restart" | "savepoint"> = {
  statements: "restart",
  cdcPassword: "restart",
  loaderPassword: "restart",
  serverIdRange: "restart",
  jobOptions: "restart",
  savepointNonce: "savepoint",
};

/**
 * Column names added to or dropped from the table, and those whose Flink type changed; none when either side
 * does not list its columns (types: when either side does not list their types).
 */
export function changedColumns(olds: ActionableInputs, news: ActionableInputs): { added: string[]; dropped: string[]; retyped: string[] } {
  if (!Array.isArray(olds.columns) || !Array.isArray(news.columns) || isUnknown(news.columns)) return { added: [], dropped: [], retyped: [] };
  const [before, after] = [new Set(olds.columns as string[]), new Set(news.columns as string[])];
  const typesOf = (i: ActionableInputs): Map<string, string> | undefined =>
    Array.isArray(i.columnTypes) && !isUnknown(i.columnTypes) && i.columnTypes.length === (i.columns as string[]).length
      ? new Map((i.columns as string[]).map((c, n) => [c, String((i.columnTypes as unknown[])[n])]))
      : undefined;
  const [was, now] = [typesOf(olds), typesOf(news)];
  const retyped = was && now ? [...now.keys()].filter((c) => was.has(c) && was.get(c) !== now.get(c)) : [];
  return { added: [...after].filter((c) => !before.has(c)), dropped: [...before].filter((c) => !after.has(c)), retyped };
}

/** Changed inputs that need an action in update. */
export function updateActions(olds: ActionableInputs, news: ActionableInputs): { restart: boolean; savepoint: boolean; resnapshot: boolean } {
  // An input absent on both sides (outputs written before it existed) is not a change.
  const changed = (k: keyof ActionableInputs) => isUnknown(news[k]) || !sameValue(olds[k], news[k]);
  const keys = (Object.keys(UPDATE_ACTION) as Array<keyof typeof UPDATE_ACTION>).filter(changed);
  return {
    restart: keys.some((k) => UPDATE_ACTION[k] === "restart"),
    savepoint: keys.some((k) => UPDATE_ACTION[k] === "savepoint"),
    // Rows the old job wrote after the source's ADD COLUMN carry no value for it, state restored across an added
    // or dropped column does not match the binlog's rows, and after a widening (INT -> BIGINT) the old job
    // wrote values beyond its type wrapped or NULL: only a snapshot brings the table back.
    resnapshot: Object.values(changedColumns(olds, news)).some((l) => l.length > 0),
  };
}
