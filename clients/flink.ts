/**
 * The one seam for HTTP calls to Flink: the SQL Gateway REST API (port 8083) and the JobManager REST API
 * (port 8081). Every request the client can make is listed in FLINK_REQUESTS, which the contract test checks
 * against Flink 1.20.1's published OpenAPI specs (rest_v3_sql_gateway.yml, rest_v1_dispatcher.yml).
 *
 * - Connection errors are retried with backoff (waitFor) until the timeout, so calls made while Flink starts
 *   succeed once it answers; a timeout names the service, the address and the last error.
 * - HTTP errors carry the first lines of Flink's first error message (`errors[0]`) and of the deepest
 *   "Caused by:" of its stack trace; Flink's answers can hold multi-KB traces.
 * - Secrets (the passwords inside CREATE TABLE statements, plus any registered value) are scrubbed from every
 *   error message. Statements themselves never appear in errors.
 * - FetchResults is parsed by its wire names (`isQueryResult`, `results.columns`, top-level `jobID`), which
 *   differ from the generated OpenAPI schema (Flink `FetchResultsResponseBodySerializer.java`).
 *
 * Node built-ins and global fetch only, so the client can run inside a serialized dynamic provider.
 */
import { CdcError } from "./errors";
import { scrub as scrubSecrets } from "./scrub";
import { NotReadyError, describeError, waitFor } from "./wait";

export type FlinkService = "gateway" | "jobmanager";

export interface FlinkRequestSpec {
  service: FlinkService;
  method: "GET" | "POST" | "DELETE" | "PATCH";
  /** Path template as written in the OpenAPI spec (gateway paths without the /v3 prefix). */
  path: string;
  /** JSON body fields the client may send (all present in the spec's request schema). */
  body?: string[];
  /** Query parameters the client sends. */
  query?: Record<string, string>;
  /** HTTP status Flink answers with on success. */
  okStatus: number;
}

/** Every request this client makes. The contract test derives its checks from this table. */
export const FLINK_REQUESTS = {
  // SQL Gateway (paths are prefixed with /v3 or /v2 at call time)
  getInfo: { service: "gateway", method: "GET", path: "/info", okStatus: 200 },
  openSession: { service: "gateway", method: "POST", path: "/sessions", body: ["sessionName", "properties"], okStatus: 200 },
  executeStatement: { service: "gateway", method: "POST", path: "/sessions/{session_handle}/statements", body: ["statement", "executionConfig"], okStatus: 200 },
  fetchResults: { service: "gateway", method: "GET", path: "/sessions/{session_handle}/operations/{operation_handle}/result/{token}", query: { rowFormat: "JSON" }, okStatus: 200 },
  closeOperation: { service: "gateway", method: "DELETE", path: "/sessions/{session_handle}/operations/{operation_handle}/close", okStatus: 200 },
  closeSession: { service: "gateway", method: "DELETE", path: "/sessions/{session_handle}", okStatus: 200 },
  // JobManager
  getJob: { service: "jobmanager", method: "GET", path: "/jobs/{jobid}", okStatus: 200 },
  listJobsOverview: { service: "jobmanager", method: "GET", path: "/jobs/overview", okStatus: 200 },
  getJobExceptions: { service: "jobmanager", method: "GET", path: "/jobs/{jobid}/exceptions", query: { maxExceptions: "1" }, okStatus: 200 },
  stopWithSavepoint: { service: "jobmanager", method: "POST", path: "/jobs/{jobid}/stop", body: ["targetDirectory", "drain"], okStatus: 202 },
  triggerSavepoint: { service: "jobmanager", method: "POST", path: "/jobs/{jobid}/savepoints", body: ["target-directory", "cancel-job"], okStatus: 202 },
  getSavepointStatus: { service: "jobmanager", method: "GET", path: "/jobs/{jobid}/savepoints/{triggerid}", okStatus: 200 },
  // The spec's TerminationMode enum is upper case; Flink parses the value case-insensitively
  // (TerminationModeQueryParameter.convertStringToValue: TerminationMode.valueOf(value.toUpperCase())).
  cancelJob: { service: "jobmanager", method: "PATCH", path: "/jobs/{jobid}", query: { mode: "cancel" }, okStatus: 202 },
  latestCheckpoint: { service: "jobmanager", method: "GET", path: "/jobs/{jobid}/checkpoints", okStatus: 200 },
} as const satisfies Record<string, FlinkRequestSpec>;

