/**
 * StarRocks FE over the MySQL protocol (query port 9030): verb-named operations shared by the providers
 * and the CLI. Statements come from render/starrocks.ts where one exists; the others follow the StarRocks
 * SQL reference (docs/en/sql-reference/sql-statements/...), cited at each function.
 * Results are always read by column name, never by position.
 */
import type { TableDef } from "../catalog/tables";
import {
  StarRocksColumn,
  VolumeSpec,
  createLoaderUserSql,
  createStorageVolumeSql,
  grantLoaderSql,
  propertiesClause,
  revokeLoaderSql,
  setDefaultStorageVolumeSql,
  starrocksColumnDef,
  starrocksCreateDatabaseSql,
  starrocksCreateTableSql,
} from "../render/starrocks";
import { account, quoteIdent, quoteString } from "../render/sql";
import { ConnectOptions, MysqlConnectionInfo, Row, SqlConnection, col, connectMysql, query, str, withMysql } from "./mysql";
import { NotReadyError, WaitTimeoutError, waitFor } from "./wait";

export const FE_SERVICE = "StarRocks FE";

export function connectStarRocks(info: MysqlConnectionInfo, opts: ConnectOptions = {}): Promise<SqlConnection> {
  return connectMysql(info, { service: FE_SERVICE, ...opts });
}

export function withStarRocks<T>(info: MysqlConnectionInfo, opts: ConnectOptions, fn: (conn: SqlConnection) => Promise<T>): Promise<T> {
  return withMysql(info, { service: FE_SERVICE, ...opts }, fn);
}

