/**
 * MySQL-protocol side of the StarRocks STAND-IN, added to the FE fake through its hooks:
 * - what JDBC drivers send when they connect (Connector/J 8.0.33 and 5.1.49: `SELECT @@...` system
 *   variables, `SET NAMES`, `SET character_set_results = NULL`, `SET autocommit=1`, `SHOW VARIABLES`,
 *   `SHOW COLLATION`);
 * - the two queries of the StarRocks Flink connector v1.2.10 (manager/StarRocksQueryVisitor.java):
 *   the information_schema.COLUMNS query (ORDINAL_POSITION is cast to long, so it is sent as BIGINT;
 *   COLUMN_KEY 'PRI' marks key columns; DATA_TYPE, COLUMN_SIZE, DECIMAL_DIGITS as StarRocks derives them,
 *   types.ts) and `select current_version() as ver`;
 * - ordinary SQL (SELECT, INSERT, DELETE, UPDATE, SHOW TABLES, USE) answered from the backing MariaDB,
 *   with the same table privileges as StarRocks. INSERT into a Primary Key table is an upsert there,
 *   so it is relayed as REPLACE. Relayed SQL is MariaDB's: INSERT values are not cast by StarRocks'
 *   load rules (only Stream Load is). Result text is UTF-8 (see the FE fake's handshake).
 */
import type { FakeColumnDef, FakeFeHooks, FakeResult, FakeSession, StarRocksFeFake } from "../../fakes/starrocksFe";
import { SqlError } from "../../fakes/starrocksFe";
import { accessDeniedMessage, hasTablePrivilege } from "./privileges";
import type { Store } from "./store";
import { informationSchema, parseType } from "./types";

const LONGLONG = 8;
const VAR_STRING = 253;
const BLOB = 252;
const DATETIME = 12;
/** The `binary` character set number (MySQL protocol). */
const BINARY = 63;
const str = (name: string): FakeColumnDef => ({ name, columnType: VAR_STRING });
const num = (name: string): FakeColumnDef => ({ name, columnType: LONGLONG, columnLength: 20, characterSet: 63 });

/** Session variables as a StarRocks FE reports them (names lower case). */
const VARIABLES: Record<string, string | null> = {
  auto_increment_increment: "1", autocommit: "1", character_set_client: "utf8", character_set_connection: "utf8",
  character_set_results: "utf8", character_set_server: "utf8", collation_connection: "utf8_general_ci",
  collation_database: "utf8_general_ci", collation_server: "utf8_general_ci", init_connect: "", interactive_timeout: "3600",
  license: "Apache License 2.0", lower_case_table_names: "0", max_allowed_packet: "33554432", net_buffer_length: "16384",
  net_write_timeout: "60", performance_schema: "0", query_cache_size: "1048576", query_cache_type: "0", query_timeout: "300",
  sql_mode: "ONLY_FULL_GROUP_BY", sql_select_limit: "18446744073709551615", system_time_zone: "UTC", time_zone: "Asia/Shanghai",
  transaction_isolation: "REPEATABLE-READ", tx_isolation: "REPEATABLE-READ", transaction_read_only: "0", tx_read_only: "0",
  wait_timeout: "28800", version: "8.0.33", version_comment: "StarRocks stand-in (not StarRocks)", have_query_cache: "YES",
};
const NUMERIC_VARIABLES = new Set(["auto_increment_increment", "autocommit", "interactive_timeout", "lower_case_table_names", "max_allowed_packet",
  "net_buffer_length", "net_write_timeout", "performance_schema", "query_cache_size", "query_timeout", "sql_select_limit",
  "transaction_read_only", "tx_read_only", "wait_timeout"]);

const rows = (columns: Array<string | FakeColumnDef>, data: (string | null)[][]): FakeResult => ({ columns, rows: data });
const unescape = (s: string) => s.replace(/''/g, "'").replace(/\\(.)/g, "$1");

function selectVariables(sql: string): FakeResult | undefined {
  const m = /^SELECT\s+(@@[\s\S]+?)(?:\s+LIMIT\s+\d+)?$/i.exec(sql);
  if (!m) return undefined;
  const items = m[1].split(",").map((s) => s.trim());
  const cols: FakeColumnDef[] = [];
  const values: (string | null)[] = [];
  for (const it of items) {
    const v = /^@@(?:(?:session|global|local)\.)?(\w+)(?:\s+AS\s+(\w+))?$/i.exec(it);
    if (!v) return undefined;
    const name = v[1].toLowerCase();
    if (!(name in VARIABLES)) throw new SqlError(`Unknown system variable '${v[1]}'`, 1193);
    const label = v[2] ?? it.replace(/\s+AS\s+\w+$/i, "");
    cols.push(NUMERIC_VARIABLES.has(name) ? num(label) : str(label));
    values.push(VARIABLES[name]);
  }
  return rows(cols, [values]);
}

