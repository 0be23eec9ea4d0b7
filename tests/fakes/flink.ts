/**
 * A FAKE of the Flink 1.20 SQL Gateway and JobManager REST APIs, for tests only: two node http servers on
 * free loopback ports, serving just the endpoints clients/flink.ts uses, with the wire formats of Flink 1.20
 * (including FetchResults' wire names `isQueryResult`, `results.columns`, top-level `jobID`). It is not Flink:
 * it parses no SQL beyond recognising CREATE TEMPORARY TABLE and INSERT, and runs no jobs.
 *
 * Also here: MemoryObjectStore, an in-memory fake of the S3 listing seam (providers/cdcJob.ts ObjectStore). When
 * a FlinkFake is given one, completed checkpoints and savepoints leave `_metadata` objects in it, laid out as
 * Flink lays them out on S3.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { randomBytes, randomUUID } from "crypto";
import type { ObjectStore, StoredObject } from "../../providers/cdcJob";

export type FakeJobState = "INITIALIZING" | "CREATED" | "RUNNING" | "FAILING" | "FAILED" | "CANCELLING" | "CANCELED" | "FINISHED";

export interface FakeJob {
  jid: string;
  name: string;
  state: FakeJobState;
  startTime: number;
  endTime: number;
  /** GET /jobs/{id} calls still to answer before the job leaves CREATED. */
  pollsUntilStarted: number;
  /** When set, the job goes to FAILED (instead of RUNNING) with this root cause. */
  failWith?: string;
  statement: string;
  executionConfig: Record<string, string>;
  checkpoints: Array<{ id: number; path: string; timestamp: number }>;
}

export interface RecordedRequest {
  service: "gateway" | "jobmanager";
  method: string;
  path: string;
  query: Record<string, string>;
  body: any;
  status: number;
  responseBody: any;
}

interface FakeOperation {
  statement: string;
  executionConfig: Record<string, string>;
  notReadyLeft: number;
  error?: string;
  result?: { resultKind: string; columns: any[]; data: any[]; jobID?: string };
}

interface FakeTrigger {
  jobId: string;
  kind: "stop" | "savepoint";
  targetDirectory: string;
  pollsLeft: number;
  outcome: { location: string } | { failure: string } | "never";
}

const UNSUPPORTED_MULTI =
  "Unsupported SQL statement! Execute statement only accepts a single SQL statement or multiple 'INSERT INTO' statements wrapped in a 'STATEMENT SET' block.";

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { body: string; lastModified: Date }>();
  private clock = Date.UTC(2025, 0, 1);
  /** Calls made, for assertions. */
  readonly calls: Array<{ op: string; key: string }> = [];

  /** Adds an object; each put is one second newer than the previous, unless a time is given. */
  put(key: string, body = "", lastModified?: Date): void {
    this.clock += 1000;
    this.objects.set(key, { body, lastModified: lastModified ?? new Date(this.clock) });
  }
  async list(prefix: string): Promise<StoredObject[]> {
    this.calls.push({ op: "list", key: prefix });
    return [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([key, o]) => ({ key, lastModified: o.lastModified }));
  }
  async getText(key: string): Promise<string | undefined> {
    this.calls.push({ op: "get", key });
    return this.objects.get(key)?.body;
  }
  async putText(key: string, body: string): Promise<void> {
    this.calls.push({ op: "put", key });
    this.put(key, body);
  }
  async remove(key: string): Promise<void> {
    this.calls.push({ op: "remove", key });
    this.objects.delete(key);
  }
}