function errText(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

// ---------------------------------------------------------------------------------------------------
// Compute nodes (starrocks.md §6; SHOW_COMPUTE_NODES.md, ALTER_SYSTEM.md, SystemInfoService.java)

export interface ComputeNodeInfo {
  id: string;
  /** `IP` column: the registered host name in FQDN mode. */
  host: string;
  heartbeatPort: number;
  alive: boolean;
  errMsg: string;
  raw: Row;
}

export async function showComputeNodes(conn: SqlConnection): Promise<ComputeNodeInfo[]> {
  const rows = await query(conn, "SHOW COMPUTE NODES");
  return rows.map((r) => ({
    id: str(r, "ComputeNodeId"),
    host: str(r, "IP"),
    heartbeatPort: Number(col(r, "HeartbeatPort")),
    alive: str(r, "Alive").toLowerCase() === "true",
    errMsg: str(r, "ErrMsg"),
    raw: r,
  }));
}

export function findComputeNode(nodes: ComputeNodeInfo[], host: string, port: number): ComputeNodeInfo | undefined {
  return nodes.find((n) => n.host === host && n.heartbeatPort === port);
}

/** Text of SystemInfoService.checkSameNodeExist: ADD is not idempotent. */
export const CN_ALREADY_EXISTS = /Compute node already exists with same host/i;
/** Text of SystemInfoService.dropComputeNodes for an unknown node. */
export const CN_DOES_NOT_EXIST = /compute node does not exists/i;

/** ALTER SYSTEM ADD COMPUTE NODE "host:port"; "already exists" is reported as "exists", not an error. */
export async function addComputeNode(conn: SqlConnection, host: string, port: number): Promise<"added" | "exists"> {
  try {
    await query(conn, `ALTER SYSTEM ADD COMPUTE NODE ${JSON.stringify(`${host}:${port}`)}`);
    return "added";
  } catch (err) {
    if (CN_ALREADY_EXISTS.test(errText(err))) return "exists";
    throw err;
  }
}

/** ALTER SYSTEM DROP COMPUTE NODE "host:port"; an unknown node counts as dropped. */
export async function dropComputeNode(conn: SqlConnection, host: string, port: number): Promise<"dropped" | "absent"> {
  try {
    await query(conn, `ALTER SYSTEM DROP COMPUTE NODE ${JSON.stringify(`${host}:${port}`)}`);
    return "dropped";
  } catch (err) {
    if (CN_DOES_NOT_EXIST.test(errText(err))) return "absent";
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------
// Storage volumes (starrocks.md §4; CREATE/ALTER/DESC/DROP_STORAGE_VOLUME.md, SET_DEFAULT_STORAGE_VOLUME.md)

export interface StorageVolumeInfo {
  name: string;
  type: string;
  isDefault: boolean;
  location: string;
  /** Params JSON as DESC returns it (access and secret keys masked). */
  params: Record<string, string>;
  enabled: boolean;
  comment: string;
}

/** SHOW STORAGE VOLUMES returns one column, `Storage Volume`. */
export async function showStorageVolumes(conn: SqlConnection): Promise<string[]> {
  const rows = await query(conn, "SHOW STORAGE VOLUMES");
  return rows.map((r) => str(r, "Storage Volume"));
}

/** DESC STORAGE VOLUME; undefined when no volume has that name (checked with SHOW STORAGE VOLUMES first). */
export async function describeStorageVolume(conn: SqlConnection, name: string): Promise<StorageVolumeInfo | undefined> {
  const names = await showStorageVolumes(conn);
  if (!names.includes(name)) return undefined;
  const rows = await query(conn, `DESC STORAGE VOLUME ${quoteIdent(name)}`);
  if (rows.length === 0) return undefined;
  const r = rows[0];
  let params: Record<string, string> = {};
  try {
    const parsed = JSON.parse(str(r, "Params") || "{}");
    params = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
  } catch {
    params = {};
  }
  return {
    name: str(r, "Name"),
    type: str(r, "Type"),
    isDefault: str(r, "IsDefault").toLowerCase() === "true",
    location: str(r, "Location"),
    params,
    enabled: str(r, "Enabled").toLowerCase() === "true",
    comment: str(r, "Comment"),
  };
}

export async function createStorageVolume(conn: SqlConnection, spec: VolumeSpec, accessKey: string, secretKey: string): Promise<void> {
  await query(conn, createStorageVolumeSql(spec, accessKey, secretKey), undefined, [accessKey, secretKey]);
}

/**
 * ALTER STORAGE VOLUME <name> SET ("key" = "value", ...): only credential-related properties, comment and
 * `enabled` can change; TYPE and LOCATIONS cannot (ALTER_STORAGE_VOLUME.md).
 */
export async function alterStorageVolume(conn: SqlConnection, name: string, props: Record<string, string>, secrets: string[] = []): Promise<void> {
  await query(conn, `ALTER STORAGE VOLUME ${quoteIdent(name)} SET (\n${propertiesClause(props)}\n)`, undefined, secrets);
}

export async function setDefaultStorageVolume(conn: SqlConnection, name: string): Promise<void> {
  await query(conn, setDefaultStorageVolumeSql(name));
}

/** StarRocks refuses to drop the default volume: "default storage volume can not be removed". */
export const SV_IS_DEFAULT = /default storage volume can not be removed/i;
/**
 * StorageVolumeMgr.removeStorageVolume: "Storage volume '%s' is referenced by dbs or tables, dbs: [..],
 * tables: [..]"; dropped databases and tables count until the recycle bin lets them go
 * (catalog_trash_expire_second, 24 h by default) unless they were dropped with FORCE.
 */
export const SV_REFERENCED = /is referenced by dbs or tables/i;

export async function dropStorageVolume(conn: SqlConnection, name: string): Promise<void> {
  await query(conn, `DROP STORAGE VOLUME IF EXISTS ${quoteIdent(name)}`);
}

// ---------------------------------------------------------------------------------------------------
// Databases and tables (CREATE_DATABASE.md, SHOW_DATABASES.md, SHOW_CREATE_TABLE.md, ALTER_TABLE.md)

export async function showDatabases(conn: SqlConnection): Promise<string[]> {
  const rows = await query(conn, "SHOW DATABASES");
  return rows.map((r) => str(r, "Database"));
}

export async function createDatabase(conn: SqlConnection, database: string): Promise<void> {
  await query(conn, starrocksCreateDatabaseSql(database));
}

/**
 * Database.dropTable / LocalMetastore.dropDb refuse a DROP without FORCE while a load is COMMITTED but not
 * yet VISIBLE: "There are still some transactions in the COMMITTED state waiting to be completed. ...".
 */
export const TXN_COMMITTED = /transactions in the COMMITTED state/i;

export interface DropOptions {
  /**
   * DROP ... FORCE: erased at once (no recycle bin, so the storage volume is released; no RECOVER) and not
   * blocked by COMMITTED loads. Without it the drop is retried while loads are COMMITTED.
   */
  force: boolean;
  /** How long to retry a refused drop. */
  timeoutMs: number;
  /** Where, for messages (host:port). */
  where: string;
}

/** Runs a DROP, retrying with backoff while StarRocks refuses it because of COMMITTED loads. */
async function dropWithRetry(conn: SqlConnection, sql: string, what: string, opts: DropOptions): Promise<void> {
  try {
    await waitFor(
      async () => {
        try {
          await query(conn, sql);
        } catch (err) {
          if (TXN_COMMITTED.test(errText(err))) throw new NotReadyError(errText(err));
          throw err;
        }
      },
      { what: `StarRocks to accept ${what}`, where: opts.where, timeoutMs: opts.timeoutMs, initialDelayMs: 500, retryable: () => false },
    );
  } catch (err) {
    if (err instanceof WaitTimeoutError) {
      throw new Error(`${err.message}. Loads into it are still COMMITTED but not VISIBLE: stop what writes to it (its CDC job), or drop it with FORCE (the data cannot be recovered).`);
    }
    throw err;
  }
}

/** DROP DATABASE IF EXISTS <db> [FORCE] (DROP_DATABASE.md), retried while loads are COMMITTED. */
export async function dropDatabase(conn: SqlConnection, database: string, opts: DropOptions): Promise<void> {
  await dropWithRetry(conn, `DROP DATABASE IF EXISTS ${quoteIdent(database)}${opts.force ? " FORCE" : ""}`, `DROP DATABASE ${database}`, opts);
}

/** SHOW TABLES FROM <db>: one column, `Tables_in_<db>`. */
export async function showTables(conn: SqlConnection, database: string): Promise<string[]> {
  const rows = await query(conn, `SHOW TABLES FROM ${quoteIdent(database)}`);
  return rows.map((r) => String(Object.values(r)[0] ?? ""));
}

/** SHOW CREATE TABLE: columns `Table` and `Create Table`. Undefined when the table (or database) is missing. */
export async function showCreateTable(conn: SqlConnection, database: string, table: string): Promise<string | undefined> {
  const dbs = await showDatabases(conn);
  if (!dbs.includes(database)) return undefined;
  const tables = await showTables(conn, database);
  if (!tables.includes(table)) return undefined;
  const rows = await query(conn, `SHOW CREATE TABLE ${quoteIdent(database)}.${quoteIdent(table)}`);
  return rows.length ? str(rows[0], "Create Table") : undefined;
}

export async function createTable(conn: SqlConnection, database: string, def: TableDef): Promise<void> {
  await query(conn, starrocksCreateTableSql(database, def));
}

/** DROP TABLE IF EXISTS <db>.<t> [FORCE] (DROP_TABLE.md), retried while loads are COMMITTED. */
export async function dropTable(conn: SqlConnection, database: string, table: string, opts: DropOptions): Promise<void> {
  await dropWithRetry(conn, `DROP TABLE IF EXISTS ${quoteIdent(database)}.${quoteIdent(table)}${opts.force ? " FORCE" : ""}`, `DROP TABLE ${database}.${table}`, opts);
}

/**
 * ALTER TABLE <t> ADD COLUMN <col> <type> [NULL|NOT NULL] [DEFAULT '<v>'] [AFTER <col>] (ALTER_TABLE.md,
 * "Add a column"). A NOT NULL column needs its DEFAULT (column.default), or StarRocks refuses it with errno
 * 1364 (AlterTableClauseAnalyzer.visitAddColumnClause).
 */
export async function addColumn(conn: SqlConnection, database: string, table: string, column: StarRocksColumn, after?: string): Promise<void> {
  const pos = after ? ` AFTER ${quoteIdent(after)}` : "";
  await query(conn, `ALTER TABLE ${quoteIdent(database)}.${quoteIdent(table)} ADD COLUMN ${starrocksColumnDef(column)}${pos}`);
}

/**
 * ALTER TABLE <t> MODIFY COLUMN <col> <type> [NULL|NOT NULL] [DEFAULT '<v>'] (ALTER_TABLE.md, "Modify a
 * column"): a longer VARCHAR or NOT NULL -> NULL on a value column. The column keeps its position; its
 * DEFAULT must be restated unchanged ("Can not change default value", Column.checkSchemaChangeAllowed).
 */
export async function modifyColumn(conn: SqlConnection, database: string, table: string, column: StarRocksColumn): Promise<void> {
  await query(conn, `ALTER TABLE ${quoteIdent(database)}.${quoteIdent(table)} MODIFY COLUMN ${starrocksColumnDef(column)}`);
}

/** ALTER TABLE <t> DROP COLUMN <col> (ALTER_TABLE.md, "Drop a column"). */
export async function dropColumn(conn: SqlConnection, database: string, table: string, column: string): Promise<void> {
  await query(conn, `ALTER TABLE ${quoteIdent(database)}.${quoteIdent(table)} DROP COLUMN ${quoteIdent(column)}`);
}

export interface ParsedColumn {
  name: string;
  /** Normalized: upper case, no display width on integer types, no spaces. */
  type: string;
  nullable: boolean;
  /** The DEFAULT value as printed, unquoted; undefined when the column has none. */
  default?: string;
}

export interface ParsedTable {
  columns: ParsedColumn[];
  keys: string[];
  /** Hash distribution columns. */
  distribution: string[];
}

/** Normalizes a type as SHOW CREATE TABLE prints it (e.g. `bigint(20)`, `decimal(12, 2)`) to the render form. */
export function normalizeType(t: string): string {
  let s = t.trim().toUpperCase().replace(/\s+/g, "");
  s = s.replace(/^(TINYINT|SMALLINT|INT|BIGINT|LARGEINT)\(\d+\)$/, "$1");
  s = s.replace(/^INTEGER$/, "INT");
  s = s.replace(/^DECIMAL(?:V3|32|64|128)?\(/, "DECIMAL(");
  return s;
}

function unquoteIdent(s: string): string {
  const t = s.trim();
  return t.startsWith("`") && t.endsWith("`") ? t.slice(1, -1).replace(/``/g, "`") : t;
}

function unquoteLiteral(s: string): string {
  const q = s[0];
  if ((q === '"' || q === "'") && s.endsWith(q)) return s.slice(1, -1).replace(/\\(.)/g, "$1");
  return s;
}

function identList(s: string): string[] {
  return s.split(",").map(unquoteIdent).filter(Boolean);
}

/** Parses SHOW CREATE TABLE text: the column list, PRIMARY KEY(...) and DISTRIBUTED BY HASH(...). */
export function parseCreateTable(ddl: string): ParsedTable {
  const open = ddl.indexOf("(");
  if (open < 0) throw new Error(`cannot parse SHOW CREATE TABLE output: no column list in ${JSON.stringify(ddl.slice(0, 200))}`);
  // Walk to the matching parenthesis, skipping quoted text.
  let depth = 0;
  let end = -1;
  let quote: string | undefined;
  for (let i = open; i < ddl.length; i++) {
    const c = ddl[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") quote = c;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error("cannot parse SHOW CREATE TABLE output: unbalanced parentheses");
  const body = ddl.slice(open + 1, end);
  const parts: string[] = [];
  let cur = "";
  depth = 0;
  quote = undefined;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      cur += c;
      if (c === "\\") cur += body[++i] ?? "";
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") quote = c;
    if (c === "(") depth++;
    if (c === ")") depth--;
    if (c === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  if (cur.trim()) parts.push(cur);
  const columns: ParsedColumn[] = [];
  for (const p of parts) {
    const m = /^\s*(`(?:[^`]|``)+`|[A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z0-9_]+(?:\s*\([^)]*\))?)(.*)$/s.exec(p);
    if (!m) continue;
    if (/^(INDEX|KEY|PRIMARY|UNIQUE|CONSTRAINT)$/i.test(m[1])) continue;
    const rest = m[3].replace(/COMMENT\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/i, "");
    const dflt = /DEFAULT\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,]+)/i.exec(rest);
    const column: ParsedColumn = { name: unquoteIdent(m[1]), type: normalizeType(m[2]), nullable: !/NOT\s+NULL/i.test(rest) };
    if (dflt) column.default = unquoteLiteral(dflt[1]);
    columns.push(column);
  }
  const after = ddl.slice(end + 1);
  const pk = /PRIMARY\s+KEY\s*\(([^)]*)\)/i.exec(after);
  const dist = /DISTRIBUTED\s+BY\s+HASH\s*\(([^)]*)\)/i.exec(after);
  return { columns, keys: pk ? identList(pk[1]) : [], distribution: dist ? identList(dist[1]) : [] };
}

// ---------------------------------------------------------------------------------------------------
// Users, grants, passwords (starrocks.md §10; CREATE_USER.md, ALTER_USER.md, SHOW_USERS.md, SHOW_GRANTS.md)

/** SHOW USERS: one column, `User`, holding identities like 'root'@'%'. */
export async function showUsers(conn: SqlConnection): Promise<string[]> {
  const rows = await query(conn, "SHOW USERS");
  return rows.map((r) => str(r, "User"));
}

export async function userExists(conn: SqlConnection, user: string, host = "%"): Promise<boolean> {
  const wanted = normalizeAccount(account(user, host));
  return (await showUsers(conn)).some((u) => normalizeAccount(u) === wanted);
}

function normalizeAccount(a: string): string {
  return a.replace(/[`"]/g, "'").replace(/\s+/g, "");
}

export async function createLoaderUser(conn: SqlConnection, user: string, password: string): Promise<void> {
  await query(conn, createLoaderUserSql(user, password), undefined, [password]);
}

/** ALTER USER 'u'@'%' IDENTIFIED BY '<pw>' (ALTER_USER.md). */
export async function alterUserPassword(conn: SqlConnection, user: string, password: string): Promise<void> {
  await query(conn, `ALTER USER ${account(user)} IDENTIFIED BY ${quoteString(password)}`, undefined, [password]);
}

export async function dropUser(conn: SqlConnection, user: string): Promise<void> {
  await query(conn, `DROP USER ${account(user)}`);
}

export async function grantLoader(conn: SqlConnection, user: string, database: string): Promise<void> {
  await query(conn, grantLoaderSql(user, database));
}

/** REVOKE SELECT, INSERT ON ALL TABLES IN DATABASE <db> FROM USER 'u'@'%' (REVOKE.md). */
export async function revokeLoader(conn: SqlConnection, user: string, database: string): Promise<void> {
  await query(conn, revokeLoaderSql(user, database));
}

/**
 * Databases (as SHOW GRANTS prints them, backticks removed) on which the user holds any of the given
 * privileges (or ALL) through a grant ON ALL TABLES IN DATABASE <db>.
 */
export function databasesWithTableGrants(lines: string[], privileges: readonly string[]): string[] {
  const wanted = privileges.map((p) => p.toUpperCase());
  const out: string[] = [];
  for (const line of lines) {
    const m = /^\s*GRANT\s+(.+?)\s+ON\s+ALL\s+TABLES\s+IN\s+DATABASE\s+(`(?:[^`]|``)+`|\S+)\s+TO\s+/is.exec(line);
    if (!m) continue;
    const privs = m[1].split(",").map((p) => p.trim().toUpperCase());
    if (!privs.some((p) => wanted.includes(p) || p === "ALL" || p === "ALL PRIVILEGES")) continue;
    const db = unquoteIdent(m[2]);
    if (!out.includes(db)) out.push(db);
  }
  return out;
}

/**
 * Every database a grant line names (ON ALL TABLES/VIEWS/... IN DATABASE d, ON DATABASE d, ON TABLE d.t), as
 * SHOW GRANTS prints them with backticks removed; role grants and grants on everything (*.*, ALL DATABASES) name none.
 */
export function databasesInGrants(lines: string[]): string[] {
  const out: string[] = [];
  const ident = "(`(?:[^`]|``)+`|[^\\s.`]+)";
  const patterns = [new RegExp(`\\bIN\\s+DATABASE\\s+${ident}`, "gi"), new RegExp(`\\bON\\s+DATABASE\\s+${ident}`, "gi"), new RegExp(`\\bON\\s+(?:TABLE|VIEW|MATERIALIZED\\s+VIEW|FUNCTION)\\s+${ident}\\.`, "gi")];
  for (const line of lines) {
    for (const re of patterns) {
      for (const m of line.matchAll(re)) {
        const db = unquoteIdent(m[1]);
        if (!out.includes(db)) out.push(db);
      }
    }
  }
  return out;
}

/** SHOW GRANTS FOR 'u'@'%': the `Grants` column of each row. */
export async function showGrants(conn: SqlConnection, user: string, host = "%"): Promise<string[]> {
  const rows = await query(conn, `SHOW GRANTS FOR ${account(user, host)}`);
  return rows.map((r) => str(r, "Grants"));
}

export interface ParsedGrant {
  privileges: string[];
  /** The object after ON, upper-cased, backticks removed, e.g. `ALL TABLES IN DATABASE SHOP`. */
  on: string;
}

/** Parses `GRANT p1, p2 ON <object> TO ...` lines; role grants (`GRANT 'r' TO ...`) are skipped. */
export function parseGrants(lines: string[]): ParsedGrant[] {
  const out: ParsedGrant[] = [];
  for (const line of lines) {
    const m = /^\s*GRANT\s+(.+?)\s+ON\s+(.+?)\s+TO\s+/is.exec(line);
    if (!m) continue;
    out.push({
      privileges: m[1].split(",").map((p) => p.trim().toUpperCase().replace(/\s+/g, " ")),
      on: m[2].replace(/`/g, "").replace(/\s+/g, " ").trim().toUpperCase(),
    });
  }
  return out;
}

/** Which of the wanted privileges on ALL TABLES IN DATABASE <db> are missing from SHOW GRANTS output. */
export function missingDatabaseTablePrivileges(lines: string[], database: string, wanted: readonly string[]): string[] {
  const target = `ALL TABLES IN DATABASE ${database.toUpperCase()}`;
  const have = new Set<string>();
  for (const g of parseGrants(lines)) {
    if (g.on !== target && g.on !== "ALL TABLES IN ALL DATABASES") continue;
    for (const p of g.privileges) have.add(p === "ALL PRIVILEGES" ? "ALL" : p);
  }
  if (have.has("ALL")) return [];
  return wanted.filter((w) => !have.has(w.toUpperCase()));
}

/** SET PASSWORD = PASSWORD('<pw>') for the connected user (starrocks.md §10, SET_PASSWORD.md). */
export async function setOwnPassword(conn: SqlConnection, password: string): Promise<void> {
  await query(conn, `SET PASSWORD = PASSWORD(${quoteString(password)})`, undefined, [password]);
}
