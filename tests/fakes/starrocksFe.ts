/**
 * A FAKE StarRocks FE for tests: a MySQL-protocol server (mysql2's server API) that reproduces the
 * documented FE behaviour the providers rely on. It is not StarRocks. Sources for each behaviour:
 * - SHOW COMPUTE NODES columns: the shared-data title list of 3.5's ComputeNodeProcDir (MemLimit,
 *   DataCacheMetrics, StatusCode, then StarletPort, WorkerId, WarehouseName, TabletNum). A node is not
 *   Alive (LastHeartbeat NULL) until the FE's first heartbeat reaches it (firstHeartbeatMs).
 * - ADD/DROP COMPUTE NODE error texts: fe/fe-core/.../system/SystemInfoService.java
 *   ("Compute node already exists with same host <h> and port <p>", "compute node does not exists[<h>:<p>]").
 * - Storage volumes: CREATE/ALTER/DESC/DROP_STORAGE_VOLUME.md, SET_DEFAULT_STORAGE_VOLUME.md; DESC columns
 *   Name, Type, IsDefault, Location, Params (JSON, keys masked), Enabled, Comment; "default storage volume can
 *   not be removed" (StorageVolumeMgr.removeStorageVolume).
 *   DROP STORAGE VOLUME refuses a volume a database or table (also one in the recycle bin) still uses:
 *   "Storage volume '%s' is referenced by dbs or tables, dbs: [..], tables: [..]" (StorageVolumeMgr).
 * - CREATE DATABASE binds the default volume: "Default storage volume not exists, it should be created
 *   first" without one (SharedDataStorageVolumeMgr). CREATE TABLE needs an alive compute node: "No alive
 *   backend or compute node in warehouse default_warehouse." (errno 10005).
 * - DROP TABLE / DROP DATABASE without FORCE are refused while a load is COMMITTED but not yet VISIBLE
 *   (Database.dropTable, LocalMetastore.dropDb; see commitTransaction), and go to the recycle bin, where
 *   they keep their storage volume referenced (catalog_trash_expire_second, 24 h; see expireRecycleBin).
 *   FORCE erases them at once.
 * - SHOW CREATE TABLE columns `Table` and `Create Table`, types printed like bigint(20), decimal(12, 2).
 *   ALTER TABLE ADD/DROP/MODIFY COLUMN are asynchronous schema-change jobs (applied after
 *   schemaChangeDelayMs). ADD COLUMN of a NOT NULL column without DEFAULT fails with errno 1364 "Field '%s'
 *   is not null but doesn't have a default value" (AlterTableClauseAnalyzer.visitAddColumnClause). MODIFY
 *   COLUMN follows SchemaChangeHandler.processModifyColumn and Column.checkSchemaChangeAllowed: no key
 *   column of a Primary Key table, no nullable -> NOT NULL, the same DEFAULT, no shorter VARCHAR; of the
 *   other type changes only VARCHAR -> longer VARCHAR is modelled (anything else is refused here).
 * - SHOW USERS (`User`), SHOW GRANTS FOR (`UserIdentity`, `Catalog`, `Grants`), SET PASSWORD (SET_PASSWORD.md).
 * Logins are verified with mysql_native_password, so a password change is real. Any statement it does not
 * know fails with errno 1064, so a provider sending something undocumented fails its test.
 */
import * as crypto from "crypto";
import * as net from "net";
import { parseCreateTable } from "../../clients/starrocks";
import { freePort } from "../helpers/mariadb";
import {
  ColumnDefinition, StarRocksTypeError, columnListOf, parseColumnDefinition, parseType, primaryKeyTableColumns, typeSql, typeText,
} from "../standins/starrocks/types";

// mysql2's server side is untyped.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mysql = require("mysql2");

/**
 * Real servers send a scramble of 7-bit bytes without NUL or '$' (MySQL generate_user_salt). mysql2's
 * server sends raw random bytes, which JDBC drivers (they read the scramble as a string) mangle, so
 * their logins fail: use the MySQL form.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Handshake } = require(require("path").join(require("path").dirname(require.resolve("mysql2")), "lib/packets/index.js"));
Handshake.prototype.setScrambleData = function (this: { authPluginData1: Buffer; authPluginData2: Buffer }, cb: (err?: Error) => void) {
  const d = crypto.randomBytes(20);
  for (let i = 0; i < d.length; i++) {
    d[i] &= 0x7f;
    if (d[i] === 0 || d[i] === 0x24) d[i]++;
  }
  this.authPluginData1 = d.subarray(0, 8);
  this.authPluginData2 = d.subarray(8, 20);
  cb();
};

/**
 * mysql_native_password, server side: the server stores sha1(sha1(pw)); the client sends
 * sha1(pw) XOR sha1(scramble + sha1(sha1(pw))). Check: sha1(token XOR sha1(scramble + stored)) == stored.
 */
const sha1 = (...parts: Buffer[]) => {
  const h = crypto.createHash("sha1");
  for (const p of parts) h.update(p);
  return h.digest();
};
const auth41 = {
  doubleSha1(password: string): Buffer {
    return sha1(sha1(Buffer.from(password, "utf8")));
  },
  verifyToken(seed1: Buffer, seed2: Buffer, token: Buffer, doubleSha: Buffer): boolean {
    const mask = sha1(seed1, seed2, doubleSha);
    const stage1 = Buffer.alloc(token.length);
    for (let i = 0; i < token.length; i++) stage1[i] = token[i] ^ mask[i];
    return sha1(stage1).equals(doubleSha);
  },
};

export interface FakeNodeBehaviour {
  /** Alive only this long after ADD (default: options.aliveDelayMs, else 0). */
  aliveAfterMs?: number;
  /** Never turns alive. */
  never?: boolean;
  /** ErrMsg shown while not alive. */
  errMsg?: string;
}