export type FlinkRequestName = keyof typeof FLINK_REQUESTS;

/** Job states (Flink JobStatus). */
export type JobState =
  | "INITIALIZING" | "CREATED" | "RUNNING" | "FAILING" | "FAILED" | "CANCELLING" | "CANCELED"
  | "FINISHED" | "RESTARTING" | "SUSPENDED" | "RECONCILING";

export const TERMINAL_JOB_STATES: readonly JobState[] = ["FAILED", "CANCELED", "FINISHED", "SUSPENDED"];

export interface JobOverview {
  jid: string;
  name: string;
  state: JobState;
  "start-time"?: number;
}

/** Flink ExecutionState of a job vertex (its tasks). */
export type VertexState =
  | "CREATED" | "SCHEDULED" | "DEPLOYING" | "RUNNING" | "FINISHED" | "CANCELING" | "CANCELED" | "FAILED"
  | "RECONCILING" | "INITIALIZING";

/** GET /jobs/{jobid} (JobDetailsInfo): the overview fields plus the vertices and their states. */
export interface JobDetails extends JobOverview {
  vertices?: Array<{ id: string; name: string; parallelism?: number; status: VertexState }>;
}

/** The newest entry of a job's exception history. */
export interface JobException {
  /** JobManager time of the failure (ms). */
  timestamp: number;
  /** First lines of the root exception, scrubbed. */
  text: string;
}

/** What readiness found: used to tell later failures from ones already seen. */
export interface JobReadiness {
  /** Timestamp of the newest exception present when the job became ready (0 when none). */
  newestExceptionAt: number;
  completedCheckpoints: number;
}

export interface StatementResult {
  resultKind?: string;
  isQueryResult?: boolean;
  /** Set when the statement submitted a job (INSERT, STATEMENT SET). */
  jobID?: string;
  columns: Array<{ name: string; logicalType?: unknown }>;
  rows: Array<{ kind?: string; fields: unknown[] }>;
}

export interface SavepointStatus {
  status: "IN_PROGRESS" | "COMPLETED";
  location?: string;
  /** First line of the failure's stack trace, when the operation failed. */
  failureCause?: string;
}

export interface FlinkClientOptions {
  /** SQL Gateway base URL as the host reaches it, e.g. http://127.0.0.1:8083 (no version prefix). */
  gatewayUrl: string;
  /** JobManager REST base URL as the host reaches it, e.g. http://127.0.0.1:8081. */
  restUrl: string;
  /** How long to keep retrying an unreachable service, and to wait for results. */
  timeoutMs: number;
  /** SQL Gateway API version; V3 is the default of Flink 1.20. */
  apiVersion?: "v3" | "v2";
  /** Values to scrub from every error message, in addition to passwords found in statements. */
  secrets?: string[];
  /** Timeout of one HTTP request. Default 30 s. */
  requestTimeoutMs?: number;
  /** Backoff of retries and polls. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** An HTTP error answered by Flink. `flinkError` is Flink's `errors[0]`, scrubbed. */
export class FlinkHttpError extends CdcError {
  constructor(
    public readonly service: string,
    public readonly method: string,
    public readonly url: string,
    public readonly status: number,
    public readonly flinkError: string,
  ) {
    super(`${service} answered ${method} ${url} with HTTP ${status}: ${flinkError}`);
    this.name = "FlinkHttpError";
  }
}

/** A job reached a terminal state instead of RUNNING. */
export class FlinkJobFailedError extends CdcError {
  constructor(public readonly jobId: string, public readonly state: string, public readonly cause: string) {
    super(`Flink job ${jobId} is ${state} instead of RUNNING: ${cause}`);
    this.name = "FlinkJobFailedError";
  }
}

/**
 * A job that restarts instead of running: its exception history gained an entry while we waited. With the
 * bounded restart strategy it would reach FAILED later; failing at the first entry saves the wait.
 */
export class FlinkJobCrashLoopError extends CdcError {
  constructor(public readonly jobId: string, public readonly state: string, public readonly cause: string) {
    super(`Flink job ${jobId} failed after it started (now ${state}; Flink restarts it until its restart strategy gives up): ${cause}`);
    this.name = "FlinkJobCrashLoopError";
  }
}

/** A savepoint (or stop-with-savepoint) completed with a failure. */
export class FlinkSavepointFailedError extends CdcError {
  constructor(public readonly jobId: string, public readonly cause: string) {
    super(`savepoint of Flink job ${jobId} failed: ${cause}`);
    this.name = "FlinkSavepointFailedError";
  }
}

const PASSWORD_IN_SQL = /('password'\s*=\s*)'(?:[^']|'')*'/gi;
const MASK = "******";

