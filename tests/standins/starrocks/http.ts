/**
 * HTTP side of the StarRocks STAND-IN: Stream Load and Transaction Stream Load as the StarRocks Flink
 * connector v1.2.10 uses them (starrocks-stream-load-sdk: DefaultStreamLoader, TransactionStreamLoader,
 * StreamLoadUtils, StreamLoadConstants), answered with the JSON StarRocks writes:
 * - FE role (load-url): Basic auth (401 + `WWW-Authenticate: Basic realm=""` when wrong, RestBaseAction);
 *   `PUT /api/{db}/{tbl}/_stream_load` needs `Expect: 100-continue` and INSERT on the table
 *   (LoadAction), then 307 to a CN; `/api/transaction/{begin,load,prepare}` go to the CN too, commit and
 *   rollback of a PREPARED transaction are answered by the FE (TransactionLoadAction,
 *   TransactionWithoutChannelHandler, TransactionResult: keys "Status", "Message", "TxnId", "Label");
 *   `GET /api/{db}/get_load_state?label=` (GetStreamLoadState: "state", "reason", "status", "msg", ...).
 * - CN role: the BE handlers (stream_load.cpp, transaction_stream_load.cpp, TransactionMgr; response
 *   JSON from StreamLoadContext::to_json / to_resp_json). A plain load answers "Success"; a reused
 *   label "Label Already Exists" + ExistingJobStatus (RUNNING or FINISHED); transaction steps answer
 *   TStatusCode names ("OK", "LABEL_ALREADY_EXISTS", "TXN_NOT_EXISTS", "INTERNAL_ERROR", ...).
 * Labels stay taken unless their transaction was aborted (StarRocks keeps them label_keep_max_second,
 * 3 days). Rows reach the store when a load or a transaction becomes VISIBLE: no publish delay, no
 * versions, no compaction.
 */
import * as http from "http";
import type { StarRocksFeFake } from "../../fakes/starrocksFe";
import { freePort } from "../../helpers/mariadb";
import { LoadRequestError, loadSpec, parseBody } from "./loadBody";
import { accessDeniedMessage, hasTablePrivilege, passwordMatches } from "./privileges";
import { DataError, LoadRow, Store } from "./store";

/** StarRocks transaction states (TransactionStatus), as get_load_state reports them. */
export type TxnState = "PREPARE" | "PREPARED" | "COMMITTED" | "VISIBLE" | "ABORTED";

/** One label: a plain Stream Load or a Transaction Stream Load. */
export interface LoadRecord {
  label: string;
  db: string;
  table: string;
  api: "stream_load" | "transaction";
  txnId: number;
  state: TxnState;
  /** Data requests (PUT) received for this label. */
  requests: number;
  /** Rows written to the store (0 until VISIBLE). */
  loadedRows: number;
  filteredRows: number;
  /** Why it was aborted. */
  reason?: string;
  beganAt: number;
  finishedAt?: number;
}

interface Txn extends LoadRecord {
  chunks: Array<{ columns: string[]; rows: LoadRow[] }>;
  filtered: string[];
  totalRows: number;
  loadBytes: number;
  timeoutSec: number;
  busy: boolean;
}

export type FaultMode = "error" | "hang";

export interface HttpSideOptions {
  /** 307 from the FE port to the CN port, as a real FE does (default true). */
  redirect?: boolean;
}

type Json = Record<string, unknown>;

const INJECTED = "injected failure: the StarRocks stand-in refuses loads for a while (failLoadsFor)";