export interface FakeFeOptions {
  /** Accept connections only after this delay (the FE is still starting). */
  startDelayMs?: number;
  /** Default delay before a newly added node reports Alive = true. */
  aliveDelayMs?: number;
  /** Per node ("host:port") behaviour. */
  nodes?: Record<string, FakeNodeBehaviour>;
  /** Delay before an ALTER TABLE ADD/DROP/MODIFY COLUMN shows in SHOW CREATE TABLE. Default 200 ms. */
  schemaChangeDelayMs?: number;
  /** Extension point for servers built on this fake (e.g. the StarRocks stand-in). */
  hooks?: FakeFeHooks;
  /** Capability flags announced in the greeting (default 0xffffff). */
  capabilityFlags?: number;
  /** Server version announced in the greeting. */
  serverVersion?: string;
  /** Delay after ADD COMPUTE NODE before the FE's first heartbeat marks a node alive. Default 150 ms. */
  firstHeartbeatMs?: number;
}

/** One client connection as the hooks see it. */
export interface FakeSession {
  user: string;
  /** Current database (from the handshake, COM_INIT_DB or USE), if any. */
  database?: string;
  connectionId: number;
}

/** A metadata change the fake has applied (table events fire when the change becomes visible). */
export type FakeDdlEvent =
  | { kind: "databaseCreated" | "databaseDropped"; db: string }
  | { kind: "tableCreated"; db: string; table: string; def: FakeTable }
  | { kind: "tableDropped"; db: string; table: string }
  | { kind: "columnAdded"; db: string; table: string; column: FakeColumn; after?: string; def: FakeTable }
  | { kind: "columnDropped"; db: string; table: string; column: string; def: FakeTable }
  | { kind: "columnModified"; db: string; table: string; column: FakeColumn; def: FakeTable };

/** Typed column metadata for results from hooks: MySQL protocol type code and flags. */
export interface FakeColumnDef {
  name: string;
  /** e.g. 8 = LONGLONG, 253 = VAR_STRING. */
  columnType: number;
  flags?: number;
  columnLength?: number;
  decimals?: number;
  characterSet?: number;
}

export type FakeResult =
  | { columns: Array<string | FakeColumnDef>; rows: (string | null)[][] }
  | { ok: true; affectedRows?: number; insertId?: number };

export interface FakeFeHooks {
  /** Runs before the fake's own statements; a result answers the statement, undefined passes it on. */
  before?(sql: string, session: FakeSession): FakeResult | undefined | Promise<FakeResult | undefined>;
  /** Runs for statements the fake does not know (instead of errno 1064); undefined keeps the 1064 error. */
  fallback?(sql: string, session: FakeSession): FakeResult | undefined | Promise<FakeResult | undefined>;
  /** Runs after a metadata change; a rejection fails the statement that caused it (or is kept in hookErrors). */
  afterDdl?(event: FakeDdlEvent): void | Promise<void>;
}

/** A load transaction COMMITTED in a table but not yet VISIBLE (see commitTransaction). */
export interface FakeTransaction {
  id: number;
  db: string;
  table: string;
}

/** A dropped database or table kept by the recycle bin; it still references its storage volume. */
interface RecycledObject {
  kind: "db" | "table";
  id: number;
  db: string;
  table?: string;
  volume: string;
}

interface FakeUser {
  /** sha1(sha1(password)); undefined for an empty password. */
  doubleSha?: Buffer;
  grants: string[];
}

interface FakeNode {
  id: number;
  host: string;
  port: number;
  addedAt: number;
  behaviour: FakeNodeBehaviour;
  /** Set by hooks. */
  deadErrMsg?: string;
}

interface FakeVolume {
  type: string;
  location: string;
  params: Record<string, string>;
  enabled: boolean;
  comment: string;
}

export interface FakeColumn {
  name: string;
  /** Upper-case render form, e.g. VARCHAR(80). */
  type: string;
  nullable: boolean;
  /** DEFAULT value, unquoted; undefined = none. */
  default?: string;
}

export interface FakeTable {
  /** Table id (SHOW in "referenced by" errors). */
  id?: number;
  /** Storage volume the table is bound to (its database's). */
  volume?: string;
  columns: FakeColumn[];
  keys: string[];
  distribution: string[];
  properties: Record<string, string>;
}

export interface LoggedStatement {
  user: string;
  sql: string;
}

/** ComputeNodeProcDir.TITLE_NAMES_SHARED_DATA (StarRocks 3.5). */
const CN_COLUMNS = [
  "ComputeNodeId", "IP", "HeartbeatPort", "BePort", "HttpPort", "BrpcPort", "LastStartTime", "LastHeartbeat", "Alive",
  "SystemDecommissioned", "ClusterDecommissioned", "ErrMsg", "Version", "CpuCores", "MemLimit", "NumRunningQueries",
  "MemUsedPct", "CpuUsedPct", "DataCacheMetrics", "HasStoragePath", "StatusCode", "StarletPort", "WorkerId", "WarehouseName",
  "TabletNum",
];

export class SqlError extends Error {
  constructor(message: string, public readonly errno = 1064) {
    super(message);
  }
}

type Result = FakeResult;

/** A statement the fake does not implement (hooks.fallback may answer it). */
class UnknownStatement extends SqlError {}

function unescapeLiteral(s: string): string {
  return s.replace(/''/g, "'").replace(/\\(.)/g, "$1");
}

const ACCOUNT = String.raw`'((?:[^'\\]|\\.|'')*)'\s*@\s*'([^']*)'`;
const IDENT = String.raw`(?:\x60((?:[^\x60]|\x60\x60)+)\x60|([A-Za-z_][A-Za-z0-9_]*))`;

function ident(m: RegExpExecArray, i: number): string {
  return m[i] !== undefined ? m[i].replace(/``/g, "`") : m[i + 1];
}

function parseProps(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /"((?:[^"\\]|\\.)*)"\s*=\s*"((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out[JSON.parse(`"${m[1]}"`)] = JSON.parse(`"${m[2]}"`);
  return out;
}

function fakeColumn(c: ColumnDefinition): FakeColumn {
  return { name: c.name, type: typeText(c.type), nullable: c.nullable, ...(c.default !== undefined ? { default: c.default } : {}) };
}

/** One column definition of ALTER TABLE ADD/MODIFY COLUMN, with StarRocks' type rules (types.ts). */
function columnDefinition(text: string): ColumnDefinition {
  const c = typeRules(() => parseColumnDefinition(text));
  if (!c) throw new SqlError(`fake FE: cannot parse column definition ${text}`);
  return c;
}

/** Runs StarRocks' type rules; their refusals become the FE's analyzer errors. */
function typeRules<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof StarRocksTypeError) throw new SqlError(`Getting analyzing error. Detail message: ${e.message}`);
    throw e;
  }
}