function showVariables(sql: string): FakeResult | undefined {
  const m = /^SHOW\s+(?:SESSION\s+|GLOBAL\s+)?VARIABLES(?:\s+([\s\S]*))?$/i.exec(sql);
  if (!m) return undefined;
  const filter = m[1] ?? "";
  const quoted = [...filter.matchAll(/'((?:[^'\\]|\\.|'')*)'/g)].map((x) => unescape(x[1]));
  const like = /^LIKE\s+'/i.test(filter);
  const pick = (name: string) => {
    if (!filter) return true;
    if (like) return new RegExp(`^${quoted[0].replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, ".*").replace(/_/g, ".")}$`, "i").test(name);
    return quoted.some((q) => q.toLowerCase() === name);
  };
  return rows(["Variable_name", "Value"], Object.entries(VARIABLES).filter(([k]) => pick(k)).map(([k, v]) => [k, v]));
}

/** information_schema.COLUMNS for one table, from the FE's catalog (StarRocks' column set and types). */
function infoSchemaColumns(fe: StarRocksFeFake, sql: string): FakeResult | undefined {
  const m = /^SELECT\s+([\s\S]+?)\s+FROM\s+`?information_schema`?\s*\.\s*`?COLUMNS`?\s+WHERE\s+([\s\S]+?)(?:\s+ORDER\s+BY\s+`?ORDINAL_POSITION`?)?$/i.exec(sql);
  if (!m) return undefined;
  const cond = (col: string) => {
    const c = new RegExp(`\`?${col}\`?\\s*=\\s*'((?:[^'\\\\]|\\\\.|'')*)'`, "i").exec(m[2]);
    return c ? unescape(c[1]) : undefined;
  };
  const db = cond("TABLE_SCHEMA");
  const name = cond("TABLE_NAME");
  if (db === undefined || name === undefined) throw new SqlError("StarRocks stand-in: information_schema.COLUMNS is answered only for TABLE_SCHEMA = '...' AND TABLE_NAME = '...'");
  const items = m[1].split(",").map((s) => /^`?(\w+)`?(?:\s+AS\s+`?(\w+)`?)?$/i.exec(s.trim()));
  if (items.some((x) => !x)) throw new SqlError(`StarRocks stand-in: information_schema.COLUMNS select list not implemented: ${m[1]}`);
  const wanted = items.map((x) => x![1]);
  const labels = items.map((x) => x![2] ?? x![1]);
  const t = fe.databases.get(db)?.get(name);
  const typed: Record<string, (n: string) => FakeColumnDef> = {
    ORDINAL_POSITION: num, COLUMN_SIZE: num, DECIMAL_DIGITS: num, NUMERIC_PRECISION: num, NUMERIC_SCALE: num, CHARACTER_MAXIMUM_LENGTH: num,
  };
  const known = ["TABLE_CATALOG", "TABLE_SCHEMA", "TABLE_NAME", "COLUMN_NAME", "ORDINAL_POSITION", "COLUMN_DEFAULT", "IS_NULLABLE", "DATA_TYPE",
    "CHARACTER_MAXIMUM_LENGTH", "NUMERIC_PRECISION", "NUMERIC_SCALE", "COLUMN_TYPE", "COLUMN_KEY", "COLUMN_SIZE", "DECIMAL_DIGITS"];
  for (const w of wanted) if (!known.includes(w.toUpperCase())) throw new SqlError(`StarRocks stand-in: information_schema.COLUMNS column ${w} is not implemented`);
  const data = (t?.columns ?? []).map((c, i) => {
    // DATA_TYPE, COLUMN_TYPE, COLUMN_SIZE, DECIMAL_DIGITS as StarRocks derives them from the type (types.ts).
    const info = informationSchema(parseType(c.type));
    const values: Record<string, string | null> = {
      TABLE_CATALOG: "def", TABLE_SCHEMA: db, TABLE_NAME: name, COLUMN_NAME: c.name, ORDINAL_POSITION: String(i + 1), COLUMN_DEFAULT: null,
      IS_NULLABLE: c.nullable ? "YES" : "NO", COLUMN_KEY: t!.keys.includes(c.name) ? "PRI" : "", ...info,
    };
    return wanted.map((w) => values[w.toUpperCase()]);
  });
  return rows(wanted.map((w, i) => (typed[w.toUpperCase()] ?? str)(labels[i])), data);
}

/** Verb and privilege of a statement relayed to the store; undefined = not relayed. */
function relayable(sql: string): { privilege?: string } | undefined {
  const verb = /^\s*(\w+)/.exec(sql)?.[1].toUpperCase();
  switch (verb) {
    case "SELECT": case "WITH": return { privilege: "SELECT" };
    case "INSERT": return { privilege: "INSERT" };
    case "DELETE": return { privilege: "DELETE" };
    case "UPDATE": return { privilege: "UPDATE" };
    case "DESC": case "DESCRIBE": return { privilege: "SELECT" };
    default: return undefined;
  }
}