export class LoadService {
  feServer!: http.Server;
  cnServer!: http.Server;
  fePort = 0;
  cnPort = 0;
  /** Every label, in the order its load or transaction began. */
  readonly records: Txn[] = [];
  private readonly byLabel = new Map<string, Txn>();
  private readonly errorLogs = new Map<string, string>();
  private nextTxnId = 1001;
  private fault?: { mode: FaultMode; until: number };
  private readonly held = new Set<http.ServerResponse>();
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly fe: StarRocksFeFake, private readonly store: Store, private readonly opts: HttpSideOptions = {}) {}

  async start(): Promise<void> {
    this.fePort = await freePort();
    this.cnPort = await freePort();
    this.feServer = this.server("fe");
    this.cnServer = this.server("cn");
    await Promise.all([
      new Promise<void>((r) => this.feServer.listen(this.fePort, "127.0.0.1", () => r())),
      new Promise<void>((r) => this.cnServer.listen(this.cnPort, "127.0.0.1", () => r())),
    ]);
    // The BE aborts transactions that outlive their `timeout` (TransactionMgr::_clean_stream_context).
    this.sweeper = setInterval(() => this.expire(), 500);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const res of this.held) res.socket?.destroy();
    for (const s of [this.feServer, this.cnServer]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  failLoadsFor(ms: number, mode: FaultMode): void {
    this.fault = { mode, until: Date.now() + ms };
    if (mode === "hang") {
      setTimeout(() => {
        // Held requests never get an answer: their connections drop when the window ends.
        for (const res of this.held) res.socket?.destroy();
        this.held.clear();
      }, ms).unref();
    }
  }

  private faulted(): FaultMode | undefined {
    if (this.fault && Date.now() < this.fault.until) return this.fault.mode;
    return undefined;
  }

  private server(role: "fe" | "cn"): http.Server {
    const s = http.createServer((req, res) => void this.dispatch(role, req, res, false));
    // With a listener, Node leaves `100 Continue` to us: the FE redirects before the body is sent.
    s.on("checkContinue", (req, res) => void this.dispatch(role, req, res, true));
    return s;
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private send(res: http.ServerResponse, status: number, body: Json | string, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    const text = typeof body === "string" ? body : JSON.stringify(body, null, 4);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), Connection: "close", ...headers });
    res.end(text);
  }

  private async body(req: http.IncomingMessage, res: http.ServerResponse, expect: boolean): Promise<Buffer> {
    if (expect) res.writeContinue();
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    return Buffer.concat(parts);
  }

  private auth(req: http.IncomingMessage): { user: string; ok: boolean } {
    const h = req.headers.authorization ?? "";
    const m = /^Basic\s+(.+)$/i.exec(h);
    if (!m) return { user: "", ok: false };
    const text = Buffer.from(m[1], "base64").toString("utf8");
    const i = text.indexOf(":");
    const user = i < 0 ? text : text.slice(0, i);
    return { user, ok: passwordMatches(this.fe, user, i < 0 ? "" : text.slice(i + 1)) };
  }

  private header(req: http.IncomingMessage, name: string): string | undefined {
    const v = req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }

  private redirect(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.send(res, 307, "", { Location: `http://127.0.0.1:${this.cnPort}${req.url}` });
  }

  private txnKey(db: string, label: string): string {
    return `${db}\u0000${label}`;
  }

  private expire(): void {
    const now = Date.now();
    for (const t of this.records) {
      if (t.state === "PREPARE" && t.api === "transaction" && !t.busy && t.timeoutSec > 0 && now - t.beganAt > t.timeoutSec * 1000) {
        this.abort(t, "transaction is aborted by timeout.");
      }
    }
  }

  private abort(t: Txn, reason: string): void {
    t.state = "ABORTED";
    t.reason = reason;
    t.finishedAt = Date.now();
    t.chunks = [];
  }

  private newTxn(db: string, table: string, label: string, api: Txn["api"], timeoutSec: number): Txn {
    const t: Txn = {
      label, db, table, api, txnId: this.nextTxnId++, state: "PREPARE", requests: 0, loadedRows: 0, filteredRows: 0,
      beganAt: Date.now(), chunks: [], filtered: [], totalRows: 0, loadBytes: 0, timeoutSec, busy: false,
    };
    this.records.push(t);
    this.byLabel.set(this.txnKey(db, label), t);
    return t;
  }

  /** The FE's label check (DatabaseTransactionMgr): a label is free if unused or its transaction aborted. */
  private labelTaken(db: string, label: string): Txn | undefined {
    const t = this.byLabel.get(this.txnKey(db, label));
    return t && t.state !== "ABORTED" ? t : undefined;
  }

  private errorUrl(lines: string[]): string | undefined {
    if (!lines.length) return undefined;
    const file = `error_log_standin_${this.errorLogs.size + 1}`;
    this.errorLogs.set(file, lines.map((l) => `Error: ${l}`).join("\n") + "\n");
    return `http://127.0.0.1:${this.cnPort}/api/_load_error_log?file=${file}`;
  }

  // ---- routing -------------------------------------------------------------------------------

  private async dispatch(role: "fe" | "cn", req: http.IncomingMessage, res: http.ServerResponse, expect: boolean): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const path = url.pathname;
      let m: RegExpExecArray | null;
      const isLoad = /^\/api\/[^/]+\/[^/]+\/_stream_load$/.test(path) || /^\/api\/transaction\/\w+$/.test(path);
      if (isLoad) {
        const fault = this.faulted();
        if (fault === "hang") {
          this.held.add(res);
          res.on("close", () => this.held.delete(res));
          return;
        }
        if (fault === "error") {
          if (/_stream_load$/.test(path)) return this.send(res, 200, this.streamLoadJson(undefined, this.header(req, "label") ?? "", "Fail", INJECTED));
          return this.send(res, 200, { Status: "INTERNAL_ERROR", Message: INJECTED });
        }
      }
      if (req.method === "GET" && path === "/api/_load_error_log") {
        const log = this.errorLogs.get(url.searchParams.get("file") ?? "");
        return log === undefined ? this.send(res, 404, "not found") : this.send(res, 200, log, { "Content-Type": "text/plain" });
      }
      const who = this.auth(req);
      if ((m = /^\/api\/([^/]+)\/([^/]+)\/_stream_load$/.exec(path)) && req.method === "PUT") {
        return await this.streamLoad(role, req, res, expect, who, decodeURIComponent(m[1]), decodeURIComponent(m[2]));
      }
      if ((m = /^\/api\/transaction\/(\w+)$/.exec(path)) && (req.method === "POST" || req.method === "PUT")) {
        return await this.transaction(role, req, res, expect, who, m[1].toLowerCase());
      }
      if ((m = /^\/api\/([^/]+)\/get_load_state$/.exec(path)) && req.method === "GET") {
        if (!who.ok) return this.unauthorized(res, who.user, req);
        return this.loadState(res, decodeURIComponent(m[1]), url.searchParams.get("label") ?? "");
      }
      // FE NotFoundAction's answer for unknown REST paths.
      return this.send(res, 404, { status: "FAILED", msg: "Not implemented" });
    } catch (err) {
      this.send(res, 500, { status: "FAILED", msg: `StarRocks stand-in internal error: ${(err as Error).message}` });
    }
  }

  private unauthorized(res: http.ServerResponse, user: string, req: http.IncomingMessage): void {
    const msg = `Access denied for ${user}@${req.socket.remoteAddress ?? "127.0.0.1"}`;
    this.send(res, 401, { status: "FAILED", code: "1", msg, message: msg }, { "WWW-Authenticate": 'Basic realm=""' });
  }

  /** FE TransactionResult / RestBaseResult for a failed request (exception class first, as StarRocks prints it). */
  private feFailure(res: http.ServerResponse, message: string): void {
    this.send(res, 200, { Status: "FAILED", Message: `class com.starrocks.common.StarRocksException: ${message}` });
  }

  // ---- plain Stream Load ---------------------------------------------------------------------

  private streamLoadJson(t: Txn | undefined, label: string, status: string, message: string, extra: Json = {}): Json {
    return {
      TxnId: t?.txnId ?? -1, Label: label, Status: status, ...extra, Message: message,
      NumberTotalRows: t?.totalRows ?? 0, NumberLoadedRows: t?.loadedRows ?? 0, NumberFilteredRows: t?.filteredRows ?? 0,
      NumberUnselectedRows: 0, LoadBytes: t?.loadBytes ?? 0, LoadTimeMs: t?.finishedAt ? t.finishedAt - t.beganAt : 0,
      BeginTxnTimeMs: 0, StreamLoadPlanTimeMs: 0, ReadDataTimeMs: 0, WriteDataTimeMs: 0, CommitAndPublishTimeMs: 0,
    };
  }

  private async streamLoad(role: "fe" | "cn", req: http.IncomingMessage, res: http.ServerResponse, expect: boolean,
    who: { user: string; ok: boolean }, db: string, table: string): Promise<void> {
    if (role === "fe") {
      if (!who.ok) return this.unauthorized(res, who.user, req);
      // LoadAction: "A 'Load' request must have 'Expect: 100-continue' header for HTTP/1.1".
      if (!expect) return this.send(res, 200, { Status: "FAILED", Message: "class com.starrocks.common.DdlException: There is no 100-continue header" });
      if (!hasTablePrivilege(this.fe, who.user, db, "INSERT")) {
        return this.send(res, 401, { status: "FAILED", code: "1", msg: accessDeniedMessage("INSERT", table), message: accessDeniedMessage("INSERT", table) },
          { "WWW-Authenticate": 'Basic realm=""' });
      }
      if (this.opts.redirect !== false) return this.redirect(req, res);
    }
    // The BE: everything below is what a CN answers.
    const label = this.header(req, "label") || `standin_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    if (!who.ok) return this.send(res, 200, this.streamLoadJson(undefined, label, "Fail", `Access denied for user '${who.user}'`));
    if (!hasTablePrivilege(this.fe, who.user, db, "INSERT")) return this.send(res, 200, this.streamLoadJson(undefined, label, "Fail", accessDeniedMessage("INSERT", table)));
    const taken = this.labelTaken(db, label);
    if (taken) {
      return this.send(res, 200, this.streamLoadJson(undefined, label, "Label Already Exists", `Label [${label}] has already been used.`,
        { ExistingJobStatus: taken.state === "VISIBLE" || taken.state === "COMMITTED" ? "FINISHED" : "RUNNING" }));
    }
    const def = this.fe.databases.get(db)?.get(table);
    if (!this.fe.databases.has(db)) return this.send(res, 200, this.streamLoadJson(undefined, label, "Fail", `unknown database, database=${db}`));
    if (!def) return this.send(res, 200, this.streamLoadJson(undefined, label, "Fail", `unknown table, tableName=${table}`));
    const t = this.newTxn(db, table, label, "stream_load", Number(this.header(req, "timeout") ?? 600));
    t.busy = true;
    try {
      const body = await this.body(req, res, expect);
      t.requests++;
      t.loadBytes += body.length;
      const spec = loadSpec((n) => this.header(req, n));
      const parsed = parseBody(body, spec, def, table);
      t.totalRows += parsed.total;
      t.filtered.push(...parsed.filtered);
      t.filteredRows = t.filtered.length;
      if (t.filteredRows > 0 && t.filteredRows > spec.maxFilterRatio * t.totalRows) {
        this.abort(t, "too many filtered rows");
        return this.send(res, 200, this.streamLoadJson(t, label, "Fail", "too many filtered rows", this.errorUrlJson(t.filtered)));
      }
      await this.store.applyRows(db, table, def, parsed.columns, parsed.rows);
      t.loadedRows = parsed.rows.length;
      t.state = "VISIBLE";
      t.finishedAt = Date.now();
      return this.send(res, 200, this.streamLoadJson(t, label, "Success", "OK", this.errorUrlJson(t.filtered)));
    } catch (err) {
      const msg = err instanceof DataError ? `too many filtered rows` : (err as Error).message;
      this.abort(t, msg);
      const extra = err instanceof DataError ? this.errorUrlJson([(err as Error).message]) : {};
      return this.send(res, 200, this.streamLoadJson(t, label, "Fail", msg, extra));
    } finally {
      t.busy = false;
    }
  }

  private errorUrlJson(lines: string[]): Json {
    const u = this.errorUrl(lines);
    return u ? { ErrorURL: u } : {};
  }

  // ---- Transaction Stream Load ---------------------------------------------------------------

  private async transaction(role: "fe" | "cn", req: http.IncomingMessage, res: http.ServerResponse, expect: boolean,
    who: { user: string; ok: boolean }, op: string): Promise<void> {
    const db = this.header(req, "db") ?? "";
    const table = this.header(req, "table") ?? "";
    const label = this.header(req, "label") ?? "";
    const existing = this.byLabel.get(this.txnKey(db, label));
    if (role === "fe") {
      if (!who.ok) return this.unauthorized(res, who.user, req);
      // TransactionLoadAction#toTxnOperationParams, in this order.
      if (!db.trim()) return this.feFailure(res, "No database selected.");
      if (!label.trim()) return this.feFailure(res, "Empty label.");
      if (!["begin", "load", "prepare", "commit", "rollback"].includes(op)) return this.feFailure(res, `Unknown transaction operation: ${op}`);
      if (!this.fe.databases.has(db)) return this.feFailure(res, `Database[${db}] does not exist.`);
      if ((op === "commit" || op === "rollback") && !(existing && existing.state === "PREPARE")) return this.feCommitOrRollback(res, op, db, label, existing);
      if (this.opts.redirect !== false) return this.redirect(req, res);
    } else if ((op === "commit" || op === "rollback") && existing && existing.state !== "PREPARE" && this.opts.redirect === false) {
      // Without redirects the FE port answers what the FE itself answers.
      return this.feCommitOrRollback(res, op, db, label, existing);
    }
    return this.cnTransaction(req, res, expect, who, op, db, table, label);
  }

  /** TransactionWithoutChannelHandler: commit / rollback of transactions the FE knows. */
  private feCommitOrRollback(res: http.ServerResponse, op: string, db: string, label: string, t: Txn | undefined): void | Promise<void> {
    if (!t) return this.feFailure(res, `No transaction found with db[${db}] and label[${label}]`);
    if (op === "commit") {
      if (t.state === "PREPARED") return this.commitPrepared(res, t);
      if (t.state === "COMMITTED" || t.state === "VISIBLE") {
        return this.send(res, 200, { Status: "OK", Message: `Transaction ${t.txnId} has already committed, label is ${label}`, TxnId: t.txnId, Label: label });
      }
      return this.feFailure(res, `Can not commit ${t.state} transaction ${t.txnId}, label is ${label}`);
    }
    if (t.state === "PREPARED") {
      this.abort(t, "User Aborted");
      return this.send(res, 200, { Status: "OK", Message: "", TxnId: t.txnId, Label: label });
    }
    if (t.state === "ABORTED") return this.send(res, 200, { Status: "OK", Message: `Transaction ${t.txnId} has already aborted, label is ${label}`, TxnId: t.txnId, Label: label });
    return this.feFailure(res, `Can not abort ${t.state} transaction ${t.txnId}, label is ${label}`);
  }

  private async commitPrepared(res: http.ServerResponse, t: Txn): Promise<void> {
    t.busy = true;
    try {
      await this.apply(t);
      return this.send(res, 200, { Status: "OK", Message: "", TxnId: t.txnId, Label: t.label });
    } catch (err) {
      this.abort(t, (err as Error).message);
      return this.feFailure(res, (err as Error).message);
    } finally {
      t.busy = false;
    }
  }

  /** Writes a transaction's rows to the store, chunk by chunk in load order, and makes it VISIBLE. */
  private async apply(t: Txn): Promise<void> {
    const def = this.fe.databases.get(t.db)?.get(t.table);
    if (!def) throw new Error(`unknown table, tableName=${t.table}`);
    let loaded = 0;
    for (const c of t.chunks) {
      await this.store.applyRows(t.db, t.table, def, c.columns, c.rows);
      loaded += c.rows.length;
    }
    t.loadedRows = loaded;
    t.state = "VISIBLE";
    t.finishedAt = Date.now();
    t.chunks = [];
  }

  private txnJson(status: string, message: string, extra: Json = {}): Json {
    // StreamLoadContext::to_resp_json: Status, [ExistingJobStatus | Label], Message, then per-operation fields.
    return { Status: status, ...extra, Message: message };
  }

  private commitFields(t: Txn): Json {
    return {
      Label: t.label, TxnId: t.txnId, NumberTotalRows: t.totalRows, NumberLoadedRows: t.totalRows - t.filteredRows,
      NumberFilteredRows: t.filteredRows, NumberUnselectedRows: 0, LoadBytes: t.loadBytes, LoadTimeMs: Date.now() - t.beganAt,
      StreamLoadPlanTimeMs: 0, ReceivedDataTimeMs: 0, WriteDataTimeMs: 0, CommitAndPublishTimeMs: 0,
    };
  }

  /** The BE's TransactionManagerAction / TransactionStreamLoadAction. */
  private async cnTransaction(req: http.IncomingMessage, res: http.ServerResponse, expect: boolean,
    who: { user: string; ok: boolean }, op: string, db: string, table: string, label: string): Promise<void> {
    const reply = (status: string, message: string, extra: Json = {}) => this.send(res, 200, this.txnJson(status, message, extra));
    if (!label) return reply("INVALID_ARGUMENT", op === "load" ? "Invalid label " : "empty label");
    // Active transactions live in the BE's stream context until prepared, committed or rolled back.
    const active = this.byLabel.get(this.txnKey(db, label));
    const ctx = active && active.state === "PREPARE" && active.api === "transaction" ? active : undefined;
    switch (op) {
      case "begin": {
        if (ctx) return reply("LABEL_ALREADY_EXISTS", "", { ExistingJobStatus: "" });
        if (!who.ok) return reply("NOT_AUTHORIZED", `Access denied for user '${who.user}'`);
        const taken = this.labelTaken(db, label);
        if (taken) {
          return reply("LABEL_ALREADY_EXISTS", `Label [${label}] has already been used.`,
            { ExistingJobStatus: taken.state === "VISIBLE" || taken.state === "COMMITTED" ? "FINISHED" : "RUNNING" });
        }
        if (!this.fe.databases.has(db)) return reply("NOT_FOUND", `Database[${db}] does not exist.`);
        if (!this.fe.databases.get(db)!.has(table)) return reply("NOT_FOUND", `unknown table, tableName=${table}`);
        if (!hasTablePrivilege(this.fe, who.user, db, "INSERT")) return reply("NOT_AUTHORIZED", accessDeniedMessage("INSERT", table));
        const t = this.newTxn(db, table, label, "transaction", Number(this.header(req, "timeout") ?? 0));
        return reply("OK", "", { Label: label, TxnId: t.txnId, BeginTxnTimeMs: 0 });
      }
      case "load": {
        if (!ctx) return reply("TXN_NOT_EXISTS", `Transaction with label ${label} not exists`);
        if (ctx.db !== db) return reply("INVALID_ARGUMENT", `Request database ${db} not equal transaction database ${ctx.db}`);
        if (ctx.table !== table) return reply("INVALID_ARGUMENT", `Request table ${table} not equal transaction table ${ctx.table}`);
        if (ctx.busy) return reply("TXN_IN_PROCESSING", "Transaction is in processing", { Label: label });
        ctx.busy = true;
        try {
          const def = this.fe.databases.get(db)?.get(table);
          if (!def) return reply("NOT_FOUND", `unknown table, tableName=${table}`);
          const body = await this.body(req, res, expect);
          ctx.requests++;
          ctx.loadBytes += body.length;
          const parsed = parseBody(body, loadSpec((n) => this.header(req, n)), def, table);
          ctx.totalRows += parsed.total;
          ctx.filtered.push(...parsed.filtered);
          ctx.filteredRows = ctx.filtered.length;
          ctx.chunks.push({ columns: parsed.columns, rows: parsed.rows });
          return reply("OK", "", { Label: label, TxnId: ctx.txnId, LoadBytes: body.length, StreamLoadPlanTimeMs: 0, ReceivedDataTimeMs: 0 });
        } catch (err) {
          if (!(err instanceof LoadRequestError)) throw err;
          this.abort(ctx, err.message);
          return reply("INTERNAL_ERROR", err.message);
        } finally {
          ctx.busy = false;
        }
      }
      case "prepare":
      case "commit": {
        if (!ctx) return reply("TXN_NOT_EXISTS", `transaction with label ${label} not exists`);
        if (ctx.db !== db) return reply("INVALID_ARGUMENT", `request db ${db} transaction db ${ctx.db} not match`);
        if (ctx.busy) return reply("TXN_IN_PROCESSING", "Transaction in processing, please retry later", { Label: label });
        if (ctx.requests === 0) {
          this.abort(ctx, "transaction hasn't send any data yet");
          return reply("INTERNAL_ERROR", `transaction id=${ctx.txnId}, label=${label}, db=${db} hasn't send any data yet`);
        }
        if (ctx.filteredRows > 0) {
          this.abort(ctx, "too many filtered rows");
          return reply("INTERNAL_ERROR", "too many filtered rows", this.errorUrlJson(ctx.filtered));
        }
        if (op === "prepare") {
          ctx.state = "PREPARED";
          return reply("OK", "", this.commitFields(ctx));
        }
        ctx.busy = true;
        try {
          await this.apply(ctx);
          return reply("OK", "", this.commitFields(ctx));
        } catch (err) {
          this.abort(ctx, (err as Error).message);
          return reply("INTERNAL_ERROR", (err as Error).message);
        } finally {
          ctx.busy = false;
        }
      }
      case "rollback": {
        if (!ctx) return reply("TXN_NOT_EXISTS", `transaction with label ${label} not exists`);
        if (ctx.db !== db) return reply("INVALID_ARGUMENT", `request db ${db} transaction db ${ctx.db} not match`);
        this.abort(ctx, "transaction is aborted by user.");
        return reply("OK", "", { Label: label });
      }
      default:
        return reply("INVALID_ARGUMENT", `unsupport transaction operation ${op}`);
    }
  }

  // ---- label state ---------------------------------------------------------------------------

  private loadState(res: http.ServerResponse, db: string, label: string): void {
    if (!label) return this.send(res, 200, { status: "FAILED", code: "1", msg: "No label selected.", message: "No label selected." });
    if (!this.fe.databases.has(db)) {
      const msg = `unknown database, database=${db}`;
      return this.send(res, 200, { status: "FAILED", code: "1", msg, message: msg });
    }
    const t = this.byLabel.get(this.txnKey(db, label));
    return this.send(res, 200, { state: t ? t.state : "UNKNOWN", reason: t?.reason ?? "", status: "OK", code: "0", msg: "Success", message: "OK" });
  }
}