const INTEGER_ORDER = ["TINYINT", "SMALLINT", "INT", "BIGINT", "LARGEINT"];

/**
 * Column.checkSchemaChangeAllowed, for the changes the fake models (see the header): a longer VARCHAR, a wider
 * integer, and DECIMAL -> DECIMAL keeping every digit (SchemaChangeTypeCompatibility: lhs.scale <= rhs.scale
 * and lhs.precision - lhs.scale <= rhs.precision - rhs.scale). The refusal's wording is the fake's own.
 */
function checkModify(old: FakeColumn, col: FakeColumn): void {
  const len = (t: string) => Number(/^VARCHAR\((\d+)\)$/.exec(t)?.[1]);
  const dec = (t: string) => /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t)?.slice(1).map(Number);
  if (old.type !== col.type) {
    const [ia, ib] = [INTEGER_ORDER.indexOf(old.type), INTEGER_ORDER.indexOf(col.type)];
    const [da, db] = [dec(old.type), dec(col.type)];
    if (len(old.type) && len(col.type)) {
      if (len(col.type) < len(old.type)) throw new SqlError("Cannot shorten string length");
    } else if (ia >= 0 && ib >= 0) {
      if (ib < ia) throw new SqlError(`Can not change ${old.type} to ${col.type}`);
    } else if (da && db) {
      if (!(da[1] <= db[1] && da[0] - da[1] <= db[0] - db[1])) throw new SqlError(`Can not change ${old.type} to ${col.type}`);
    } else throw new SqlError(`fake FE: MODIFY COLUMN ${old.type} -> ${col.type} is not modelled`);
  }
  if (old.nullable && !col.nullable) throw new SqlError("Can not change from nullable to non-nullable");
  if (old.default !== col.default) throw new SqlError("Can not change default value");
}

/**
 * A type as SHOW CREATE TABLE prints it: StarRocks' Type.toSql (bigint(20), int(11), tinyint(4),
 * largeint(40), decimal(12, 2), and STRING as varchar(65533)); see types.ts typeSql.
 */
function displayType(t: string): string {
  try {
    return typeSql(parseType(t));
  } catch {
    return t.toLowerCase();
  }
}

export class StarRocksFeFake {
  readonly host = "127.0.0.1";
  port = 0;
  /** Every statement received, in order (test-visible). */
  readonly log: LoggedStatement[] = [];
  readonly users = new Map<string, FakeUser>();
  readonly nodes: FakeNode[] = [];
  readonly volumes = new Map<string, FakeVolume>();
  defaultVolume?: string;
  readonly databases = new Map<string, Map<string, FakeTable>>();
  /** Storage volume and id of each database. */
  readonly databaseInfo = new Map<string, { id: number; volume: string }>();
  /** Loads COMMITTED but not yet VISIBLE. */
  readonly transactions: FakeTransaction[] = [];
  private readonly recycleBin: RecycledObject[] = [];
  private server: any;
  private nextNodeId = 10001;
  private nextObjectId = 20001;
  private nextTxnId = 1;
  private connId = 1;
  private timers: NodeJS.Timeout[] = [];

  private constructor(private readonly opts: FakeFeOptions) {
    this.users.set("root", { grants: ["GRANT 'root' TO 'root'@'%'"] });
  }

