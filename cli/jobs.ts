/**
 * The CDC jobs' states as the Flink JobManager reports them (GET /jobs/overview): what `monitor --mode
 * status` adds to the heartbeat probe. The probe only proves the heartbeat's own job; a table's job that
 * failed (a source change it cannot follow, a lost TaskManager) shows here.
 */
import { FlinkClient, JobOverview } from "../clients/flink";
import { FlinkJobsEndpoint } from "./connections";
import { ConnectionError } from "./errors";

export interface JobStatus {
  /** The job's name (pipeline.name), or the pattern looked for when none was found. */
  name: string;
  /** Flink's job state, or MISSING when no job has the name. */
  state: string;
  jobId?: string;
}

/** States in which a job replicates nothing, even if it may recover on its own. */
export function isHealthy(s: JobStatus): boolean {
  return s.state === "RUNNING";
}

/**
 * The newest job per expected name: the stack's job names, or without them, every job named
 * `…-cdc-<table>` for the given tables (several stacks on one cluster each show theirs).
 */
export function jobStates(overview: readonly JobOverview[], ep: Pick<FlinkJobsEndpoint, "jobs">, tables: readonly string[]): JobStatus[] {
  const newest = (jobs: JobOverview[]) => [...jobs].sort((a, b) => (b["start-time"] ?? 0) - (a["start-time"] ?? 0))[0];
  if (ep.jobs) {
    return ep.jobs.map((name) => {
      const j = newest(overview.filter((o) => o.name === name));
      return j ? { name, state: j.state, jobId: j.jid } : { name, state: "MISSING" };
    });
  }
  return tables.flatMap((table) => {
    const named = overview.filter((o) => o.name.endsWith(`-cdc-${table}`));
    if (!named.length) return [{ name: `*-cdc-${table}`, state: "MISSING" }];
    return [...new Set(named.map((o) => o.name))].sort().map((name) => {
      const j = newest(named.filter((o) => o.name === name));
      return { name, state: j.state, jobId: j.jid };
    });
  });
}

/** Reads the overview once; an unreachable JobManager is a connection error (exit 3) naming the URL. */
export async function readJobStates(ep: FlinkJobsEndpoint, tables: readonly string[], timeoutMs = 5000): Promise<JobStatus[]> {
  const client = new FlinkClient({ gatewayUrl: ep.restUrl, restUrl: ep.restUrl, timeoutMs, requestTimeoutMs: timeoutMs });
  let overview: JobOverview[];
  try {
    overview = await client.listJobsOverview();
  } catch (err) {
    throw new ConnectionError(`cannot read the Flink jobs at ${ep.restUrl} (${ep.origin}): ${(err as Error).message}`);
  }
  return jobStates(overview, ep, tables);
}