/** Values of `'password' = '...'` options in statements (Flink string literals: '' is an escaped quote). */
export function passwordsInStatements(statements: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of statements) {
    for (const m of s.matchAll(/'password'\s*=\s*'((?:[^']|'')*)'/gi)) {
      const v = m[1].replace(/''/g, "'");
      if (v) out.push(v, m[1]);
    }
  }
  return out;
}

/** Removes secrets from a message: any `'password' = '...'` option, then registered values (clients/scrub.ts). */
export function scrub(text: string, secrets: readonly string[] = []): string {
  const out = text.replace(PASSWORD_IN_SQL, (_m, lhs: string) => `${lhs}'${MASK}'`);
  return scrubSecrets(out, [...secrets].filter(Boolean).sort((a, b) => b.length - a.length));
}

const SERVICE_NAMES: Record<FlinkService, string> = { gateway: "Flink SQL Gateway", jobmanager: "Flink JobManager" };

/** Errors that mean "the service is not there yet" (connection refused/reset, gateway 502-504). */
function isTransient(err: unknown): boolean {
  if (err instanceof NotReadyError) return true;
  if (err instanceof FlinkHttpError) return err.status === 502 || err.status === 503 || err.status === 504;
  return err instanceof TransportError;
}

class TransportError extends CdcError {
  constructor(message: string) {
    super(message);
    this.name = "TransportError";
  }
}

function fill(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_m, k: string) => {
    const v = params[k];
    if (v === undefined) throw new Error(`missing path parameter ${k} for ${path}`);
    return encodeURIComponent(v);
  });
}

export class FlinkClient {
  private readonly secrets: string[];
  private readonly version: "v3" | "v2";
  constructor(private readonly opts: FlinkClientOptions) {
    this.secrets = [...(opts.secrets ?? [])];
    this.version = opts.apiVersion ?? "v3";
  }

  /** Adds values (e.g. passwords) to scrub from error messages. */
  addSecrets(values: readonly string[]): void {
    for (const v of values) if (v && !this.secrets.includes(v)) this.secrets.push(v);
  }

  /**
   * Removes this client's secrets from text. Not named `scrub`: Pulumi's closure serializer binds a method's
   * own name to nothing, so a method `scrub` calling the module function `scrub` threw "scrub is not defined"
   * in the provider host.
   */
  redact(text: string): string {
    return scrub(text, this.secrets);
  }

  private base(service: FlinkService): string {
    const url = service === "gateway" ? `${this.opts.gatewayUrl.replace(/\/+$/, "")}/${this.version}` : this.opts.restUrl.replace(/\/+$/, "");
    return url;
  }

  private waitOpts(what: string, where: string, timeoutMs = this.opts.timeoutMs) {
    return {
      what,
      where,
      timeoutMs,
      initialDelayMs: this.opts.initialDelayMs ?? 250,
      maxDelayMs: this.opts.maxDelayMs ?? 5000,
    };
  }