  /** Starts the fake on a free loopback port; with startDelayMs it listens only after the delay. */
  static async start(opts: FakeFeOptions = {}): Promise<StarRocksFeFake> {
    const fe = new StarRocksFeFake(opts);
    fe.port = await freePort();
    fe.server = mysql.createServer();
    fe.server.on("connection", (conn: any) => fe.onConnection(conn));
    const listen = () => new Promise<void>((resolve) => fe.server.listen(fe.port, fe.host, () => resolve()));
    if (opts.startDelayMs) {
      const t = setTimeout(() => void listen(), opts.startDelayMs);
      fe.timers.push(t);
    } else await listen();
    return fe;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const c of this.server?.connections ?? []) c.stream?.destroy();
    await new Promise<void>((resolve) => {
      try {
        this.server._server.close(() => resolve());
        for (const s of this.sockets) s.destroy();
      } catch {
        resolve();
      }
    });
  }

  private sockets = new Set<net.Socket>();

  // ---- hooks for out-of-band changes -------------------------------------------------------------

  /** Drops a node behind the provider's back. */
  removeNode(host: string, port: number): void {
    const i = this.nodes.findIndex((n) => n.host === host && n.port === port);
    if (i >= 0) this.nodes.splice(i, 1);
  }

  /** Registers a node directly (as if added earlier by someone else). */
  addNodeOutOfBand(host: string, port: number): void {
    this.nodes.push({ id: this.nextNodeId++, host, port, addedAt: Date.now() - 3_600_000, behaviour: {} });
  }

  /** Marks a node dead with the given ErrMsg. */
  killNode(host: string, port: number, errMsg: string): void {
    const n = this.nodes.find((x) => x.host === host && x.port === port);
    if (n) n.deadErrMsg = errMsg;
  }

  setColumnType(db: string, table: string, column: string, type: string): void {
    const c = this.table(db, table).columns.find((x) => x.name === column);
    if (!c) throw new Error(`fake: no column ${column}`);
    c.type = type;
  }

  dropColumnOutOfBand(db: string, table: string, column: string): void {
    const t = this.table(db, table);
    t.columns = t.columns.filter((c) => c.name !== column);
  }

  dropTableOutOfBand(db: string, table: string): void {
    this.databases.get(db)?.delete(table);
  }

  deleteUser(user: string): void {
    this.users.delete(user);
  }

  /** Changes a user's password behind the provider's back. */
  setPasswordOutOfBand(user: string, password: string): void {
    const u = this.users.get(user);
    if (!u) throw new Error(`fake: no user ${user}`);
    u.doubleSha = password ? auth41.doubleSha1(password) : undefined;
  }

  revokeAll(user: string): void {
    const u = this.users.get(user);
    if (u) u.grants = u.grants.filter((g) => !/ ON /.test(g));
  }

  unsetDefaultVolume(): void {
    this.defaultVolume = undefined;
  }

  /**
   * A load COMMITTED in db.table that turns VISIBLE (and stops blocking DROP without FORCE) after
   * visibleAfterMs, or only on publishTransactions() when omitted.
   */
  commitTransaction(db: string, table: string, visibleAfterMs?: number): FakeTransaction {
    const txn = { id: this.nextTxnId++, db, table };
    this.transactions.push(txn);
    if (visibleAfterMs !== undefined) this.later(visibleAfterMs, () => this.publish(txn));
    return txn;
  }

  /** Every COMMITTED load becomes VISIBLE. */
  publishTransactions(): void {
    this.transactions.splice(0);
  }

  /** catalog_trash_expire_second elapsed: the recycle bin is erased (and releases its storage volumes). */
  expireRecycleBin(): void {
    this.recycleBin.splice(0);
  }

  /** Names of what the recycle bin holds, e.g. "shop" or "shop.orders". */
  recycled(): string[] {
    return this.recycleBin.map((r) => (r.kind === "db" ? r.db : `${r.db}.${r.table}`));
  }

  /** Creates a database bound to the default volume, as CREATE DATABASE does (test setup). */
  addDatabase(db: string): void {
    if (!this.defaultVolume) throw new Error("fake: set a default storage volume first");
    this.databases.set(db, new Map());
    this.databaseInfo.set(db, { id: this.nextObjectId++, volume: this.defaultVolume });
  }

  private publish(txn: FakeTransaction): void {
    const i = this.transactions.indexOf(txn);
    if (i >= 0) this.transactions.splice(i, 1);
  }

  private committed(db: string, table?: string): boolean {
    return this.transactions.some((t) => t.db === db && (table === undefined || t.table === table));
  }

  table(db: string, table: string): FakeTable {
    const t = this.databases.get(db)?.get(table);
    if (!t) throw new Error(`fake: no table ${db}.${table}`);
    return t;
  }

  statements(re?: RegExp): string[] {
    return this.log.map((l) => l.sql).filter((s) => !re || re.test(s));
  }

  // ---- protocol -------------------------------------------------------------------------------

  private onConnection(conn: any): void {
    this.sockets.add(conn.stream);
    conn.stream.on("close", () => this.sockets.delete(conn.stream));
    conn.on("error", () => undefined);
    const session: FakeSession = { user: "", connectionId: this.connId++ };
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: this.opts.serverVersion ?? "8.0.33-fake-starrocks-3.5",
      connectionId: session.connectionId,
      statusFlags: 2,
      characterSet: 33,
      capabilityFlags: this.opts.capabilityFlags ?? 0xffffff,
      authCallback: (params: any, cb: (err: unknown, mysqlError?: { message: string; code: number }) => void) => {
        const u = this.users.get(params.user);
        const token: Buffer = params.authToken ?? Buffer.alloc(0);
        let ok = false;
        if (u) {
          if (!u.doubleSha) ok = token.length === 0;
          else ok = token.length === 20 && auth41.verifyToken(params.authPluginData1, params.authPluginData2, token, u.doubleSha);
        }
        if (!ok) {
          cb(null, { message: `Access denied for user '${params.user}'@'${params.address ?? "127.0.0.1"}' (using password: ${token.length ? "YES" : "NO"})`, code: 1045 });
          return;
        }
        session.user = params.user;
        if (params.database) session.database = params.database;
        cb(null);
        conn.sequenceId = 0;
      },
    });
    // mysql2's server encodes result text in the greeting's charset: 33 (utf8mb3) means CESU-8, which
    // turns every 4-byte character (emoji) into two 3-byte surrogates that clients decode as U+FFFD.
    // StarRocks stores and sends UTF-8 bytes as they are (System_limit.md: UTF-8 only), so send UTF-8.
    conn.serverConfig.encoding = "utf8";
    const write = (result: Result) => {
      if ("ok" in result) conn.writeOk({ affectedRows: result.affectedRows ?? 0, insertId: result.insertId });
      else {
        conn.writeColumns(result.columns.map((c) => {
          const d: FakeColumnDef = typeof c === "string" ? { name: c, columnType: 253 } : c;
          return {
            catalog: "def", schema: "", table: "", orgTable: "", name: d.name, orgName: d.name, characterSet: d.characterSet ?? 33,
            columnLength: d.columnLength ?? 1024, columnType: d.columnType, flags: d.flags ?? 0, decimals: d.decimals ?? 0,
          };
        }));
        for (const r of result.rows) conn.writeTextRow(r);
        conn.writeEof();
      }
      conn.sequenceId = 0;
    };
    const fail = (err: unknown) => {
      const e = err as SqlError;
      conn.writeError({ message: e.message, code: e.errno ?? 1064 });
      conn.sequenceId = 0;
    };
    const run = async (sql: string): Promise<Result> => {
      const hooks = this.opts.hooks;
      const stmt = sql.trim().replace(/;\s*$/, "");
      const early = hooks?.before ? await hooks.before(stmt, session) : undefined;
      if (early) return early;
      let result: Result;
      try {
        result = this.execute(stmt, session.user);
      } catch (err) {
        const fallback = err instanceof UnknownStatement && hooks?.fallback ? await hooks.fallback(stmt, session) : undefined;
        if (!fallback) throw err;
        result = fallback;
      }
      // Metadata changes reach the hooks before the client sees OK.
      for (const event of this.pendingEvents.splice(0)) await hooks?.afterDdl?.(event);
      return result;
    };
    // One statement at a time per connection, answered in order.
    let queue: Promise<void> = Promise.resolve();
    const handle = (sql: string) => {
      this.log.push({ user: session.user, sql });
      if (!this.opts.hooks) {
        // Without hooks the fake stays synchronous, as it always was.
        this.pendingEvents.length = 0;
        try {
          write(this.execute(sql.trim().replace(/;\s*$/, ""), session.user));
        } catch (err) {
          fail(err);
        }
        return;
      }
      queue = queue.then(() => run(sql).then(write, (err) => { this.pendingEvents.length = 0; fail(err); }));
    };
    conn.on("query", handle);
    // mysql2's server routes statements starting with SET to 'stmt_prepare'; they are plain queries here.
    conn.on("stmt_prepare", handle);
    conn.on("init_db", (db: string) => {
      queue = queue.then(() => {
        if (this.databases.has(db) || db === "information_schema") {
          session.database = db;
          conn.writeOk();
        } else conn.writeError({ message: `Unknown database '${db}'`, code: 1049 });
        conn.sequenceId = 0;
      });
    });
    conn.on("ping", () => {
      conn.writeOk();
      conn.sequenceId = 0;
    });
  }

  /** Metadata changes made by the statement being executed, delivered to hooks.afterDdl. */
  private readonly pendingEvents: FakeDdlEvent[] = [];
  /** Errors thrown by hooks.afterDdl for changes applied later (asynchronous schema changes). */
  readonly hookErrors: Error[] = [];

  private executing = false;

  /** Delivers a metadata change: with the statement's answer if it happens now, else on its own. */
  private ddlEvent(event: FakeDdlEvent): void {
    if (this.executing) {
      this.pendingEvents.push(event);
      return;
    }
    const p = this.opts.hooks?.afterDdl?.(event);
    if (p) p.catch((e: Error) => this.hookErrors.push(e));
  }

  // ---- statements -------------------------------------------------------------------------------

  private execute(sql: string, user: string): Result {
    this.executing = true;
    try {
      return this.executeStatement(sql, user);
    } finally {
      this.executing = false;
    }
  }

  private executeStatement(sql: string, user: string): Result {
    let m: RegExpExecArray | null;
    const rows = (columns: string[], data: (string | null)[][]): Result => ({ columns, rows: data });

    if (/^SELECT\s+1$/i.test(sql)) return rows(["1"], [["1"]]);

    // Compute nodes
    if (/^SHOW\s+COMPUTE\s+NODES$/i.test(sql)) {
      return rows(CN_COLUMNS, this.nodes.map((n) => {
        const alive = this.alive(n);
        const beaten = n.deadErrMsg !== undefined || this.heartbeaten(n);
        const values: Record<string, string> = {
          ComputeNodeId: String(n.id), IP: n.host, HeartbeatPort: String(n.port), BePort: "9060", HttpPort: "8040", BrpcPort: "8060",
          LastStartTime: beaten ? "2026-01-01 00:00:00" : "NULL", LastHeartbeat: beaten ? "2026-01-01 00:00:05" : "NULL", Alive: String(alive),
          SystemDecommissioned: "false", ClusterDecommissioned: "false", ErrMsg: alive ? "" : (n.deadErrMsg ?? n.behaviour.errMsg ?? ""),
          Version: "3.5.12", CpuCores: "4", MemLimit: "3.200GB", NumRunningQueries: "0", MemUsedPct: "1.00 %", CpuUsedPct: "0.0 %",
          DataCacheMetrics: beaten ? "Status: Normal, DiskUsage: 0B/0B, MemUsage: 0B/0B" : "N/A", HasStoragePath: "true",
          StatusCode: alive ? "OK" : beaten ? "DISCONNECTED" : "CONNECTING",
          StarletPort: "9070", WorkerId: String(n.id - 10000), WarehouseName: "default_warehouse", TabletNum: "0",
        };
        return CN_COLUMNS.map((c) => values[c]);
      }));
    }
    if ((m = /^ALTER\s+SYSTEM\s+ADD\s+COMPUTE\s+NODE\s+"([^":]+):(\d+)"$/i.exec(sql))) {
      const [host, port] = [m[1], Number(m[2])];
      if (this.nodes.some((n) => n.host === host && n.port === port)) throw new SqlError(`Compute node already exists with same host ${host} and port ${port}`);
      this.nodes.push({ id: this.nextNodeId++, host, port, addedAt: Date.now(), behaviour: this.opts.nodes?.[`${host}:${port}`] ?? {} });
      return { ok: true };
    }
    if ((m = /^ALTER\s+SYSTEM\s+DROP\s+COMPUTE\s+NODE\s+"([^":]+):(\d+)"$/i.exec(sql))) {
      const [host, port] = [m[1], Number(m[2])];
      const i = this.nodes.findIndex((n) => n.host === host && n.port === port);
      if (i < 0) throw new SqlError(`compute node does not exists[${host}:${port}]`);
      this.nodes.splice(i, 1);
      return { ok: true };
    }

    // Storage volumes
    if (/^SHOW\s+STORAGE\s+VOLUMES$/i.test(sql)) return rows(["Storage Volume"], [...this.volumes.keys()].map((k) => [k]));
    if ((m = new RegExp(`^DESC(?:RIBE)?\\s+STORAGE\\s+VOLUME\\s+${IDENT}$`, "i").exec(sql))) {
      const name = ident(m, 1);
      const v = this.volumes.get(name);
      if (!v) throw new SqlError(`Unknown storage volume "${name}"`);
      const params = Object.fromEntries(Object.entries(v.params).filter(([k]) => k !== "enabled").map(([k, val]) => [k, /access_key|secret_key/.test(k) ? "******" : val]));
      return rows(["Name", "Type", "IsDefault", "Location", "Params", "Enabled", "Comment"],
        [[name, v.type, String(this.defaultVolume === name), v.location, JSON.stringify(params), String(v.enabled), v.comment]]);
    }
    if ((m = new RegExp(`^CREATE\\s+STORAGE\\s+VOLUME\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${IDENT}\\s+TYPE\\s*=\\s*(\\w+)\\s+LOCATIONS\\s*=\\s*\\(\\s*'([^']*)'\\s*\\)(?:\\s+COMMENT\\s+'([^']*)')?\\s+PROPERTIES\\s*\\(([\\s\\S]*)\\)$`, "i").exec(sql))) {
      const name = ident(m, 2);
      if (name === "builtin_storage_volume") throw new SqlError("builtin_storage_volume is reserved");
      if (this.volumes.has(name)) {
        if (m[1]) return { ok: true };
        throw new SqlError(`Storage volume '${name}' already exists`);
      }
      const props = parseProps(m[7]);
      this.volumes.set(name, { type: m[4].toUpperCase(), location: m[5], params: props, enabled: props.enabled === "true", comment: m[6] ?? "" });
      return { ok: true };
    }
    if ((m = new RegExp(`^ALTER\\s+STORAGE\\s+VOLUME\\s+${IDENT}\\s+SET\\s*\\(([\\s\\S]*)\\)$`, "i").exec(sql))) {
      const name = ident(m, 1);
      const v = this.volumes.get(name);
      if (!v) throw new SqlError(`Storage volume '${name}' does not exist`);
      const props = parseProps(m[3]);
      if (props.enabled === "false" && this.defaultVolume === name) throw new SqlError("Default volume can not be disabled");
      for (const [k, val] of Object.entries(props)) {
        if (k === "enabled") v.enabled = val === "true";
        else v.params[k] = val;
      }
      return { ok: true };
    }
    if ((m = new RegExp(`^SET\\s+${IDENT}\\s+AS\\s+DEFAULT\\s+STORAGE\\s+VOLUME$`, "i").exec(sql))) {
      const name = ident(m, 1);
      if (!this.volumes.has(name)) throw new SqlError(`Storage volume '${name}' does not exist`);
      this.defaultVolume = name;
      return { ok: true };
    }
    if ((m = new RegExp(`^DROP\\s+STORAGE\\s+VOLUME\\s+(IF\\s+EXISTS\\s+)?${IDENT}$`, "i").exec(sql))) {
      const name = ident(m, 2);
      if (!this.volumes.has(name)) {
        if (m[1]) return { ok: true };
        throw new SqlError(`Storage volume '${name}' does not exist`);
      }
      if (this.defaultVolume === name) throw new SqlError("default storage volume can not be removed");
      const dbs = [...this.databaseInfo.values()].filter((d) => d.volume === name).map((d) => d.id)
        .concat(this.recycleBin.filter((r) => r.kind === "db" && r.volume === name).map((r) => r.id));
      const tables = [...this.databases.values()].flatMap((ts) => [...ts.values()]).filter((t) => t.volume === name).map((t) => t.id!)
        .concat(this.recycleBin.filter((r) => r.kind === "table" && r.volume === name).map((r) => r.id));
      if (dbs.length || tables.length) {
        throw new SqlError(`Storage volume '${name}' is referenced by dbs or tables, dbs: [${dbs.join(", ")}], tables: [${tables.join(", ")}]`);
      }
      this.volumes.delete(name);
      return { ok: true };
    }

    // Databases and tables
    if (/^SHOW\s+DATABASES$/i.test(sql)) return rows(["Database"], [["_statistics_"], ["information_schema"], ["sys"], ...[...this.databases.keys()].map((d) => [d])]);
    if ((m = new RegExp(`^CREATE\\s+DATABASE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${IDENT}$`, "i").exec(sql))) {
      const db = ident(m, 2);
      if (this.databases.has(db)) {
        if (m[1]) return { ok: true };
        throw new SqlError(`Can't create database '${db}'; database exists`, 1007);
      }
      // Shared-data: the database is bound to the default storage volume.
      const volume = this.defaultVolume && this.volumes.get(this.defaultVolume);
      if (!volume) throw new SqlError("Default storage volume not exists, it should be created first");
      if (!volume.enabled) throw new SqlError(`Storage volume ${this.defaultVolume} is disabled`);
      this.databases.set(db, new Map());
      this.databaseInfo.set(db, { id: this.nextObjectId++, volume: this.defaultVolume! });
      this.ddlEvent({ kind: "databaseCreated", db });
      return { ok: true };
    }
    if ((m = new RegExp(`^DROP\\s+DATABASE\\s+(IF\\s+EXISTS\\s+)?${IDENT}(\\s+FORCE)?$`, "i").exec(sql))) {
      const db = ident(m, 2);
      const force = Boolean(m[4]);
      if (!this.databases.has(db)) {
        if (m[1]) return { ok: true };
        throw new SqlError(`Can't drop database '${db}'; database doesn't exist`, 1008);
      }
      if (!force && this.committed(db)) {
        throw new SqlError(
          `There are still some transactions in the COMMITTED state waiting to be completed. The database [${db}] cannot be dropped. ` +
            `If you want to forcibly drop(cannot be recovered), please use "DROP DATABASE <database> FORCE".`,
        );
      }
      const info = this.databaseInfo.get(db);
      if (!force && info) {
        this.recycleBin.push({ kind: "db", id: info.id, db, volume: info.volume });
        for (const [name, t] of this.databases.get(db)!) this.recycleBin.push({ kind: "table", id: t.id!, db, table: name, volume: t.volume! });
      }
      this.databases.delete(db);
      this.databaseInfo.delete(db);
      this.ddlEvent({ kind: "databaseDropped", db });
      return { ok: true };
    }
    if ((m = new RegExp(`^SHOW\\s+TABLES\\s+FROM\\s+${IDENT}$`, "i").exec(sql))) {
      const db = ident(m, 1);
      const tables = this.databases.get(db);
      if (!tables) throw new SqlError(`Unknown database '${db}'`, 1049);
      return rows([`Tables_in_${db}`], [...tables.keys()].map((t) => [t]));
    }
    if ((m = new RegExp(`^CREATE\\s+TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${IDENT}\\.${IDENT}\\s*([\\s\\S]*)$`, "i").exec(sql))) {
      const db = ident(m, 2);
      const name = ident(m, 4);
      const tables = this.databases.get(db);
      if (!tables) throw new SqlError(`Unknown database '${db}'`, 1049);
      if (tables.has(name)) {
        if (m[1]) return { ok: true };
        throw new SqlError(`Table '${name}' already exists`, 1050);
      }
      const parsed = parseCreateTable(`CREATE TABLE t ${m[6]}`);
      if (!/PRIMARY\s+KEY/i.test(m[6]) || parsed.keys.length === 0) throw new SqlError("fake FE: only Primary Key tables are supported");
      // Column types, key order, key nullability and key types as StarRocks checks them (types.ts).
      const columns = typeRules(() => primaryKeyTableColumns(columnListOf(m![6]), parsed.keys));
      // Tablets are created on compute nodes; without an alive one the statement fails.
      if (!this.nodes.some((n) => this.alive(n))) throw new SqlError("No alive backend or compute node in warehouse default_warehouse.", 10005);
      const propsText = /PROPERTIES\s*\(([\s\S]*)\)\s*$/i.exec(m[6]);
      const def: FakeTable = {
        id: this.nextObjectId++, volume: this.databaseInfo.get(db)?.volume,
        columns: columns.map(fakeColumn), keys: parsed.keys, distribution: parsed.distribution, properties: propsText ? parseProps(propsText[1]) : {},
      };
      tables.set(name, def);
      this.ddlEvent({ kind: "tableCreated", db, table: name, def });
      return { ok: true };
    }
    if ((m = new RegExp(`^SHOW\\s+CREATE\\s+TABLE\\s+${IDENT}\\.${IDENT}$`, "i").exec(sql))) {
      const db = ident(m, 1);
      const name = ident(m, 3);
      const t = this.databases.get(db)?.get(name);
      if (!t) throw new SqlError(`Unknown table '${db}.${name}'`, 1051);
      return rows(["Table", "Create Table"], [[name, this.renderCreateTable(name, t)]]);
    }
    if ((m = new RegExp(`^ALTER\\s+TABLE\\s+${IDENT}\\.${IDENT}\\s+(ADD|DROP|MODIFY)\\s+COLUMN\\s+([\\s\\S]+)$`, "i").exec(sql))) {
      const db = ident(m, 1);
      const name = ident(m, 3);
      const t = this.databases.get(db)?.get(name);
      if (!t) throw new SqlError(`Unknown table '${db}.${name}'`, 1051);
      const delay = this.opts.schemaChangeDelayMs ?? 200;
      if (m[5].toUpperCase() === "ADD") {
        const am = new RegExp(`^([\\s\\S]+?)(?:\\s+AFTER\\s+${IDENT})?$`, "i").exec(m[6])!;
        const col = fakeColumn(columnDefinition(am[1]));
        if (!col.nullable && col.default === undefined) throw new SqlError(`Field '${col.name}' is not null but doesn't have a default value`, 1364);
        if (t.columns.some((c) => c.name === col.name)) throw new SqlError(`Can not add column which already exists in base table: ${col.name}`);
        const after = am[2] !== undefined || am[3] !== undefined ? ident(am, 2) : undefined;
        this.later(delay, () => {
          const i = after ? t.columns.findIndex((c) => c.name === after) + 1 : t.columns.length;
          t.columns.splice(i > 0 ? i : t.columns.length, 0, col);
          this.ddlEvent({ kind: "columnAdded", db, table: name, column: col, after, def: t });
        });
      } else if (m[5].toUpperCase() === "MODIFY") {
        const col = fakeColumn(columnDefinition(m[6]));
        const old = t.columns.find((c) => c.name === col.name);
        if (!old) throw new SqlError(`Column[${col.name}] does not exists`);
        if (t.keys.includes(col.name)) throw new SqlError(`Can not modify key column: ${col.name} for primary key table`);
        checkModify(old, col);
        this.later(delay, () => {
          t.columns = t.columns.map((c) => (c.name === col.name ? col : c));
          this.ddlEvent({ kind: "columnModified", db, table: name, column: col, def: t });
        });
      } else {
        const dm = new RegExp(`^${IDENT}$`, "i").exec(m[6].trim());
        const colName = dm ? ident(dm, 1) : m[6].trim();
        if (!t.columns.some((c) => c.name === colName)) throw new SqlError(`Column does not exists: ${colName}`);
        if (t.keys.includes(colName)) throw new SqlError(`Can not drop key column in primary data model table`);
        this.later(delay, () => {
          t.columns = t.columns.filter((c) => c.name !== colName);
          this.ddlEvent({ kind: "columnDropped", db, table: name, column: colName, def: t });
        });
      }
      return { ok: true };
    }
    if ((m = new RegExp(`^DROP\\s+TABLE\\s+(IF\\s+EXISTS\\s+)?${IDENT}\\.${IDENT}(\\s+FORCE)?$`, "i").exec(sql))) {
      const db = ident(m, 2);
      const name = ident(m, 4);
      const tables = this.databases.get(db);
      if (!tables?.has(name)) {
        if (m[1]) return { ok: true };
        throw new SqlError(`Unknown table '${db}.${name}'`, 1051);
      }
      const force = Boolean(m[6]);
      if (!force && this.committed(db, name)) {
        throw new SqlError(
          `There are still some transactions in the COMMITTED state waiting to be completed. The table [${name}] cannot be dropped. ` +
            `If you want to forcibly drop(cannot be recovered), please use "DROP TABLE <table> FORCE".`,
        );
      }
      const t = tables.get(name)!;
      if (!force) this.recycleBin.push({ kind: "table", id: t.id!, db, table: name, volume: t.volume! });
      tables.delete(name);
      this.ddlEvent({ kind: "tableDropped", db, table: name });
      return { ok: true };
    }

    // Users, grants, passwords
    if (/^SHOW\s+USERS$/i.test(sql)) return rows(["User"], [...this.users.keys()].map((u) => [`'${u}'@'%'`]));
    if ((m = new RegExp(`^CREATE\\s+USER\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${ACCOUNT}\\s+IDENTIFIED\\s+BY\\s+'((?:[^'\\\\]|\\\\.|'')*)'$`, "i").exec(sql))) {
      const name = unescapeLiteral(m[2]);
      if (this.users.has(name)) {
        if (m[1]) return { ok: true };
        throw new SqlError(`Operation CREATE USER failed for '${name}'@'%' : user already exists`, 1396);
      }
      const pw = unescapeLiteral(m[4]);
      this.users.set(name, { doubleSha: pw ? auth41.doubleSha1(pw) : undefined, grants: [`GRANT 'public' TO '${name}'@'%'`] });
      return { ok: true };
    }
    if ((m = new RegExp(`^ALTER\\s+USER\\s+${ACCOUNT}\\s+IDENTIFIED\\s+BY\\s+'((?:[^'\\\\]|\\\\.|'')*)'$`, "i").exec(sql))) {
      const u = this.users.get(unescapeLiteral(m[1]));
      if (!u) throw new SqlError(`Operation ALTER USER failed for '${unescapeLiteral(m[1])}'@'%' : user not exists`, 1396);
      const pw = unescapeLiteral(m[3]);
      u.doubleSha = pw ? auth41.doubleSha1(pw) : undefined;
      return { ok: true };
    }
    if ((m = new RegExp(`^DROP\\s+USER\\s+(IF\\s+EXISTS\\s+)?${ACCOUNT}$`, "i").exec(sql))) {
      const name = unescapeLiteral(m[2]);
      if (!this.users.has(name) && !m[1]) throw new SqlError(`Operation DROP USER failed for '${name}'@'%' : user not exists`, 1396);
      this.users.delete(name);
      return { ok: true };
    }
    if ((m = new RegExp(`^GRANT\\s+([A-Z ,]+?)\\s+ON\\s+ALL\\s+TABLES\\s+IN\\s+DATABASE\\s+${IDENT}\\s+TO\\s+USER\\s+${ACCOUNT}$`, "i").exec(sql))) {
      const name = unescapeLiteral(m[4]);
      const u = this.users.get(name);
      if (!u) throw new SqlError(`cannot find user '${name}'@'%'`);
      const privs = m[1].split(",").map((p) => p.trim().toUpperCase());
      u.grants.push(`GRANT ${privs.join(", ")} ON ALL TABLES IN DATABASE ${ident(m, 2)} TO USER '${name}'@'%'`);
      return { ok: true };
    }
    if ((m = new RegExp(`^REVOKE\\s+([A-Z ,]+?)\\s+ON\\s+ALL\\s+TABLES\\s+IN\\s+DATABASE\\s+${IDENT}\\s+FROM\\s+USER\\s+${ACCOUNT}$`, "i").exec(sql))) {
      const name = unescapeLiteral(m[4]);
      const u = this.users.get(name);
      if (!u) throw new SqlError(`cannot find user '${name}'@'%'`);
      const db = ident(m, 2);
      const revoked = m[1].split(",").map((p) => p.trim().toUpperCase());
      const on = ` ON ALL TABLES IN DATABASE ${db} TO `;
      u.grants = u.grants.flatMap((g) => {
        if (!g.includes(on)) return [g];
        const privs = /^GRANT (.+?) ON /.exec(g)![1].split(", ").filter((p) => !revoked.includes(p));
        return privs.length ? [`GRANT ${privs.join(", ")}${g.slice(g.indexOf(" ON "))}`] : [];
      });
      return { ok: true };
    }
    if ((m = new RegExp(`^SHOW\\s+GRANTS\\s+FOR\\s+${ACCOUNT}$`, "i").exec(sql))) {
      const name = unescapeLiteral(m[1]);
      const u = this.users.get(name);
      if (!u) throw new SqlError(`Getting analyzing error. Detail message: cannot find user '${name}'@'%'.`);
      return rows(["UserIdentity", "Catalog", "Grants"], u.grants.map((g) => [`'${name}'@'%'`, / ON /.test(g) ? "default_catalog" : null, g]));
    }
    if ((m = /^SET\s+PASSWORD\s*=\s*PASSWORD\s*\(\s*'((?:[^'\\]|\\.|'')*)'\s*\)$/i.exec(sql))) {
      const u = this.users.get(user)!;
      const pw = unescapeLiteral(m[1]);
      u.doubleSha = pw ? auth41.doubleSha1(pw) : undefined;
      return { ok: true };
    }
    if ((m = new RegExp(`^SET\\s+PASSWORD\\s+FOR\\s+${ACCOUNT}\\s*=\\s*PASSWORD\\s*\\(\\s*'((?:[^'\\\\]|\\\\.|'')*)'\\s*\\)$`, "i").exec(sql))) {
      const u = this.users.get(unescapeLiteral(m[1]));
      if (!u) throw new SqlError(`cannot find user '${unescapeLiteral(m[1])}'@'%'`);
      const pw = unescapeLiteral(m[3]);
      u.doubleSha = pw ? auth41.doubleSha1(pw) : undefined;
      return { ok: true };
    }
    throw new UnknownStatement(`fake StarRocks FE does not support this statement: ${sql.slice(0, 120)}`);
  }

  /** Whether the FE's first heartbeat has reached the node (it is not Alive before). */
  private heartbeaten(n: FakeNode): boolean {
    return Date.now() - n.addedAt >= (this.opts.firstHeartbeatMs ?? 150);
  }

  private alive(n: FakeNode): boolean {
    if (n.deadErrMsg !== undefined || n.behaviour.never || !this.heartbeaten(n)) return false;
    const after = n.behaviour.aliveAfterMs ?? this.opts.aliveDelayMs ?? 0;
    return Date.now() - n.addedAt >= after;
  }

  private later(ms: number, fn: () => void): void {
    if (ms <= 0) fn();
    else this.timers.push(setTimeout(fn, ms));
  }

  private renderCreateTable(name: string, t: FakeTable): string {
    const q = (s: string) => "`" + s + "`";
    const dflt = (c: FakeColumn) => (c.default === undefined ? "" : ` DEFAULT ${JSON.stringify(c.default)}`);
    const cols = t.columns.map((c) => `  ${q(c.name)} ${displayType(c.type)} ${c.nullable ? "NULL" : "NOT NULL"}${dflt(c)} COMMENT ""`);
    const props = { compression: "LZ4", ...t.properties, replication_num: "1" };
    return [
      `CREATE TABLE ${q(name)} (`,
      cols.join(",\n"),
      `) ENGINE=OLAP `,
      `PRIMARY KEY(${t.keys.map(q).join(", ")})`,
      `DISTRIBUTED BY HASH(${t.distribution.map(q).join(", ")})`,
      `PROPERTIES (`,
      Object.entries(props).map(([k, v]) => `"${k}" = "${v}"`).join(",\n"),
      `);`,
    ].join("\n");
  }
}

