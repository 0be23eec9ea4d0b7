/**
 * MySQL-protocol connections (MySQL, MariaDB and the StarRocks FE all speak it), shared by the providers
 * and the CLI. Connects with retry while the server starts (clients/wait.ts), fails fast on access denied,
 * and never lets a password reach an error message.
 */
import { CdcError } from "./errors";
import type { Connection } from "mysql2/promise";
import { scrub, scrubError } from "./scrub";
import { NotReadyError, waitFor } from "./wait";

export interface MysqlConnectionInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
}

export interface ConnectOptions {
  /** Name of the service for messages, e.g. "StarRocks FE" or "MySQL source". */
  service?: string;
  /** How long to keep retrying while the server does not accept connections. */
  timeoutMs?: number;
  /** Extra secrets to scrub from errors (the connection password is always scrubbed). */
  secrets?: string[];
}

export type SqlConnection = Connection;
export type Row = Record<string, unknown>;

/**
 * MySQL error numbers that mean "your credentials are wrong": retrying will not help. An array, not a Set:
 * Pulumi's closure serializer copies a captured Set as an empty object (no entries, no `has`).
 */
const ACCESS_DENIED_ERRNOS: readonly number[] = [1044, 1045, 1698];

export function isAccessDenied(err: unknown): boolean {
  const e = err as { errno?: number; code?: string; message?: string };
  if (typeof e?.errno === "number" && ACCESS_DENIED_ERRNOS.includes(e.errno)) return true;
  return e?.code === "ER_ACCESS_DENIED_ERROR" || e?.code === "ER_DBACCESS_DENIED_ERROR" || /access denied/i.test(e?.message ?? "");
}

export function address(info: { host: string; port: number }): string {
  return `${info.host}:${info.port}`;
}

/** Thrown when the server answered but refused the login. */
export class AccessDeniedError extends CdcError {
  constructor(message: string, public readonly errno?: number) {
    super(message);
    this.name = "AccessDeniedError";
  }
}

/**
 * errno 1044 (ER_DBACCESS_DENIED_ERROR, "Access denied for user '%s'@'%s' to database '%s'"): the password
 * was right, but the user holds no privilege on the database it connects to.
 */
export class DatabaseAccessDeniedError extends AccessDeniedError {
  constructor(message: string) {
    super(message, 1044);
    this.name = "DatabaseAccessDeniedError";
  }
}

function isDatabaseAccessDenied(err: unknown): boolean {
  const e = err as { errno?: number; code?: string };
  return e?.errno === 1044 || e?.code === "ER_DBACCESS_DENIED_ERROR";
}

/**
 * Opens one connection, retrying (with backoff) while the server is not up yet. Access denied fails at
 * once with a message naming the service, address and user. A timeout names the service, the address and
 * the last error seen.
 */
export async function connectMysql(info: MysqlConnectionInfo, opts: ConnectOptions = {}): Promise<SqlConnection> {
  const service = opts.service ?? "MySQL server";
  const secrets = [info.password, ...(opts.secrets ?? [])];
  const timeoutMs = opts.timeoutMs ?? 60_000;
  // Required here, not at module level: providers are serialized by value and must not capture clients.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require("mysql2/promise") as typeof import("mysql2/promise");
  return waitFor(
    async () => {
      try {
        return await mysql.createConnection({
          host: info.host,
          port: info.port,
          user: info.user,
          password: info.password,
          database: info.database,
          connectTimeout: Math.max(1000, Math.min(10_000, timeoutMs)),
          multipleStatements: false,
          dateStrings: true,
          supportBigNumbers: true,
          bigNumberStrings: true,
        });
      } catch (err) {
        if (isDatabaseAccessDenied(err)) {
          const e = err as { message?: string };
          throw new DatabaseAccessDeniedError(
            `${service} at ${address(info)} accepted the login of user '${info.user}' but refused database '${info.database ?? ""}': ` +
              `${scrub(e.message ?? String(err), secrets)}. The user lacks privileges on that database (errno 1044), the password is fine: ` +
              `grant them, or connect to a database the user may use.`,
          );
        }
        if (isAccessDenied(err)) {
          const e = err as { errno?: number; message?: string };
          throw new AccessDeniedError(
            `${service} at ${address(info)} refused the login for user '${info.user}': ${scrub(e.message ?? String(err), secrets)}. ` +
              `Check the user and password the stack passes (a password changed outside Pulumi shows here).`,
            e.errno,
          );
        }
        throw new NotReadyError(scrub((err as Error)?.message ?? String(err), secrets) + codeSuffix(err));
      }
    },
    {
      what: `${service} to accept connections`,
      where: address(info),
      timeoutMs,
      retryable: (err) => !(err instanceof AccessDeniedError),
    },
  );
}