  /** One HTTP exchange, no retries. Returns the parsed JSON body (or undefined for an empty body). */
  private async once(name: FlinkRequestName, params: Record<string, string>, body?: Record<string, unknown>, rawPath?: string): Promise<{ status: number; json: any }> {
    const spec: FlinkRequestSpec = FLINK_REQUESTS[name];
    let url: string;
    if (rawPath) {
      url = new URL(rawPath, this.opts.gatewayUrl).toString();
    } else {
      url = this.base(spec.service) + fill(spec.path, params);
      if (spec.query) url += "?" + new URLSearchParams(spec.query).toString();
    }
    const service = SERVICE_NAMES[spec.service];
    let res: Response;
    try {
      res = await fetch(url, {
        method: spec.method,
        headers: body ? { "content-type": "application/json", accept: "application/json" } : { accept: "application/json" },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      const detail = cause ? describeError(cause) : describeError(err);
      throw new TransportError(this.redact(`${service} at ${url} is unreachable: ${detail}`));
    }
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      let message = firstLines(Array.isArray(json?.errors) && json.errors.length ? String(json.errors[0]) : text || res.statusText);
      // errors[1] is the server-side stack trace; its deepest "Caused by:" line is usually the real reason.
      const causes = Array.isArray(json?.errors) && typeof json.errors[1] === "string" ? json.errors[1].match(/Caused by: [^\n]*/g) : null;
      if (causes?.length) message += ` (${clip(causes[causes.length - 1].trim())})`;
      throw new FlinkHttpError(service, spec.method, url, res.status, this.redact(message));
    }
    return { status: res.status, json };
  }

  /** A request retried while the service is unreachable. */
  private async call(name: FlinkRequestName, params: Record<string, string> = {}, body?: Record<string, unknown>, rawPath?: string): Promise<any> {
    const spec: FlinkRequestSpec = FLINK_REQUESTS[name];
    const service = SERVICE_NAMES[spec.service];
    const where = spec.service === "gateway" ? this.opts.gatewayUrl : this.opts.restUrl;
    const r = await waitFor(() => this.once(name, params, body, rawPath), {
      ...this.waitOpts(`${service} to answer ${spec.method} ${spec.path}`, where),
      retryable: isTransient,
    });
    return r.json;
  }

  // ---------------------------------------------------------------- SQL Gateway

  async getInfo(): Promise<{ productName?: string; version?: string }> {
    return (await this.call("getInfo")) ?? {};
  }

  async openSession(sessionName?: string, properties?: Record<string, string>): Promise<string> {
    const body: Record<string, unknown> = {};
    if (sessionName) body.sessionName = sessionName;
    if (properties) body.properties = properties;
    const json = await this.call("openSession", {}, body);
    if (!json?.sessionHandle) throw new Error(`Flink SQL Gateway at ${this.opts.gatewayUrl} returned no sessionHandle`);
    return String(json.sessionHandle);
  }

  /** Submits one statement. `executionConfig` applies to this statement only. */
  async executeStatement(session: string, statement: string, executionConfig?: Record<string, string>): Promise<string> {
    this.addSecrets(passwordsInStatements([statement]));
    const body: Record<string, unknown> = { statement };
    if (executionConfig && Object.keys(executionConfig).length) body.executionConfig = executionConfig;
    const json = await this.call("executeStatement", { session_handle: session }, body);
    if (!json?.operationHandle) throw new Error(`Flink SQL Gateway at ${this.opts.gatewayUrl} returned no operationHandle`);
    return String(json.operationHandle);
  }

  /**
   * Fetches all results of an operation: always `rowFormat=JSON`, polls while NOT_READY, follows
   * `nextResultUri` until EOS (or until a job id is known when `untilJobId` is set).
   */
  async fetchResults(session: string, operation: string, untilJobId = false): Promise<StatementResult> {
    const result: StatementResult = { columns: [], rows: [] };
    let next: string | undefined = undefined;
    let first = true;
    for (;;) {
      const rawPath: string | undefined = next;
      const page = await waitFor(async () => {
        const json = await this.call("fetchResults", { session_handle: session, operation_handle: operation, token: "0" }, undefined, first ? undefined : ensureRowFormat(rawPath!));
        if (json?.resultType === "NOT_READY") throw new NotReadyError(`operation ${operation} results NOT_READY`);
        return json;
      }, { ...this.waitOpts("Flink SQL Gateway operation results", this.opts.gatewayUrl), retryable: isTransient });
      first = false;
      if (page.resultKind !== undefined) result.resultKind = page.resultKind;
      if (page.isQueryResult !== undefined) result.isQueryResult = page.isQueryResult;
      if (page.jobID) result.jobID = String(page.jobID);
      const r = page.results;
      if (r?.columns?.length && !result.columns.length) result.columns = r.columns;
      if (Array.isArray(r?.data)) result.rows.push(...r.data);
      if (page.resultType === "EOS" || !page.nextResultUri) break;
      if (untilJobId && result.jobID) break;
      next = String(page.nextResultUri);
    }
    return result;
  }

  /** Executes one statement and fetches its results. */
  async runStatement(session: string, statement: string, executionConfig?: Record<string, string>): Promise<StatementResult & { operation: string }> {
    const operation = await this.executeStatement(session, statement, executionConfig);
    const result = await this.fetchResults(session, operation, true);
    return { ...result, operation };
  }

  async closeOperation(session: string, operation: string): Promise<void> {
    await this.call("closeOperation", { session_handle: session, operation_handle: operation });
  }

  async closeSession(session: string): Promise<void> {
    await this.call("closeSession", { session_handle: session });
  }

  // ---------------------------------------------------------------- JobManager

  /** Job details, or undefined when the JobManager does not know the id (404, e.g. after a restart). */
  async getJob(jobId: string): Promise<JobDetails | undefined> {
    try {
      return await this.call("getJob", { jobid: jobId });
    } catch (err) {
      if (err instanceof FlinkHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  async listJobsOverview(): Promise<JobOverview[]> {
    const json = await this.call("listJobsOverview");
    return Array.isArray(json?.jobs) ? json.jobs : [];
  }

  /** Jobs whose name (pipeline.name) equals `name`, newest first. */
  async findJobsByName(name: string, states?: readonly JobState[]): Promise<JobOverview[]> {
    const jobs = await this.listJobsOverview();
    return jobs
      .filter((j) => j.name === name && (!states || states.includes(j.state)))
      .sort((a, b) => (b["start-time"] ?? 0) - (a["start-time"] ?? 0));
  }

  /**
   * The newest entry of a job's exception history (GET /jobs/{id}/exceptions?maxExceptions=1: Flink 1.20
   * returns `exceptionHistory.entries` newest first; the deprecated `root-exception`/`timestamp` are the
   * fallback). Undefined when the job has not failed, or the JobManager does not know it.
   */
  async newestException(jobId: string): Promise<JobException | undefined> {
    let json: any;
    try {
      json = await this.call("getJobExceptions", { jobid: jobId });
    } catch (err) {
      if (err instanceof FlinkHttpError && err.status === 404) return undefined;
      throw err;
    }
    const entry = json?.exceptionHistory?.entries?.[0];
    const text: string | undefined = entry?.stacktrace ?? json?.["root-exception"] ?? entry?.exceptionName;
    if (!text) return undefined;
    return { timestamp: Number(entry?.timestamp ?? json?.timestamp ?? 0), text: this.redact(traceSummary(text)) };
  }

  /** Root cause of a job's most recent failure, if the JobManager has one. */
  async jobFailureCause(jobId: string): Promise<string | undefined> {
    try {
      return (await this.newestException(jobId))?.text;
    } catch (err) {
      if (err instanceof FlinkHttpError) return undefined;
      throw err;
    }
  }

  /** POST /jobs/{id}/stop (camelCase body). Returns the trigger id. */
  async stopWithSavepoint(jobId: string, targetDirectory: string, drain = false): Promise<string> {
    const json = await this.call("stopWithSavepoint", { jobid: jobId }, { targetDirectory, drain });
    return triggerId(json, jobId);
  }

  /** POST /jobs/{id}/savepoints (kebab-case body); the job keeps running. Returns the trigger id. */
  async triggerSavepoint(jobId: string, targetDirectory: string): Promise<string> {
    const json = await this.call("triggerSavepoint", { jobid: jobId }, { "target-directory": targetDirectory, "cancel-job": false });
    return triggerId(json, jobId);
  }

  async getSavepointStatus(jobId: string, trigger: string): Promise<SavepointStatus> {
    const json = await this.call("getSavepointStatus", { jobid: jobId, triggerid: trigger });
    const status = json?.status?.id === "COMPLETED" ? "COMPLETED" : "IN_PROGRESS";
    const op = json?.operation ?? {};
    const fc = op["failure-cause"];
    const failureCause = fc ? this.redact(traceSummary(String(fc["stack-trace"] ?? fc["class"] ?? "unknown failure"))) : undefined;
    return { status, location: op.location, failureCause };
  }

  /** Polls a savepoint trigger until COMPLETED; returns the location or throws FlinkSavepointFailedError. */
  async waitForSavepoint(jobId: string, trigger: string, timeoutMs = this.opts.timeoutMs): Promise<string> {
    const st = await waitFor(async () => {
      const s = await this.getSavepointStatus(jobId, trigger);
      if (s.status !== "COMPLETED") throw new NotReadyError(`savepoint ${trigger} IN_PROGRESS`);
      return s;
    }, { ...this.waitOpts(`savepoint of job ${jobId} to complete`, this.opts.restUrl, timeoutMs), retryable: isTransient });
    if (st.failureCause || !st.location) throw new FlinkSavepointFailedError(jobId, st.failureCause ?? "no savepoint location returned");
    return st.location;
  }

  /**
   * PATCH /jobs/{id}?mode=cancel (202). Returns false when the job had already reached a terminal state:
   * Flink refuses that cancel with 409 (JobCancellationHandler, FlinkJobTerminatedWithoutCancellationException).
   */
  async cancelJob(jobId: string): Promise<boolean> {
    try {
      await this.call("cancelJob", { jobid: jobId });
      return true;
    } catch (err) {
      if (err instanceof FlinkHttpError && err.status === 409) return false;
      throw err;
    }
  }

  /** GET /jobs/{id}/checkpoints: completed count and the newest completed checkpoint, or undefined on 404. */
  async checkpointStats(jobId: string): Promise<{ completed: number; latestPath?: string; latestAt?: number } | undefined> {
    try {
      const json = await this.call("latestCheckpoint", { jobid: jobId });
      const latest = json?.latest?.completed;
      return {
        completed: Number(json?.counts?.completed ?? 0),
        latestPath: latest?.external_path ?? undefined,
        latestAt: latest ? Number(latest.latest_ack_timestamp ?? latest.trigger_timestamp ?? 0) : undefined,
      };
    } catch (err) {
      if (err instanceof FlinkHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** `latest.completed.external_path` of a job's checkpoints, if any. */
  async latestCheckpoint(jobId: string): Promise<string | undefined> {
    return (await this.checkpointStats(jobId))?.latestPath;
  }

  /**
   * Waits until the job is ready: job RUNNING, every vertex RUNNING (a RUNNING job may still be deploying
   * its tasks) and at least one completed checkpoint (the tasks really process, and state can be restored).
   * Fails at once with the root cause when the job reaches a terminal state, or when its exception history
   * gains an entry newer than `exceptionsAfter` (a crash loop: Flink would restart it, RUNNING <-> RESTARTING).
   */
  async waitForJobReady(jobId: string, timeoutMs = this.opts.timeoutMs, exceptionsAfter = 0): Promise<JobReadiness> {
    return waitFor(async () => {
      const job = await this.getJob(jobId);
      if (!job) throw new NotReadyError(`job ${jobId} not known yet`);
      if (TERMINAL_JOB_STATES.includes(job.state) || job.state === "FAILING") {
        const cause = (await this.jobFailureCause(jobId)) ?? "no exception recorded";
        throw new FlinkJobFailedError(jobId, job.state, cause);
      }
      const newest = await this.newestException(jobId);
      if (newest && newest.timestamp > exceptionsAfter) throw new FlinkJobCrashLoopError(jobId, job.state, newest.text);
      if (job.state !== "RUNNING") throw new NotReadyError(`job ${jobId} is ${job.state}`);
      const waiting = (job.vertices ?? []).filter((v) => v.status !== "RUNNING");
      if (waiting.length) throw new NotReadyError(`job ${jobId} is RUNNING but ${waiting.map((v) => `"${v.name}" is ${v.status}`).join(", ")}`);
      const cps = await this.checkpointStats(jobId);
      if (!cps || cps.completed < 1) throw new NotReadyError(`job ${jobId} runs but has completed no checkpoint yet`);
      return { newestExceptionAt: newest?.timestamp ?? 0, completedCheckpoints: cps.completed };
    }, { ...this.waitOpts(`Flink job ${jobId} to run and complete a checkpoint`, this.opts.restUrl, timeoutMs), retryable: isTransient });
  }

  /** Waits until the job is RUNNING (tasks may still deploy); fails at once when it reaches a terminal state. */
  async waitForJobRunning(jobId: string, timeoutMs = this.opts.timeoutMs): Promise<void> {
    await waitFor(async () => {
      const job = await this.getJob(jobId);
      if (!job) throw new NotReadyError(`job ${jobId} not known yet`);
      if (job.state === "RUNNING") return;
      if (TERMINAL_JOB_STATES.includes(job.state) || job.state === "FAILING") {
        const cause = (await this.jobFailureCause(jobId)) ?? "no exception recorded";
        throw new FlinkJobFailedError(jobId, job.state, cause);
      }
      throw new NotReadyError(`job ${jobId} is ${job.state}`);
    }, { ...this.waitOpts(`Flink job ${jobId} to be RUNNING`, this.opts.restUrl, timeoutMs), retryable: isTransient });
  }

  /** Waits until the job is in one of `states` (or unknown to the JobManager when `orGone`). */
  async waitForJobState(jobId: string, states: readonly JobState[], timeoutMs = this.opts.timeoutMs, orGone = true): Promise<JobState | "GONE"> {
    return waitFor(async () => {
      const job = await this.getJob(jobId);
      if (!job) {
        if (orGone) return "GONE" as const;
        throw new NotReadyError(`job ${jobId} unknown`);
      }
      if (states.includes(job.state)) return job.state;
      throw new NotReadyError(`job ${jobId} is ${job.state}`);
    }, { ...this.waitOpts(`Flink job ${jobId} to reach ${states.join("/")}`, this.opts.restUrl, timeoutMs), retryable: isTransient });
  }
}

function ensureRowFormat(path: string): string {
  return /[?&]rowFormat=/.test(path) ? path : path + (path.includes("?") ? "&" : "?") + "rowFormat=JSON";
}

function triggerId(json: any, jobId: string): string {
  const id = json?.["request-id"];
  if (!id) throw new Error(`Flink JobManager returned no request-id for job ${jobId}`);
  return String(id);
}

/**
 * A Java stack trace in one line: its first line and its deepest "Caused by:" line. Flink's root exceptions
 * are wrappers ("Global failure triggered by OperatorCoordinator for 'Source: ...'"); the deepest cause is the
 * reason (e.g. "java.sql.SQLException: Access denied for user ..."). Without causes: the first lines.
 */
export function traceSummary(trace: string): string {
  const lines = trace.split("\n").map((l) => l.trim()).filter(Boolean);
  const causes = lines.filter((l) => l.startsWith("Caused by:"));
  if (!causes.length) return firstLines(trace);
  return clip(`${clip(lines[0], 300)} | ${causes[causes.length - 1]}`, 800);
}

/** The first `n` non-empty lines of a (possibly multi-KB) message, joined, at most `max` characters. */
export function firstLines(text: string, n = 3, max = 600): string {
  return clip(text.split("\n").map((l) => l.trim()).filter(Boolean).slice(0, n).join(" | "), max);
}

function clip(text: string, max = 600): string {
  return text.length > max ? text.slice(0, max) + " …" : text;
}
