/**
 * A FAKE of the Flink 1.20 SQL Gateway and JobManager REST APIs, for tests only: two node http servers on
 * free loopback ports, serving just the endpoints clients/flink.ts uses, with the wire formats of Flink 1.20
 * (including FetchResults' wire names `isQueryResult`, `results.columns`, top-level `jobID`). It is not Flink:
 * it parses no SQL beyond recognising CREATE TEMPORARY TABLE, INSERT and EXPLAIN PLAN FOR INSERT, and runs no
 * jobs. Where the provider depends on it, it behaves as Flink 1.20 does:
 * - a session knows only the tables created in it (INSERT/EXPLAIN of an unknown table fail validation);
 * - a job is RUNNING before its tasks are (vertices CREATED -> DEPLOYING -> RUNNING over observations), and
 *   completes checkpoints only while every task runs (`counts.completed` grows);
 * - a job that fails (crashLoopWith) goes RUNNING -> RESTARTING -> RUNNING ..., each failure adding an entry
 *   to `exceptionHistory` (newest first), until the bounded restart strategy gives up (FAILED);
 * - stop-with-savepoint or a savepoint of a job whose tasks do not all run is accepted (202) and fails
 *   asynchronously (CheckpointException "Not all required tasks are currently running.");
 * - cancelling a job in a terminal state answers 409 (JobCancellationHandler, FlinkJobTerminatedWithout-
 *   CancellationException).
 *
 * Who still uses it (everything else moved to the real-Flink tier, tests/real/, which proves create, adoption,
 * upgrades, rollback, resuming a failed or cancelled job, loss recovery, delete and the crash loop on Flink itself):
 * - tests/flink/cdcJob.test.ts: request shapes (one statement per request, pipeline.name, the session closed),
 *   a failing savepoint, a stop that never completes, the savepoint nonce, diff/check, client errors;
 * - tests/flink/cdcJobLifecycle.test.ts: checkpoints that never complete, a job caught exactly while
 *   RESTARTING, refresh drift and "recovered by itself" timing, 409 on cancel, label generations in the
 *   submitted DDL, password placeholders and scrubbing: states real Flink cannot be put in on demand;
 * - tests/flink/contract.test.ts: its responses validate against Flink's published OpenAPI specs;
 * - tests/flink/externalCluster.test.ts: external-cluster state dirs (hdfs://, file://) and the execution
 *   config each request carries, which the real tier (state on S3) does not exercise.
 *
 * Also here: MemoryObjectStore, an in-memory fake of the S3 listing seam (providers/cdcJob.ts ObjectStore). When
 * a FlinkFake is given one, completed checkpoints and savepoints leave `_metadata` objects in it, laid out as
 * Flink lays them out on S3.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { randomBytes, randomUUID } from "crypto";
import type { ObjectStore, StoredObject } from "../../providers/cdcJob";

export type FakeJobState = "INITIALIZING" | "CREATED" | "RUNNING" | "RESTARTING" | "FAILING" | "FAILED" | "CANCELLING" | "CANCELED" | "FINISHED";

/** Flink ExecutionState values a vertex shows here. */
export type FakeVertexState = "CREATED" | "SCHEDULED" | "DEPLOYING" | "RUNNING" | "FINISHED" | "CANCELED" | "FAILED";

export interface FakeVertex {
  id: string;
  name: string;
  parallelism: number;
  status: FakeVertexState;
}