export interface FlinkFakeOptions {
  /** GET /jobs/{id} polls a new job answers CREATED before RUNNING. Default 1. */
  pollsUntilStarted?: number;
  /** NOT_READY answers before the first result page. Default 1. */
  notReadyPolls?: number;
  /** Object store receiving checkpoint/savepoint _metadata objects, and its bucket. */
  store?: MemoryObjectStore;
  bucket?: string;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** Splits SQL on `;` outside quotes; returns the non-empty statements. */
function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === "`" || ch === '"') quote = ch;
    else if (ch === ";") {
      out.push(cur);
      cur = "";
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

export class FlinkFake {
  gatewayUrl = "";
  restUrl = "";
  readonly requests: RecordedRequest[] = [];
  readonly jobs = new Map<string, FakeJob>();
  private sessions = new Map<string, Map<string, FakeOperation>>();
  private triggers = new Map<string, FakeTrigger>();
  private gateway?: http.Server;
  private jobmanager?: http.Server;
  private checkpointCounter = 0;

  /** Modes, settable by tests. */
  mode: {
    /** New jobs FAIL after submission with this root cause. */
    failJobsWith?: string;
    /** Savepoint/stop triggers complete with this failure cause; the job stays RUNNING. */
    failSavepointsWith?: string;
    /** Savepoint/stop triggers never complete. */
    savepointsHang?: boolean;
  } = {};

  constructor(private readonly opts: FlinkFakeOptions = {}) {}

  async start(): Promise<this> {
    this.gateway = await this.listen((req, res, body) => this.handleGateway(req, res, body), "gateway");
    this.jobmanager = await this.listen((req, res, body) => this.handleJobManager(req, res, body), "jobmanager");
    this.gatewayUrl = `http://127.0.0.1:${(this.gateway.address() as AddressInfo).port}`;
    this.restUrl = `http://127.0.0.1:${(this.jobmanager.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of [this.gateway, this.jobmanager]) {
      if (s) await new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); });
    }
  }

  /** A JobManager restart without HA: every job, session and trigger is forgotten (404 afterwards). */
  restart(): void {
    this.jobs.clear();
    this.sessions.clear();
    this.triggers.clear();
  }

  /** Requests to one path template, e.g. requestsTo("POST", /\/statements$/). */
  requestsTo(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  /** Submitted INSERT statements with their executionConfig, oldest first. */
  submissions(): Array<{ statement: string; executionConfig: Record<string, string> }> {
    return this.requestsTo("POST", /\/statements$/)
      .filter((r) => /^\s*INSERT/i.test(r.body?.statement ?? ""))
      .map((r) => ({ statement: r.body.statement, executionConfig: r.body.executionConfig ?? {} }));
  }

  /** Completes a checkpoint of a job: JobManager statistics plus `_metadata` in the store. */
  completeCheckpoint(jid: string): string {
    const job = this.jobs.get(jid);
    if (!job) throw new Error(`fake: no job ${jid}`);
    const id = ++this.checkpointCounter;
    const bucket = this.opts.bucket ?? "bucket";
    const key = `flink/checkpoints/${jid}/chk-${id}`;
    const path = `s3://${bucket}/${key}`;
    job.checkpoints.push({ id, path, timestamp: Date.now() });
    this.opts.store?.put(`${key}/_metadata`, "fake checkpoint metadata");
    return path;
  }

  /** Makes a job fail (as if a task failed). */
  failJob(jid: string, cause: string): void {
    const job = this.jobs.get(jid);
    if (!job) throw new Error(`fake: no job ${jid}`);
    job.state = "FAILED";
    job.failWith = cause;
    job.endTime = Date.now();
  }

  runningJobs(): FakeJob[] {
    return [...this.jobs.values()].filter((j) => j.state === "RUNNING");
  }

  // ------------------------------------------------------------------ plumbing

  private listen(handler: (req: http.IncomingMessage, res: Reply, body: any) => void, service: "gateway" | "jobmanager"): Promise<http.Server> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: any;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = text;
        }
        const url = new URL(req.url ?? "/", "http://fake");
        const record: RecordedRequest = { service, method: req.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), body, status: 0, responseBody: undefined };
        this.requests.push(record);
        const reply: Reply = (status, json) => {
          record.status = status;
          record.responseBody = json;
          res.writeHead(status, { "content-type": "application/json" });
          res.end(json === undefined ? "" : JSON.stringify(json));
        };
        try {
          handler(req, reply, body);
        } catch (err) {
          reply(500, { errors: ["Internal server error.", String((err as Error).stack)] });
        }
      });
    });
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
  }

  // ------------------------------------------------------------------ SQL Gateway

  private handleGateway(req: http.IncomingMessage, reply: Reply, body: any): void {
    const url = new URL(req.url ?? "/", "http://fake");
    const m = /^\/(v1|v2|v3)(\/.*)$/.exec(url.pathname);
    const path = m ? m[2] : url.pathname; // no prefix = latest (v3)
    const version = m ? m[1] : "v3";
    const method = req.method;
    let p: RegExpExecArray | null;

    if (method === "GET" && path === "/info") return reply(200, { productName: "Apache Flink", version: "1.20.3" });
    if (method === "GET" && path === "/api_versions") return reply(200, { versions: ["V1", "V2", "V3"] });
    if (method === "POST" && path === "/sessions") {
      const handle = randomUUID();
      this.sessions.set(handle, new Map());
      return reply(200, { sessionHandle: handle });
    }
    if ((p = /^\/sessions\/([^/]+)$/.exec(path)) && method === "DELETE") {
      if (!this.sessions.delete(p[1])) return reply(404, { errors: [`Session '${p[1]}' does not exist.`] });
      return reply(200, { status: "CLOSED" });
    }
    if ((p = /^\/sessions\/([^/]+)\/statements$/.exec(path)) && method === "POST") {
      const ops = this.sessions.get(p[1]);
      if (!ops) return reply(404, { errors: [`Session '${p[1]}' does not exist.`] });
      if (typeof body?.statement !== "string") return reply(400, { errors: ["Request did not match expected format ExecuteStatementRequestBody."] });
      const handle = randomUUID();
      ops.set(handle, this.execute(body.statement, body.executionConfig ?? {}));
      return reply(200, { operationHandle: handle });
    }
    if ((p = /^\/sessions\/([^/]+)\/operations\/([^/]+)\/close$/.exec(path)) && method === "DELETE") {
      const ops = this.sessions.get(p[1]);
      if (!ops?.delete(p[2])) return reply(404, { errors: [`Operation '${p[2]}' does not exist.`] });
      return reply(200, { status: "CLOSED" });
    }
    if ((p = /^\/sessions\/([^/]+)\/operations\/([^/]+)\/result\/(\d+)$/.exec(path)) && method === "GET") {
      const op = this.sessions.get(p[1])?.get(p[2]);
      if (!op) return reply(404, { errors: [`Can not find the submitted operation in the OperationManager with the ${p[2]}.`] });
      const rowFormat = url.searchParams.get("rowFormat");
      if (version !== "v1" && rowFormat === null) return reply(400, { errors: ["Required query parameter rowFormat is missing."] });
      const token = Number(p[3]);
      const self = `/${version}/sessions/${p[1]}/operations/${p[2]}/result`;
      const q = version === "v1" ? "" : `?rowFormat=${rowFormat}`;
      if (op.notReadyLeft > 0) {
        op.notReadyLeft--;
        return reply(200, { resultType: "NOT_READY", nextResultUri: `${self}/${token}${q}` });
      }
      if (op.error) {
        return reply(500, { errors: ["Failed to fetchResults.", `org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.\nCaused by: org.apache.flink.table.gateway.service.utils.SqlExecutionException: Failed to execute the operation ${p[2]}.\nCaused by: ${op.error}`] });
      }
      const r = op.result!;
      const head: any = { isQueryResult: false, resultKind: r.resultKind };
      if (r.jobID) head.jobID = r.jobID;
      if (token === 0) {
        return reply(200, { resultType: "PAYLOAD", ...head, results: { columns: r.columns, rowFormat: rowFormat ?? "JSON", data: r.data }, nextResultUri: `${self}/1${q}` });
      }
      return reply(200, { resultType: "EOS", ...head, results: { columns: r.columns, rowFormat: rowFormat ?? "JSON", data: [] } });
    }
    return reply(404, { errors: ["Not found: " + url.pathname] });
  }

  private execute(sql: string, executionConfig: Record<string, string>): FakeOperation {
    const op: FakeOperation = { statement: sql, executionConfig, notReadyLeft: this.opts.notReadyPolls ?? 1 };
    const parts = splitStatements(sql);
    if (parts.length !== 1) {
      op.error = `java.lang.UnsupportedOperationException: ${UNSUPPORTED_MULTI}`;
      return op;
    }
    const text = parts[0];
    if (/^CREATE\s+TEMPORARY\s+TABLE\s/i.test(text)) {
      op.result = { resultKind: "SUCCESS", columns: [{ name: "result", logicalType: { type: "VARCHAR", nullable: true, length: 2147483647 }, comment: null }], data: [{ kind: "INSERT", fields: ["OK"] }] };
      return op;
    }
    if (/^INSERT\s+INTO\s/i.test(text)) {
      const jid = hex(16);
      const name = executionConfig["pipeline.name"] ?? "insert-into_default_catalog.default_database.sink";
      this.jobs.set(jid, {
        jid,
        name,
        state: "CREATED",
        startTime: Date.now(),
        endTime: -1,
        pollsUntilStarted: this.opts.pollsUntilStarted ?? 1,
        failWith: this.mode.failJobsWith,
        statement: text,
        executionConfig,
        checkpoints: [],
      });
      op.result = { resultKind: "SUCCESS_WITH_CONTENT", columns: [{ name: "job id", logicalType: { type: "VARCHAR", nullable: true, length: 2147483647 }, comment: null }], data: [{ kind: "INSERT", fields: [jid] }], jobID: jid };
      return op;
    }
    op.error = `org.apache.flink.table.api.SqlParserException: the Flink fake only runs CREATE TEMPORARY TABLE and INSERT INTO`;
    return op;
  }

  // ------------------------------------------------------------------ JobManager

  /** Advances a job on each observation: CREATED -> RUNNING (or FAILED in failJobsWith mode). */
  private observe(job: FakeJob): FakeJob {
    if (job.state === "CREATED") {
      if (job.pollsUntilStarted > 0) job.pollsUntilStarted--;
      else if (job.failWith) {
        job.state = "FAILED";
        job.endTime = Date.now();
      } else job.state = "RUNNING";
    }
    return job;
  }

  private overview(job: FakeJob) {
    const now = Date.now();
    return {
      jid: job.jid,
      name: job.name,
      state: job.state,
      "start-time": job.startTime,
      "end-time": job.endTime,
      duration: (job.endTime > 0 ? job.endTime : now) - job.startTime,
      "last-modification": now,
      tasks: { running: job.state === "RUNNING" ? 2 : 0, canceling: 0, canceled: job.state === "CANCELED" ? 2 : 0, total: 2, created: 0, scheduled: 0, deploying: 0, reconciling: 0, finished: job.state === "FINISHED" ? 2 : 0, initializing: 0, failed: job.state === "FAILED" ? 1 : 0 },
    };
  }

  private handleJobManager(req: http.IncomingMessage, reply: Reply, body: any): void {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    const method = req.method;
    let p: RegExpExecArray | null;
    const notFound = (jid: string) => reply(404, { errors: [`org.apache.flink.runtime.rest.NotFoundException: Job ${jid} not found`] });

    if (method === "GET" && path === "/jobs/overview") {
      return reply(200, { jobs: [...this.jobs.values()].map((j) => this.overview(this.observe(j))) });
    }
    if ((p = /^\/jobs\/([0-9a-f]{32})$/.exec(path))) {
      const job = this.jobs.get(p[1]);
      if (!job) return notFound(p[1]);
      if (method === "GET") {
        this.observe(job);
        return reply(200, {
          ...this.overview(job),
          isStoppable: false,
          "job-type": "STREAMING",
          maxParallelism: -1,
          now: Date.now(),
          timestamps: { CREATED: job.startTime, RUNNING: job.startTime },
          vertices: [],
          "status-counts": {},
          plan: { jid: job.jid, name: job.name, type: "STREAMING", nodes: [] },
        });
      }
      if (method === "PATCH") {
        const mode = url.searchParams.get("mode");
        if (mode !== null && mode.toUpperCase() === "STOP") return reply(400, { errors: ['The termination mode "stop" has been removed. For an ungraceful shutdown, please use "cancel" instead. For a graceful shutdown, please use "jobs/:jobId/stop" instead.'] });
        if (mode !== null && mode.toUpperCase() !== "CANCEL") return reply(400, { errors: [`Invalid value for mode: ${mode}`] });
        if (job.state !== "FAILED" && job.state !== "FINISHED") {
          job.state = "CANCELED";
          job.endTime = Date.now();
        }
        return reply(202, undefined);
      }
    }
    if ((p = /^\/jobs\/([0-9a-f]{32})\/exceptions$/.exec(path)) && method === "GET") {
      const job = this.jobs.get(p[1]);
      if (!job) return notFound(p[1]);
      const entries = job.state === "FAILED" && job.failWith
        ? [{ exceptionName: "org.apache.flink.runtime.JobException", stacktrace: `org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy\nCaused by: ${job.failWith}`, timestamp: job.endTime, taskName: "Source: src -> Sink: sink", endpoint: "taskmanager-1:6121", taskManagerId: "tm-1", failureLabels: {}, concurrentExceptions: [] }]
        : [];
      return reply(200, { "root-exception": entries[0]?.stacktrace, timestamp: entries[0]?.timestamp, "all-exceptions": [], truncated: false, exceptionHistory: { entries, truncated: false } });
    }
    if ((p = /^\/jobs\/([0-9a-f]{32})\/checkpoints$/.exec(path)) && method === "GET") {
      const job = this.jobs.get(p[1]);
      if (!job) return notFound(p[1]);
      const last = job.checkpoints[job.checkpoints.length - 1];
      const completed = last
        ? { className: "completed", id: last.id, status: "COMPLETED", is_savepoint: false, savepointFormat: null, trigger_timestamp: last.timestamp, latest_ack_timestamp: last.timestamp, checkpointed_size: 1024, state_size: 1024, end_to_end_duration: 12, alignment_buffered: 0, processed_data: 0, persisted_data: 0, num_subtasks: 2, num_acknowledged_subtasks: 2, checkpoint_type: "CHECKPOINT", tasks: {}, external_path: last.path, discarded: false }
        : null;
      const summaryStat = { min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
      return reply(200, {
        counts: { restored: 0, total: job.checkpoints.length, in_progress: 0, completed: job.checkpoints.length, failed: 0 },
        summary: { checkpointed_size: summaryStat, state_size: summaryStat, end_to_end_duration: summaryStat, alignment_buffered: summaryStat, processed_data: summaryStat, persisted_data: summaryStat },
        latest: { completed, savepoint: null, failed: null, restored: null },
        history: completed ? [completed] : [],
      });
    }
    if ((p = /^\/jobs\/([0-9a-f]{32})\/(stop|savepoints)$/.exec(path)) && method === "POST") {
      const job = this.jobs.get(p[1]);
      if (!job) return notFound(p[1]);
      const kind = p[2] === "stop" ? "stop" : "savepoint";
      // Flink rejects unknown JSON fields; /stop is camelCase, /savepoints kebab-case.
      const allowed = kind === "stop" ? ["targetDirectory", "drain", "formatType", "triggerId"] : ["target-directory", "cancel-job", "formatType", "triggerId"];
      const unknown = Object.keys(body ?? {}).filter((k) => !allowed.includes(k));
      if (unknown.length) return reply(400, { errors: [`Request did not match expected format ${kind === "stop" ? "StopWithSavepointRequestBody" : "SavepointTriggerRequestBody"}.`] });
      if (job.state !== "RUNNING") return reply(409, { errors: [`Job ${job.jid} is not in RUNNING state.`] });
      const dir = (kind === "stop" ? body?.targetDirectory : body?.["target-directory"]) as string | undefined;
      if (!dir) return reply(500, { errors: ["Internal server error.", "java.lang.IllegalStateException: No savepoint directory configured. You can either specify a directory while cancelling via -s :targetDirectory or configure a cluster-wide default via key 'execution.checkpointing.savepoint-dir'."] });
      const trigger = hex(16);
      const outcome: FakeTrigger["outcome"] = this.mode.savepointsHang ? "never" : this.mode.failSavepointsWith ? { failure: this.mode.failSavepointsWith } : { location: `${dir.replace(/\/+$/, "")}/savepoint-${job.jid.slice(0, 6)}-${hex(6)}` };
      this.triggers.set(trigger, { jobId: job.jid, kind, targetDirectory: dir, pollsLeft: 1, outcome });
      return reply(202, { "request-id": trigger });
    }
    if ((p = /^\/jobs\/([0-9a-f]{32})\/savepoints\/([0-9a-f]{32})$/.exec(path)) && method === "GET") {
      const t = this.triggers.get(p[2]);
      if (!t || t.jobId !== p[1]) return reply(404, { errors: ["Operation not found under key: " + p[2]] });
      if (t.outcome === "never" || t.pollsLeft > 0) {
        t.pollsLeft--;
        return reply(200, { status: { id: "IN_PROGRESS" } });
      }
      if ("failure" in t.outcome) {
        return reply(200, { status: { id: "COMPLETED" }, operation: { "failure-cause": { class: "java.util.concurrent.CompletionException", "stack-trace": `java.util.concurrent.CompletionException: ${t.outcome.failure}\n\tat fake`, "serialized-throwable": "rO0ABQ==" } } });
      }
      const job = this.jobs.get(t.jobId);
      if (job && t.kind === "stop" && job.state === "RUNNING") {
        job.state = "FINISHED";
        job.endTime = Date.now();
      }
      const bucketPath = /^s3:\/\/[^/]+\/(.*)$/.exec(t.outcome.location);
      if (bucketPath && !this.storedSavepoints.has(t.outcome.location)) {
        this.storedSavepoints.add(t.outcome.location);
        this.opts.store?.put(`${bucketPath[1]}/_metadata`, "fake savepoint metadata");
      }
      return reply(200, { status: { id: "COMPLETED" }, operation: { location: t.outcome.location } });
    }
    return reply(404, { errors: ["Not found: " + path] });
  }

  private storedSavepoints = new Set<string>();
}

type Reply = (status: number, json: unknown) => void;