function codeSuffix(err: unknown): string {
  const code = (err as { code?: string })?.code;
  const msg = (err as Error)?.message ?? "";
  return code && !msg.includes(code) ? ` (${code})` : "";
}

/** Runs fn with a fresh connection and always closes it. */
export async function withMysql<T>(info: MysqlConnectionInfo, opts: ConnectOptions, fn: (conn: SqlConnection) => Promise<T>): Promise<T> {
  const conn = await connectMysql(info, opts);
  try {
    return await fn(conn);
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
}

/**
 * Runs one statement (text protocol) and returns its rows as objects (empty for statements without a
 * result). Errors are scrubbed of the given secrets and of any password literal in the statement.
 */
export async function query<T extends Row = Row>(conn: SqlConnection, sql: string, params?: unknown[], secrets: string[] = []): Promise<T[]> {
  try {
    const [rows] = await conn.query(sql, params);
    return Array.isArray(rows) ? (rows as T[]) : [];
  } catch (err) {
    throw scrubError(err, secrets);
  }
}

/** Reads a column by name, case-insensitively (servers differ in the case of column labels). */
export function col(row: Row, name: string): unknown {
  if (name in row) return row[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(row)) if (k.toLowerCase() === lower) return row[k];
  return undefined;
}

export function str(row: Row, name: string): string {
  const v = col(row, name);
  return v === null || v === undefined ? "" : String(v);
}

/**
 * The source database's schema as information_schema holds it, for catalog/source.ts: base tables, columns,
 * primary-key columns, charset widths, and (MariaDB) the columns its JSON alias made LONGTEXT with a
 * `json_valid` CHECK. Needs only SELECT on the tables (information_schema shows what the user may see).
 */
export async function readSourceSchema(conn: SqlConnection, database: string): Promise<import("../catalog/source").SourceSchema> {
  const head = (await query(conn, "SELECT VERSION() AS v, @@server_id AS id"))[0] ?? {};
  const version = str(head, "v");
  const tables = await query(conn, "SELECT TABLE_NAME AS TABLE_NAME, TABLE_TYPE AS TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", [database]);
  const columns = await query(
    conn,
    "SELECT TABLE_NAME AS TABLE_NAME, COLUMN_NAME AS COLUMN_NAME, ORDINAL_POSITION AS ORDINAL_POSITION, IS_NULLABLE AS IS_NULLABLE, " +
      "DATA_TYPE AS DATA_TYPE, COLUMN_TYPE AS COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH AS CHARACTER_MAXIMUM_LENGTH, " +
      "CHARACTER_OCTET_LENGTH AS CHARACTER_OCTET_LENGTH, NUMERIC_PRECISION AS NUMERIC_PRECISION, NUMERIC_SCALE AS NUMERIC_SCALE, " +
      "DATETIME_PRECISION AS DATETIME_PRECISION, CHARACTER_SET_NAME AS CHARACTER_SET_NAME, COLUMN_KEY AS COLUMN_KEY, EXTRA AS EXTRA, COLUMN_DEFAULT AS COLUMN_DEFAULT " +
      "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION",
    [database],
  );
  const primaryKeys = await query(
    conn,
    "SELECT TABLE_NAME AS TABLE_NAME, COLUMN_NAME AS COLUMN_NAME, SEQ_IN_INDEX AS SEQ_IN_INDEX FROM information_schema.STATISTICS " +
      "WHERE TABLE_SCHEMA = ? AND INDEX_NAME = 'PRIMARY' ORDER BY TABLE_NAME, SEQ_IN_INDEX",
    [database],
  );
  const charsets = await query(conn, "SELECT CHARACTER_SET_NAME AS CHARACTER_SET_NAME, MAXLEN AS MAXLEN FROM information_schema.CHARACTER_SETS");
  const jsonColumns: Array<{ TABLE_NAME: string; COLUMN_NAME: string }> = [];
  if (/mariadb/i.test(version)) {
    // MariaDB's JSON is an alias: LONGTEXT plus CHECK (json_valid(`col`)) named after the column (MariaDB KB "JSON Data Type").
    const checks = await query(conn, "SELECT TABLE_NAME AS TABLE_NAME, CHECK_CLAUSE AS CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?", [database]);
    for (const c of checks) {
      const m = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(str(c, "CHECK_CLAUSE").trim());
      if (m) jsonColumns.push({ TABLE_NAME: str(c, "TABLE_NAME"), COLUMN_NAME: m[1].replace(/``/g, "`") });
    }
  }
  return {
    version,
    serverId: Number(col(head, "id")),
    tables: tables as never,
    columns: columns as never,
    primaryKeys: primaryKeys as never,
    charsets: charsets as never,
    jsonColumns,
  };
}
