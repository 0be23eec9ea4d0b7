/**
 * Observing a CDC job: what the JobManager says about the pipeline's job, as plain data. No decision is made
 * here (providers/cdcJobPlanner.ts decides) and nothing is changed (providers/cdcJobExecutor.ts acts); every
 * call goes through the Flink REST seam (clients/flink.ts).
 */
import type { FlinkClient, JobDetails, JobException, JobOverview } from "../clients/flink";
import { TERMINAL_JOB_STATES } from "../clients/flink";

/** The job of a pipeline as the JobManager reports it. */
export interface ObservedJob {
  /** The pipeline's active (non-terminal) job: the recorded one, else one found by pipeline.name; undefined = none. */
  job?: JobDetails;
  /** Job RUNNING and every vertex (task) RUNNING. */
  tasksRunning: boolean;
  /** The newest exception after the accepted baseline (`seenUntil`), if any. */
  failure?: JobException;
  /** JobManager time of the newest completed checkpoint, if any. */
  lastCheckpointAt?: number;
  /** The accepted exception baseline this observation used: the recorded one for the recorded job, 0 for another. */
  seenUntil: number;
}

/** What the provider recorded about its job last time (outputs). */
export interface RecordedJob {
  jobId?: string;
  exceptionsSeenUntil?: number;
}

/** An active (non-terminal) job named `pipelineName`, newest first. */
export async function findActiveJob(client: FlinkClient, pipelineName: string): Promise<JobOverview | undefined> {
  const jobs = await client.findJobsByName(pipelineName);
  return jobs.find((j) => !TERMINAL_JOB_STATES.includes(j.state));
}

/** The recorded job if it is still active, else an active job of the pipeline (e.g. restored by a rollback). */
export async function activeJobOf(client: FlinkClient, recorded: RecordedJob, pipelineName: string): Promise<JobDetails | undefined> {
  const job = recorded.jobId ? await client.getJob(recorded.jobId) : undefined;
  if (job && !TERMINAL_JOB_STATES.includes(job.state)) return job;
  const active = await findActiveJob(client, pipelineName);
  return active ? ((await client.getJob(active.jid)) ?? undefined) : undefined;
}

/** Whether every task of the job runs (what a savepoint needs). */
export function allTasksRunning(job: JobDetails): boolean {
  return job.state === "RUNNING" && (job.vertices ?? []).every((v) => v.status === "RUNNING");
}

/** The pipeline's active job with its health: tasks, a failure since the recorded baseline, the last checkpoint. */
export async function observeJob(client: FlinkClient, recorded: RecordedJob, pipelineName: string): Promise<ObservedJob> {
  const job = await activeJobOf(client, recorded, pipelineName);
  if (!job) return { tasksRunning: false, seenUntil: 0 };
  const seenUntil = job.jid === recorded.jobId ? (recorded.exceptionsSeenUntil ?? 0) : 0;
  const newest = await client.newestException(job.jid);
  const cps = await client.checkpointStats(job.jid);
  return { job, tasksRunning: allTasksRunning(job), failure: newest && newest.timestamp > seenUntil ? newest : undefined, lastCheckpointAt: cps?.latestAt, seenUntil };
}

/** What `read` reports: the job (any state) and the newest exception after the baseline. */
export interface ReadObservation {
  /** The recorded job in whatever state, or an active job of the pipeline when that one is unknown or finished. */
  job?: JobDetails;
  /** True when `job` is not the recorded one (found by name). */
  adopted: boolean;
  /** First lines of the newest exception after the baseline, or "". */
  lastFailure: string;
  seenUntil: number;
}

export async function observeForRead(client: FlinkClient, recorded: RecordedJob, pipelineName: string): Promise<ReadObservation> {
  let job: JobDetails | undefined = recorded.jobId ? await client.getJob(recorded.jobId) : undefined;
  // Unknown id (JobManager restart without HA) or a finished one (a failed update restored the previous
  // statements under a new id): look for an active job of the pipeline by name.
  if (!job || TERMINAL_JOB_STATES.includes(job.state)) {
    const active = await findActiveJob(client, pipelineName);
    if (active) job = await client.getJob(active.jid);
  }
  if (!job) return { adopted: false, lastFailure: "", seenUntil: 0 };
  const adopted = job.jid !== recorded.jobId;
  const seenUntil = adopted ? 0 : (recorded.exceptionsSeenUntil ?? 0);
  const newest = await client.newestException(job.jid);
  return { job, adopted, seenUntil, lastFailure: newest && newest.timestamp > seenUntil ? newest.text : "" };
}