export interface FakeException {
  exceptionName: string;
  stacktrace: string;
  timestamp: number;
}

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
  /** When set, every attempt fails with this root cause once its tasks deploy (RUNNING -> RESTARTING). */
  crashWith?: string;
  /** Failures so far (each one an exceptionHistory entry). */
  failures: number;
  statement: string;
  /** The CREATE TEMPORARY TABLE statements the INSERT used, as submitted (passwords included). */
  ddl: string[];
  executionConfig: Record<string, string>;
  vertices: FakeVertex[];
  exceptions: FakeException[];
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
  /**
   * Restarts the bounded restart strategy allows before the job FAILS (render/flink.ts: failure-rate,
   * max-failures-per-interval 3). Default 3.
   */
  maxRestarts?: number;
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
  /** CREATE TEMPORARY TABLE statements per session, by table name. */
  private sessionTables = new Map<string, Map<string, string>>();
  private clock = Date.now();
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
    /**
     * A root cause for jobs that crash-loop (e.g. a wrong source password), decided from the CREATE statements
     * the job uses; undefined = the job runs.
     */
    crashLoopWith?: (ddl: string[]) => string | undefined;
    /** Planning (EXPLAIN and INSERT) fails with this cause, decided from the session's CREATE statements. */
    failPlanningWith?: (ddl: string[]) => string | undefined;
    /** Healthy jobs complete a checkpoint each time their checkpoints are read. Default true. */
    autoCheckpoint?: boolean;
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
    this.sessionTables.clear();
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
    job.checkpoints.push({ id, path, timestamp: this.now() });
    this.opts.store?.put(`${key}/_metadata`, "fake checkpoint metadata");
    return path;
  }

  /** Makes a job fail (as if a task failed and the restart strategy gave up). */
  failJob(jid: string, cause: string): void {
    const job = this.jobs.get(jid);
    if (!job) throw new Error(`fake: no job ${jid}`);
    this.recordFailure(job, cause);
    job.state = "FAILED";
    job.failWith = cause;
    job.endTime = Date.now();
    this.setVertices(job, "CANCELED");
  }

  /** A task failure the job recovers from: RESTARTING, then running again on the next observations. */
  restartJob(jid: string, cause: string): void {
    const job = this.jobs.get(jid);
    if (!job) throw new Error(`fake: no job ${jid}`);
    this.recordFailure(job, cause);
    job.state = "RESTARTING";
    this.setVertices(job, "CANCELED");
  }

  /** Ticks of the fake's clock: strictly increasing, so exception and checkpoint order is unambiguous. */
  private now(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }

  private recordFailure(job: FakeJob, cause: string): void {
    job.failures++;
    // As Flink 1.20 records a source failure: a wrapper naming the operator, the reason in the deepest "Caused by:".
    const wrapper = `org.apache.flink.util.FlinkException: Global failure triggered by OperatorCoordinator for '${job.vertices[0]?.name ?? "Source"}' (operator ${job.vertices[0]?.id ?? "0"}).`;
    const trace = [wrapper, "\tat org.apache.flink.runtime.operators.coordination.OperatorCoordinatorHolder$LazyInitializedCoordinatorContext.failJob(OperatorCoordinatorHolder.java:651)", `Caused by: ${cause}`, "\tat fake.Task.invoke(Task.java:1)"].join("\n");
    job.exceptions.unshift({ exceptionName: "org.apache.flink.util.FlinkException", stacktrace: trace, timestamp: this.now() });
  }

  private setVertices(job: FakeJob, status: FakeVertexState): void {
    for (const v of job.vertices) v.status = status;
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
      this.sessionTables.set(handle, new Map());
      return reply(200, { sessionHandle: handle });
    }
    if ((p = /^\/sessions\/([^/]+)$/.exec(path)) && method === "DELETE") {
      if (!this.sessions.delete(p[1])) return reply(404, { errors: [`Session '${p[1]}' does not exist.`] });
      this.sessionTables.delete(p[1]);
      return reply(200, { status: "CLOSED" });
    }
    if ((p = /^\/sessions\/([^/]+)\/statements$/.exec(path)) && method === "POST") {
      const ops = this.sessions.get(p[1]);
      if (!ops) return reply(404, { errors: [`Session '${p[1]}' does not exist.`] });
      if (typeof body?.statement !== "string") return reply(400, { errors: ["Request did not match expected format ExecuteStatementRequestBody."] });
      const handle = randomUUID();
      ops.set(handle, this.execute(p[1], body.statement, body.executionConfig ?? {}));
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

  private execute(session: string, sql: string, executionConfig: Record<string, string>): FakeOperation {
    const op: FakeOperation = { statement: sql, executionConfig, notReadyLeft: this.opts.notReadyPolls ?? 1 };
    const parts = splitStatements(sql);
    if (parts.length !== 1) {
      op.error = `java.lang.UnsupportedOperationException: ${UNSUPPORTED_MULTI}`;
      return op;
    }
    const text = parts[0];
    const tables = this.sessionTables.get(session)!;
    const varchar = { type: "VARCHAR", nullable: true, length: 2147483647 };
    const create = /^CREATE\s+TEMPORARY\s+TABLE\s+`?(\w+)`?/i.exec(text);
    if (create) {
      if (tables.has(create[1])) {
        op.error = `org.apache.flink.table.api.ValidationException: Temporary table '\`default_catalog\`.\`default_database\`.\`${create[1]}\`' already exists`;
        return op;
      }
      tables.set(create[1], text);
      op.result = { resultKind: "SUCCESS", columns: [{ name: "result", logicalType: varchar, comment: null }], data: [{ kind: "INSERT", fields: ["OK"] }] };
      return op;
    }
    const explain = /^EXPLAIN\s+PLAN\s+FOR\s+([\s\S]*)$/i.exec(text);
    const insertText = explain ? explain[1].trim() : text;
    const insert = /^INSERT\s+INTO\s+`?(\w+)`?(?:[\s\S]*?\bFROM\s+`?(\w+)`?)?/i.exec(insertText);
    if (insert) {
      // Validation, then planning (which is where connectors check their options and the sink its table).
      for (const name of [insert[2], insert[1]].filter((n): n is string => !!n)) {
        if (!tables.has(name)) {
          op.error = `org.apache.flink.table.api.ValidationException: SQL validation failed. From line 1, column 1 to line 1, column ${name.length}: Object '${name}' not found`;
          return op;
        }
      }
      const ddl = [insert[2] ? tables.get(insert[2])! : "", tables.get(insert[1])!].filter(Boolean);
      const planningError = this.mode.failPlanningWith?.(ddl);
      if (planningError) {
        op.error = planningError;
        return op;
      }
      if (explain) {
        const plan = `== Abstract Syntax Tree ==\nLogicalSink(table=[default_catalog.default_database.${insert[1]}])\n+- LogicalTableScan(table=[[default_catalog, default_database, ${insert[2] ?? "values"}]])\n\n== Optimized Physical Plan ==\nSink(table=[default_catalog.default_database.${insert[1]}])\n+- TableSourceScan(table=[[default_catalog, default_database, ${insert[2] ?? "values"}]])\n`;
        op.result = { resultKind: "SUCCESS_WITH_CONTENT", columns: [{ name: "result", logicalType: varchar, comment: null }], data: [{ kind: "INSERT", fields: [plan] }] };
        return op;
      }
      const jid = hex(16);
      const name = executionConfig["pipeline.name"] ?? "insert-into_default_catalog.default_database.sink";
      const parallelism = 1;
      this.jobs.set(jid, {
        jid,
        name,
        state: "CREATED",
        startTime: Date.now(),
        endTime: -1,
        pollsUntilStarted: this.opts.pollsUntilStarted ?? 1,
        failWith: this.mode.failJobsWith,
        crashWith: this.mode.crashLoopWith?.(ddl),
        failures: 0,
        statement: text,
        ddl,
        executionConfig,
        vertices: [
          { id: hex(16), name: `Source: ${insert[2] ?? "Values"}[1]`, parallelism, status: "CREATED" },
          { id: hex(16), name: `ConstraintEnforcer[2] -> Sink: ${insert[1]}[2]`, parallelism, status: "CREATED" },
        ],
        exceptions: [],
        checkpoints: [],
      });
      op.result = { resultKind: "SUCCESS_WITH_CONTENT", columns: [{ name: "job id", logicalType: varchar, comment: null }], data: [{ kind: "INSERT", fields: [jid] }], jobID: jid };
      return op;
    }
    op.error = `org.apache.flink.table.api.SqlParserException: the Flink fake only runs CREATE TEMPORARY TABLE, INSERT INTO and EXPLAIN PLAN FOR INSERT INTO`;
    return op;
  }

  // ------------------------------------------------------------------ JobManager

  /**
   * Advances a job on each observation, as Flink's scheduler would between two polls:
   * CREATED -> RUNNING with tasks DEPLOYING -> tasks RUNNING; with crashWith, deployed tasks fail instead
   * (RESTARTING, an exception entry), until the restart strategy gives up (FAILED).
   */
  private observe(job: FakeJob): FakeJob {
    const maxRestarts = this.opts.maxRestarts ?? 3;
    switch (job.state) {
      case "CREATED":
        if (job.pollsUntilStarted > 0) job.pollsUntilStarted--;
        else if (job.failWith) {
          this.recordFailure(job, job.failWith);
          job.state = "FAILED";
          job.endTime = Date.now();
          this.setVertices(job, "CANCELED");
        } else {
          job.state = "RUNNING";
          this.setVertices(job, "DEPLOYING");
        }
        break;
      case "RESTARTING":
        job.state = "RUNNING";
        this.setVertices(job, "DEPLOYING");
        break;
      case "RUNNING":
        if (job.vertices.some((v) => v.status !== "RUNNING")) {
          if (job.crashWith) {
            this.recordFailure(job, job.crashWith);
            this.setVertices(job, "CANCELED");
            if (job.failures > maxRestarts) {
              job.state = "FAILED";
              job.endTime = Date.now();
            } else job.state = "RESTARTING";
          } else this.setVertices(job, "RUNNING");
        }
        break;
    }
    return job;
  }

  /** Every task runs: the only condition under which checkpoints and savepoints can complete. */
  private allTasksRunning(job: FakeJob): boolean {
    return job.state === "RUNNING" && job.vertices.length > 0 && job.vertices.every((v) => v.status === "RUNNING");
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
      tasks: this.taskCounts(job),
    };
  }

  private taskCounts(job: FakeJob): Record<string, number> {
    const count = (st: FakeVertexState) => job.vertices.filter((v) => v.status === st).reduce((n, v) => n + v.parallelism, 0);
    return { running: count("RUNNING"), canceling: 0, canceled: count("CANCELED"), total: job.vertices.reduce((n, v) => n + v.parallelism, 0), created: count("CREATED"), scheduled: count("SCHEDULED"), deploying: count("DEPLOYING"), reconciling: 0, finished: count("FINISHED"), initializing: 0, failed: count("FAILED") };
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
          vertices: job.vertices.map((v) => ({ id: v.id, name: v.name, maxParallelism: 128, parallelism: v.parallelism, status: v.status, "start-time": job.startTime, "end-time": -1, duration: Date.now() - job.startTime, tasks: { [v.status]: v.parallelism }, metrics: {} })),
          "status-counts": this.taskCounts(job),
          plan: { jid: job.jid, name: job.name, type: "STREAMING", nodes: [] },
        });
      }
      if (method === "PATCH") {
        const mode = url.searchParams.get("mode");
        if (mode !== null && mode.toUpperCase() === "STOP") return reply(400, { errors: ['The termination mode "stop" has been removed. For an ungraceful shutdown, please use "cancel" instead. For a graceful shutdown, please use "jobs/:jobId/stop" instead.'] });
        if (mode !== null && mode.toUpperCase() !== "CANCEL") return reply(400, { errors: [`Invalid value for mode: ${mode}`] });
        if (["FAILED", "FINISHED", "CANCELED"].includes(job.state)) {
          // Dispatcher.cancelJob -> FlinkJobTerminatedWithoutCancellationException -> 409 (JobCancellationHandler).
          return reply(409, { errors: [`Job cancellation failed because the job has already reached another terminal state (${job.state}).`] });
        }
        job.state = "CANCELED";
        job.endTime = Date.now();
        this.setVertices(job, "CANCELED");
        return reply(202, undefined);
      }
    }
    if ((p = /^\/jobs\/([0-9a-f]{32})\/exceptions$/.exec(path)) && method === "GET") {
      const job = this.jobs.get(p[1]);
      if (!job) return notFound(p[1]);
      // Newest first, limited by maxExceptions (JobExceptionsHandler reverses the history, then limits).
      const limit = Number(url.searchParams.get("maxExceptions") ?? "20");
      const entries = job.exceptions.slice(0, limit).map((e) => ({ ...e, taskName: job.vertices[0]?.name, endpoint: "taskmanager-0:6121", location: "taskmanager-0:6121", taskManagerId: "taskmanager-0:6122-abcdef", failureLabels: {}, concurrentExceptions: [] }));
      return reply(200, { "root-exception": job.exceptions[0]?.stacktrace ?? null, timestamp: job.exceptions[0]?.timestamp ?? null, "all-exceptions": [], truncated: false, exceptionHistory: { entries, truncated: job.exceptions.length > entries.length } });
    }
    if ((p = /^\/jobs\/([0-9a-f]{32})\/checkpoints$/.exec(path)) && method === "GET") {
      const job = this.jobs.get(p[1]);
      if (!job) return notFound(p[1]);
      if ((this.mode.autoCheckpoint ?? true) && this.allTasksRunning(job)) this.completeCheckpoint(job.jid);
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
      // A terminal job has no JobMaster left (Dispatcher: FlinkJobNotFoundException). The exact answer is not
      // checked against Flink; the provider never stops a job it has not seen active.
      if (["FAILED", "FINISHED", "CANCELED"].includes(job.state)) return reply(404, { errors: [`org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (${job.jid})`] });
      const dir = (kind === "stop" ? body?.targetDirectory : body?.["target-directory"]) as string | undefined;
      if (!dir) return reply(500, { errors: ["Internal server error.", "java.lang.IllegalStateException: No savepoint directory configured. You can either specify a directory while cancelling via -s :targetDirectory or configure a cluster-wide default via key 'execution.checkpointing.savepoint-dir'."] });
      const trigger = hex(16);
      // Accepted whatever the tasks do; a savepoint needs every task running and fails asynchronously otherwise.
      const notAllRunning = "org.apache.flink.runtime.checkpoint.CheckpointException: Not all required tasks are currently running.";
      const outcome: FakeTrigger["outcome"] = this.mode.savepointsHang ? "never" : this.mode.failSavepointsWith ? { failure: this.mode.failSavepointsWith } : !this.allTasksRunning(job) ? { failure: notAllRunning } : { location: `${dir.replace(/\/+$/, "")}/savepoint-${job.jid.slice(0, 6)}-${hex(6)}` };
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
        this.setVertices(job, "FINISHED");
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