export interface SqlSideOptions {
  /** What `select current_version()` answers. */
  version: string;
}

export function standInSqlHooks(fe: () => StarRocksFeFake, store: Store, opts: SqlSideOptions): FakeFeHooks {
  return {
    before(raw: string, session: FakeSession) {
      // Connector/J prefixes its init query with a /* mysql-connector-j-8.0.33 (Revision: ...) */ comment.
      const sql = raw.replace(/^\/\*[\s\S]*?\*\/\s*/, "").trim();
      let m: RegExpExecArray | null;
      if (/^SET\s+/i.test(sql) && !/^SET\s+PASSWORD\b/i.test(sql) && !/\s+AS\s+DEFAULT\s+STORAGE\s+VOLUME$/i.test(sql)) return { ok: true };
      if (/^(BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK)$/i.test(sql)) return { ok: true };
      const vars = selectVariables(sql) ?? showVariables(sql);
      if (vars) return vars;
      if (/^SHOW\s+COLLATION/i.test(sql)) {
        return rows(["Collation", "Charset", num("Id"), "Default", "Compiled", num("Sortlen")], [["utf8_general_ci", "utf8", "33", "Yes", "Yes", "1"]]);
      }
      if (/^SHOW\s+WARNINGS$/i.test(sql)) return rows(["Level", num("Code"), "Message"], []);
      if ((m = /^SELECT\s+current_version\(\s*\)(?:\s+AS\s+`?(\w+)`?)?$/i.exec(sql))) return rows([str(m[1] ?? "current_version()")], [[opts.version]]);
      if (/^SELECT\s+DATABASE\(\s*\)$/i.test(sql)) return rows(["DATABASE()"], [[session.database ?? null]]);
      if (/^SELECT\s+VERSION\(\s*\)$/i.test(sql)) return rows(["VERSION()"], [[VARIABLES.version]]);
      const cols = infoSchemaColumns(fe(), sql);
      if (cols) return cols;
      if ((m = /^USE\s+`?([^`\s]+)`?$/i.exec(sql))) {
        if (!fe().databases.has(m[1])) throw new SqlError(`Unknown database '${m[1]}'`, 1049);
        session.database = m[1];
        return { ok: true };
      }
      if (/^SHOW\s+(FULL\s+)?TABLES$/i.test(sql)) {
        if (!session.database) throw new SqlError("No database selected", 1046);
        return rows([`Tables_in_${session.database}`], [...(fe().databases.get(session.database)?.keys() ?? [])].map((t) => [t]));
      }
      return undefined;
    },

    async fallback(sql: string, session: FakeSession) {
      const r = relayable(sql);
      if (!r) return undefined;
      if (r.privilege && session.database && !hasTablePrivilege(fe(), session.user, session.database, r.privilege)) {
        throw new SqlError(accessDeniedMessage(r.privilege, `${session.database}.*`), 1227);
      }
      for (const db of fe().databases.keys()) {
        if (new RegExp("`?" + db.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "`?\\s*\\.", "i").test(sql) && r.privilege && !hasTablePrivilege(fe(), session.user, db, r.privilege)) {
          throw new SqlError(accessDeniedMessage(r.privilege, `${db}.*`), 1227);
        }
      }
      const relayed = sql.replace(/^\s*INSERT\s+INTO\b/i, "REPLACE INTO");
      let res;
      try {
        res = await store.relay(relayed, session.database);
      } catch (e) {
        const err = e as { errno?: number; message: string };
        throw new SqlError(err.message, err.errno ?? 1064);
      }
      if (!res.fields) return { ok: true, affectedRows: res.affectedRows, insertId: res.insertId };
      // The store's column types are not StarRocks': text kept in TEXT/LONGTEXT columns is sent as
      // VARCHAR (StarRocks has no BLOB type), and DATETIME(6) as StarRocks prints DATETIME, with the
      // fraction only when it is not zero.
      const datetime = res.fields.map((f: any) => f.columnType === DATETIME);
      const columns: FakeColumnDef[] = res.fields.map((f: any) => ({
        name: f.name, columnType: f.columnType === BLOB && f.characterSet !== BINARY ? VAR_STRING : f.columnType, flags: f.flags,
        columnLength: f.columnLength, decimals: f.columnType === DATETIME ? 0 : f.decimals, characterSet: f.characterSet,
      }));
      const rowsOut = (res.rows ?? []).map((r) => r.map((v, i) => (datetime[i] && v !== null ? v.replace(/\.0{6}$/, "") : v)));
      return { columns, rows: rowsOut };
    },

    afterDdl: (event) => store.apply(event),
  };
}
