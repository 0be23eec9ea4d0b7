/**
 * StarRocks' column-type rules, as the StarRocks STAND-IN and the FE fake (tests/fakes/starrocksFe.ts)
 * apply them: one implementation for both. It is not StarRocks; each rule names the StarRocks source
 * it follows (repo StarRocks/starrocks, fe/fe-core and be/src paths; docs.starrocks.io pages):
 * - CREATE TABLE types and their limits: analysis/TypeDef.java#analyzeScalarType (texts "Varchar size
 *   must be <= 1048576: %d", "Char size must be <= 255: %d", "Precision of DECIMAL128 must between 1
 *   and 38, precision was set to: %d."); defaults VARCHAR = VARCHAR(1), CHAR = CHAR(1), DECIMAL =
 *   DECIMAL(10,0) (VARCHAR.md, CREATE_TABLE.md); STRING = VARCHAR(65533) (STRING.md).
 * - Primary Key tables: analysis/KeysDesc.java#analyze: key columns are an ordered prefix of the
 *   schema ("Key columns should be a ordered prefix of the schema."), a key column written NULL is
 *   refused ("primary key column[%s] cannot be nullable"; one with no NULL/NOT NULL becomes NOT NULL),
 *   key types are BOOLEAN, TINYINT..BIGINT, LARGEINT, VARCHAR/STRING, DATE, DATETIME only
 *   ("primary key column[%s] type not supported: %s" with Type.toSql, e.g. char(10)).
 * - information_schema.COLUMNS: be/.../schema_columns_scanner.cpp (DATA_TYPE, COLUMN_TYPE strings),
 *   catalog/Type.java#getColumnSize/getDecimalDigits (COLUMN_SIZE, DECIMAL_DIGITS).
 * - Values at load: JSON Stream Load reads TINYINT..BIGINT/FLOAT/DOUBLE from JSON numbers or numeric
 *   strings (formats/json/numeric_column.cpp, "Value is overflow. column=%s, value=%s"), JSON columns
 *   from any JSON value, ARRAY columns from JSON arrays ("Failed to parse value as array, column=%s";
 *   a bad element becomes a NULL element), everything else as text (a number's token, a string's
 *   contents, objects/arrays minified; exec/json_scanner.cpp#_construct_json_types) that is cast to the
 *   column type: strings longer than the column in BYTES fail ("Value length is beyond the capacity",
 *   formats/json/binary_column.cpp), DECIMAL follows util/string_parser.hpp#string_to_decimal (exponents
 *   accepted; more integer digits than p-s overflow; extra scale digits round half up), DATE/DATETIME
 *   follow runtime/time_types.cpp date::from_string (a 'T' separator, missing seconds, fractions padded
 *   to microseconds; range 0000-01-01..9999-12-31, DATETIME.md / DATE.md), BOOLEAN accepts 1/0/true/false
 *   (string_to_bool).
 * - What a bad value does (loading/strict_mode.md; JsonReader::_construct_column passes
 *   invalid_as_null = !strict_mode): with strict_mode=false, the Stream Load DEFAULT, it becomes NULL, and
 *   the row is filtered only if the column is NOT NULL; with strict_mode=true the row is filtered.
 * - An encoded primary key may take 128 bytes (be/src/storage/primary_key_encoder.cpp, config
 *   primary_key_limit_size): fixed widths per type, a VARCHAR its bytes (+2 when not last).
 * Not modelled (refused with a stand-in message): MAP, STRUCT, HLL, BITMAP, PERCENTILE, DECIMAL256.
 */
import { JsonNumber, JsonSyntaxError, JsonValue, minify, parseJsonExact, starRocksJsonText } from "./json";

type Simple = "BOOLEAN" | "TINYINT" | "SMALLINT" | "INT" | "BIGINT" | "LARGEINT" | "FLOAT" | "DOUBLE" | "DATE" | "DATETIME" | "JSON";

export type StarRocksType =
  | { kind: Simple }
  | { kind: "DECIMAL"; precision: number; scale: number }
  /** length in BYTES; `string` marks STRING (= VARCHAR(65533)); VARBINARY without a length has length 0 (= the maximum). */
  | { kind: "CHAR" | "VARCHAR" | "VARBINARY"; length: number; string?: boolean }
  | { kind: "ARRAY"; element: StarRocksType };

/** A CREATE TABLE / ALTER TABLE statement StarRocks refuses; message = StarRocks' analyzer text. */
export class StarRocksTypeError extends Error {}

/** StarRocks' limits (ScalarType.OLAP_MAX_VARCHAR_LENGTH, MAX_CHAR_LENGTH; DECIMAL.md P <= 38 before DECIMAL256). */
export const MAX_VARCHAR = 1048576;
export const MAX_CHAR = 255;
export const STRING_LENGTH = 65533;
export const MAX_DECIMAL_PRECISION = 38;
/** be/src/common/config.h primary_key_limit_size. */
export const PRIMARY_KEY_LIMIT = 128;

const SIMPLE: Record<string, Simple> = {
  BOOLEAN: "BOOLEAN", TINYINT: "TINYINT", SMALLINT: "SMALLINT", INT: "INT", INTEGER: "INT", BIGINT: "BIGINT", LARGEINT: "LARGEINT",
  FLOAT: "FLOAT", DOUBLE: "DOUBLE", DATE: "DATE", DATETIME: "DATETIME", JSON: "JSON",
};

function decimalName(p: number): string {
  return p <= 9 ? "DECIMAL32" : p <= 18 ? "DECIMAL64" : "DECIMAL128";
}

/** Parses and checks a StarRocks column type (`VARCHAR(80)`, `decimal(12, 2)`, `ARRAY<INT>`, `bigint(20)`...). */
export function parseType(text: string): StarRocksType {
  const s = text.toUpperCase().replace(/\s+/g, "");
  let i = 0;
  const one = (): StarRocksType => {
    const m = /^[A-Z][A-Z0-9_]*/.exec(s.slice(i));
    if (!m) throw new StarRocksTypeError(`StarRocks stand-in: cannot read the column type ${JSON.stringify(text)}`);
    const name = m[0];
    i += name.length;
    let args: number[] | undefined;
    if (s[i] === "(") {
      const close = s.indexOf(")", i);
      if (close < 0) throw new StarRocksTypeError(`StarRocks stand-in: unbalanced parentheses in column type ${JSON.stringify(text)}`);
      const inner = s.slice(i + 1, close);
      if (!/^\d+(,\d+)?$/.test(inner)) throw new StarRocksTypeError(`StarRocks stand-in: cannot read the arguments of column type ${JSON.stringify(text)}`);
      args = inner.split(",").map(Number);
      i = close + 1;
    }
    if (name === "ARRAY") {
      if (s[i] !== "<") throw new StarRocksTypeError(`StarRocks stand-in: ARRAY needs an element type: ${JSON.stringify(text)}`);
      i++;
      const element = one();
      if (s[i] !== ">") throw new StarRocksTypeError(`StarRocks stand-in: unbalanced <> in column type ${JSON.stringify(text)}`);
      i++;
      return { kind: "ARRAY", element };
    }
    if (SIMPLE[name]) return { kind: SIMPLE[name] }; // display widths like INT(11) are ignored
    if (name === "STRING") return { kind: "VARCHAR", length: STRING_LENGTH, string: true };
    if (name === "CHAR" || name === "VARCHAR") {
      const kind = name;
      const length = args ? args[0] : 1;
      const label = kind === "CHAR" ? "Char" : "Varchar";
      const max = kind === "CHAR" ? MAX_CHAR : MAX_VARCHAR;
      if (length <= 0) throw new StarRocksTypeError(`${label} size must be > 0: ${length}`);
      if (length > max) throw new StarRocksTypeError(`${label} size must be <= ${max}: ${length}`);
      return { kind, length };
    }
    if (name === "VARBINARY" || name === "BINARY") {
      const length = args ? args[0] : 0;
      if (length > MAX_VARCHAR) throw new StarRocksTypeError(`VARBINARY size must be <= ${MAX_VARCHAR}: ${length}`);
      return { kind: "VARBINARY", length };
    }
    if (/^DECIMAL(V2|V3|32|64|128)?$/.test(name)) {
      const precision = args ? args[0] : 10;
      const scale = args && args.length > 1 ? args[1] : 0;
      const n = decimalName(precision);
      if (precision < 1 || precision > MAX_DECIMAL_PRECISION) {
        throw new StarRocksTypeError(`Precision of ${n} must between 1 and ${MAX_DECIMAL_PRECISION}, precision was set to: ${precision}.`);
      }
      if (scale < 0 || scale > precision) throw new StarRocksTypeError(`Scale of ${n} must between 0 and ${precision},  scale was set to: ${scale}.`);
      return { kind: "DECIMAL", precision, scale };
    }
    throw new StarRocksTypeError(`StarRocks stand-in: column type ${name} is not modelled (the stand-in knows BOOLEAN, TINYINT..LARGEINT, FLOAT, DOUBLE, DECIMAL, DATE, DATETIME, CHAR, VARCHAR, STRING, JSON, VARBINARY, ARRAY)`);
  };
  const t = one();
  if (i !== s.length) throw new StarRocksTypeError(`StarRocks stand-in: unexpected text in column type ${JSON.stringify(text)}`);
  return t;
}

/** The upper-case form the FE fake keeps and prints (e.g. VARCHAR(80), DECIMAL(10,2), STRING, ARRAY<INT>). */
export function typeText(t: StarRocksType): string {
  switch (t.kind) {
    case "DECIMAL": return `DECIMAL(${t.precision},${t.scale})`;
    case "CHAR": case "VARCHAR": return t.string ? "STRING" : `${t.kind}(${t.length})`;
    case "VARBINARY": return t.length ? `VARBINARY(${t.length})` : "VARBINARY";
    case "ARRAY": return `ARRAY<${typeText(t.element)}>`;
    default: return t.kind;
  }
}

/** StarRocks' Type.toSql (as its error messages print types): char(10), decimal(10, 2), int(11), array<...>. */
export function typeSql(t: StarRocksType): string {
  switch (t.kind) {
    case "TINYINT": return "tinyint(4)";
    case "SMALLINT": return "smallint(6)";
    case "INT": return "int(11)";
    case "BIGINT": return "bigint(20)";
    case "LARGEINT": return "largeint(40)";
    case "DECIMAL": return `decimal(${t.precision}, ${t.scale})`;
    case "CHAR": case "VARCHAR": return `${t.kind.toLowerCase()}(${t.length})`;
    case "VARBINARY": return t.length ? `varbinary(${t.length})` : "varbinary";
    case "ARRAY": return `array<${typeSql(t.element)}>`;
    default: return t.kind.toLowerCase();
  }
}

// ---- CREATE TABLE ------------------------------------------------------------------------------

export interface ColumnDefinition {
  name: string;
  type: StarRocksType;
  nullable: boolean;
  /** Written NULL explicitly (a key column written so is refused). */
  explicitNull: boolean;
  /** DEFAULT value, unquoted. */
  default?: string;
}

function unquoteIdent(s: string): string {
  const t = s.trim();
  return t.startsWith("`") && t.endsWith("`") ? t.slice(1, -1).replace(/``/g, "`") : t;
}

/** Splits at top-level commas, outside quotes, () and <>. */
function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let cur = "";
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quote) {
      cur += c;
      if (c === "\\") cur += body[++i] ?? "";
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") quote = c;
    if (c === "(" || c === "<") depth++;
    if (c === ")" || c === ">") depth--;
    if (c === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  if (cur.trim()) parts.push(cur);
  return parts;
}

/**
 * Reads one column definition: `name type [NULL | NOT NULL] [DEFAULT v] [COMMENT "..."]`.
 * `key` = the column is a primary key column (it becomes NOT NULL unless written NULL).
 * Returns undefined for index/key clauses inside the column list.
 */
export function parseColumnDefinition(text: string, key = false): ColumnDefinition | undefined {
  const m = /^\s*(`(?:[^`]|``)+`|[A-Za-z_][A-Za-z0-9_]*)\s+([\s\S]*)$/.exec(text);
  if (!m) return undefined;
  if (/^(INDEX|KEY|PRIMARY|UNIQUE|CONSTRAINT)$/i.test(m[1])) return undefined;
  const after = m[2];
  // The type: a word, then a balanced (...) and/or <...>.
  let i = /^[A-Za-z][A-Za-z0-9_]*/.exec(after)?.[0].length ?? 0;
  if (!i) throw new StarRocksTypeError(`StarRocks stand-in: no column type in ${JSON.stringify(text.trim())}`);
  for (;;) {
    const j = i + (/^\s*/.exec(after.slice(i))![0].length);
    const open = after[j];
    if (open !== "(" && open !== "<") break;
    let depth = 0;
    let k = j;
    for (; k < after.length; k++) {
      if (after[k] === "(" || after[k] === "<") depth++;
      if ((after[k] === ")" || after[k] === ">") && --depth === 0) break;
    }
    i = k + 1;
  }
  const type = parseType(after.slice(0, i));
  const rest = after.slice(i).replace(/COMMENT\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/i, "");
  const notNull = /\bNOT\s+NULL\b/i.test(rest);
  const explicitNull = !notNull && /(^|\s)NULL\b/i.test(rest.replace(/DEFAULT\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,]+)/i, ""));
  const dflt = /DEFAULT\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,]+)/i.exec(rest);
  const col: ColumnDefinition = { name: unquoteIdent(m[1]), type, nullable: explicitNull || (!notNull && !key), explicitNull };
  if (dflt) {
    const v = dflt[1];
    const q = v[0];
    col.default = (q === '"' || q === "'") && v.endsWith(q) ? v.slice(1, -1).replace(/\\(.)/g, "$1") : v;
  }
  return col;
}

/** The column list of `CREATE TABLE t (<columns>) ...`: the text inside the first balanced (...). */
export function columnListOf(ddlTail: string): string {
  const open = ddlTail.indexOf("(");
  if (open < 0) throw new StarRocksTypeError("StarRocks stand-in: CREATE TABLE without a column list");
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < ddlTail.length; i++) {
    const c = ddlTail[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") quote = c;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return ddlTail.slice(open + 1, i);
  }
  throw new StarRocksTypeError("StarRocks stand-in: unbalanced parentheses in CREATE TABLE");
}

const KEY_TYPES = new Set(["BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "LARGEINT", "VARCHAR", "DATE", "DATETIME"]);

/**
 * The columns of a Primary Key table's CREATE TABLE, checked as KeysDesc#analyze does (see the
 * header). `keys` = the PRIMARY KEY(...) list.
 */
export function primaryKeyTableColumns(columnList: string, keys: string[]): ColumnDefinition[] {
  const lower = keys.map((k) => k.toLowerCase());
  const cols = splitTopLevel(columnList).map((p) => {
    const name = /^\s*(`(?:[^`]|``)+`|[A-Za-z_][A-Za-z0-9_]*)/.exec(p)?.[1];
    return parseColumnDefinition(p, name !== undefined && lower.includes(unquoteIdent(name).toLowerCase()));
  }).filter((c): c is ColumnDefinition => c !== undefined);
  if (keys.length === 0) throw new StarRocksTypeError("The number of key columns is 0.");
  if (keys.length > cols.length) throw new StarRocksTypeError("The number of key columns should be less than the number of columns.");
  keys.forEach((k, i) => {
    const c = cols[i];
    if (c.name.toLowerCase() !== k.toLowerCase()) {
      if (!cols.some((x) => x.name.toLowerCase() === k.toLowerCase())) throw new StarRocksTypeError(`Key column(${k}) doesn't exist.`);
      throw new StarRocksTypeError("Key columns should be a ordered prefix of the schema.");
    }
    if (c.explicitNull) throw new StarRocksTypeError(`primary key column[${c.name}] cannot be nullable`);
    if (!KEY_TYPES.has(c.type.kind)) throw new StarRocksTypeError(`primary key column[${c.name}] type not supported: ${typeSql(c.type)}`);
  });
  return cols;
}

// ---- the MariaDB store -------------------------------------------------------------------------

const TEXT_COLLATION = "CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin";

/**
 * The MariaDB column that holds every value of a StarRocks type exactly. Strings: StarRocks compares
 * bytes with no pad (utf8mb4_nopad_bin); the byte length is enforced by the stand-in before the
 * store sees a value, so non-key strings are TEXT/MEDIUMTEXT (no row-size limit for wide tables) and
 * key strings VARCHAR(<= 128), the longest an encoded key may be.
 */
export function mariaDbType(t: StarRocksType, key: boolean): string {
  switch (t.kind) {
    case "BOOLEAN": case "TINYINT": case "SMALLINT": case "INT": case "BIGINT": case "FLOAT": case "DOUBLE": case "DATE":
      return t.kind;
    case "LARGEINT": return "DECIMAL(39,0)";
    case "DATETIME": return "DATETIME(6)";
    case "DECIMAL": return `DECIMAL(${t.precision},${t.scale})`;
    case "CHAR": case "VARCHAR":
      if (key) return `VARCHAR(${Math.min(t.length, PRIMARY_KEY_LIMIT)}) ${TEXT_COLLATION}`;
      return `${t.length <= 65535 ? "TEXT" : "MEDIUMTEXT"} ${TEXT_COLLATION}`;
    case "VARBINARY": return "MEDIUMBLOB";
    case "JSON": case "ARRAY": return `LONGTEXT ${TEXT_COLLATION}`;
  }
}

// ---- information_schema.COLUMNS ---------------------------------------------------------------

export interface InfoSchemaColumn {
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  COLUMN_SIZE: string | null;
  DECIMAL_DIGITS: string | null;
  CHARACTER_MAXIMUM_LENGTH: string | null;
  NUMERIC_PRECISION: string | null;
  NUMERIC_SCALE: string | null;
}

const PRECISION: Partial<Record<StarRocksType["kind"], number>> = { TINYINT: 3, SMALLINT: 5, INT: 10, BIGINT: 19, LARGEINT: 39, FLOAT: 7, DOUBLE: 15 };
const DIGITS: Partial<Record<StarRocksType["kind"], number>> = { BOOLEAN: 0, TINYINT: 0, SMALLINT: 0, INT: 0, BIGINT: 0, FLOAT: 7, DOUBLE: 15 };

/** What StarRocks' information_schema.COLUMNS shows for a column of type t. */
export function informationSchema(t: StarRocksType): InfoSchemaColumn {
  const dataType: Record<string, string> = {
    BOOLEAN: "tinyint", TINYINT: "tinyint", SMALLINT: "smallint", INT: "int", BIGINT: "bigint", LARGEINT: "bigint unsigned", FLOAT: "float",
    DOUBLE: "double", VARCHAR: "varchar", CHAR: "char", DATE: "date", DATETIME: "datetime", DECIMAL: "decimal", JSON: "json",
  };
  const columnType: Record<string, string> = {
    BOOLEAN: "tinyint(1)", TINYINT: "tinyint(4)", SMALLINT: "smallint(6)", INT: "int(11)", BIGINT: "bigint(20)", LARGEINT: "bigint(20) unsigned",
    FLOAT: "float", DOUBLE: "double", DATE: "date", DATETIME: "datetime", JSON: "json",
  };
  const str = (n: number | undefined) => (n === undefined ? null : String(n));
  const precision = t.kind === "DECIMAL" ? t.precision : PRECISION[t.kind];
  const digits = t.kind === "DECIMAL" ? t.scale : DIGITS[t.kind];
  const length = t.kind === "CHAR" || t.kind === "VARCHAR" ? t.length : undefined;
  return {
    DATA_TYPE: dataType[t.kind] ?? "unknown",
    COLUMN_TYPE: t.kind === "DECIMAL" ? `decimal(${t.precision},${t.scale})` : length !== undefined ? `${t.kind.toLowerCase()}(${length})` : columnType[t.kind] ?? "unknown",
    COLUMN_SIZE: str(length ?? precision),
    DECIMAL_DIGITS: str(digits),
    CHARACTER_MAXIMUM_LENGTH: str(length),
    NUMERIC_PRECISION: str(precision),
    NUMERIC_SCALE: str(digits),
  };
}

// ---- values at load ---------------------------------------------------------------------------

/** A converted cell: the text the store gets (null = NULL), or why StarRocks finds it unqualified. */
export type Cell = { value: string | null } | { invalid: string };

const INT_BITS: Partial<Record<StarRocksType["kind"], number>> = { TINYINT: 8, SMALLINT: 16, INT: 32, BIGINT: 64, LARGEINT: 128 };
const inRange = (v: bigint, bits: number) => v >= -(1n << BigInt(bits - 1)) && v <= (1n << BigInt(bits - 1)) - 1n;
const WS = /^[ \t\n\v\f\r]*|[ \t\n\v\f\r]*$/g;
const FLOAT_MAX = 3.4028234663852886e38;

/** string_to_int: optional sign, digits, surrounding whitespace. */
function textToInt(text: string): bigint | undefined {
  const t = text.replace(WS, "");
  return /^[+-]?\d+$/.test(t) ? BigInt(t) : undefined;
}

/** string_to_float: a decimal number with an optional exponent (inf/nan are not storable here). */
function textToFloat(text: string): number | undefined {
  const t = text.replace(WS, "");
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : undefined;
}

/** StringParser::string_to_decimal: exponent accepted, overflow of p-s integer digits, half-up rounding of extra scale digits. */
export function textToDecimal(text: string, precision: number, scale: number): string | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.replace(WS, ""));
  if (!m || (m[2] === "" && m[3] === undefined)) return undefined;
  const negative = m[1] === "-";
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  // The parser reads the exponent as an int8.
  if (exp < -128 || exp > 127) return undefined;
  let digits = (m[2] + (m[3] ?? "")).replace(/^0+(?=\d)/, "");
  let fracLen = (m[3] ?? "").length - exp;
  if (fracLen < 0) {
    digits += "0".repeat(-fracLen);
    fracLen = 0;
  }
  let value = BigInt(digits || "0");
  if (fracLen > scale) {
    const divisor = 10n ** BigInt(fracLen - scale);
    const rem = value % divisor;
    value /= divisor;
    if (rem * 2n >= divisor) value += 1n;
  } else value *= 10n ** BigInt(scale - fracLen);
  if (value >= 10n ** BigInt(precision)) return undefined;
  const s = value.toString().padStart(scale + 1, "0");
  const out = scale ? `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}` : s;
  return negative && value !== 0n ? `-${out}` : out;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * date::from_string as checked in StarRocks 3.5 (runtime/time_types.cpp): `YYYY-MM-DD`, then a space
 * or 'T', HH:MM[:SS[.f{1,6}]]; fractions are right-padded to microseconds. Returns
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` (StarRocks prints the fraction only when it is not zero) or undefined.
 */
export function textToDatetime(text: string, dateOnly: boolean): string | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?$/.exec(text.replace(WS, ""));
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  if (mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && leap(y) ? 29 : DAYS[mo - 1]) || h > 23 || mi > 59 || s > 59) return undefined;
  const p2 = (n: number) => String(n).padStart(2, "0");
  const date = `${String(y).padStart(4, "0")}-${p2(mo)}-${p2(d)}`;
  if (dateOnly) return date;
  const frac = (m[7] ?? "").padEnd(6, "0");
  return `${date} ${p2(h)}:${p2(mi)}:${p2(s)}${/^0*$/.test(frac) ? "" : `.${frac}`}`;
}

/** The text StarRocks' JSON scanner hands to a column it reads as VARCHAR (json_scanner.cpp). */
function jsonAsText(v: JsonValue): string {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "1" : "0";
  if (v instanceof JsonNumber) return v.text;
  return minify(v as JsonValue);
}

function capacity(t: { length: number }, text: string, column: string): Cell {
  const max = t.length || MAX_VARCHAR;
  return Buffer.byteLength(text, "utf8") > max ? { invalid: `Value length is beyond the capacity. column=${column}, capacity=${max}` } : { value: text };
}

/** A value read as text and cast to the column type (CSV fields; JSON values of "text" types). */
export function castText(t: StarRocksType, text: string, column: string): Cell {
  const bad = (what: string): Cell => ({ invalid: `${what}. column=${column}, value=${text}` });
  switch (t.kind) {
    case "TINYINT": case "SMALLINT": case "INT": case "BIGINT": case "LARGEINT": {
      const v = textToInt(text);
      if (v === undefined) return bad(`Value is not a valid ${t.kind}`);
      return inRange(v, INT_BITS[t.kind]!) ? { value: v.toString() } : { invalid: `Value is overflow. column=${column}, value=${text}` };
    }
    case "FLOAT": case "DOUBLE": {
      const v = textToFloat(text);
      if (v === undefined || !Number.isFinite(v) || (t.kind === "FLOAT" && Math.abs(v) > FLOAT_MAX)) return bad(`Value is not a valid ${t.kind}`);
      return { value: text.replace(WS, "") };
    }
    case "BOOLEAN": {
      const b = text.replace(/[ \t\n\v\f\r]+$/, "").toLowerCase();
      if (b === "1" || b === "true") return { value: "1" };
      if (b === "0" || b === "false") return { value: "0" };
      return bad("Value is not a valid BOOLEAN");
    }
    case "DECIMAL": {
      const v = textToDecimal(text, t.precision, t.scale);
      return v === undefined ? bad(`Value cannot be cast to DECIMAL(${t.precision},${t.scale})`) : { value: v };
    }
    case "DATE": case "DATETIME": {
      const v = textToDatetime(text, t.kind === "DATE");
      return v === undefined ? bad(`Value is not a valid ${t.kind} (0000-01-01..9999-12-31)`) : { value: v };
    }
    case "CHAR": case "VARCHAR": case "VARBINARY":
      return capacity(t, text, column);
    case "JSON": {
      try {
        return { value: starRocksJsonText(parseJsonExact(text)) };
      } catch (e) {
        if (e instanceof JsonSyntaxError) return bad("Value is not valid JSON");
        throw e;
      }
    }
    case "ARRAY": {
      let v: JsonValue;
      try {
        v = parseJsonExact(text);
      } catch (e) {
        if (e instanceof JsonSyntaxError) return { invalid: `Failed to parse value as array, column=${column}` };
        throw e;
      }
      return fromJson(t, v, column);
    }
  }
}

/** How StarRocks prints one ARRAY element (numbers bare, other scalars as JSON strings, nested arrays as arrays). */
function arrayElementText(t: StarRocksType, v: string | null): string {
  if (v === null) return "null";
  switch (t.kind) {
    case "BOOLEAN": case "TINYINT": case "SMALLINT": case "INT": case "BIGINT": case "LARGEINT": case "FLOAT": case "DOUBLE": case "DECIMAL":
    case "ARRAY": case "JSON":
      return v;
    default:
      return JSON.stringify(v);
  }
}

/** A value of a JSON Stream Load row for a column of type t (undefined = the key is absent). */
export function fromJson(t: StarRocksType, v: JsonValue | undefined, column: string): Cell {
  if (v === undefined || v === null) return { value: null };
  switch (t.kind) {
    case "TINYINT": case "SMALLINT": case "INT": case "BIGINT": case "FLOAT": case "DOUBLE": {
      // numeric_column.cpp: numbers and numeric strings; any other JSON type is refused.
      if (v instanceof JsonNumber) {
        if (t.kind === "FLOAT" || t.kind === "DOUBLE") return castText(t, v.text, column);
        if (v.isInteger) {
          return inRange(BigInt(v.text), INT_BITS[t.kind]!) ? { value: BigInt(v.text).toString() } : { invalid: `Value is overflow. column=${column}, value=${v.text}` };
        }
        const d = Math.trunc(Number(v.text));
        return Number.isFinite(d) && inRange(BigInt(d), INT_BITS[t.kind]!) ? { value: String(d) } : { invalid: `Value is overflow. column=${column}, value=${v.text}` };
      }
      if (typeof v === "string") {
        const c = castText(t, v, column);
        if ("value" in c || t.kind === "FLOAT" || t.kind === "DOUBLE") return c;
        const d = textToFloat(v);
        if (d !== undefined && Number.isFinite(d)) {
          const n = Math.trunc(d);
          return inRange(BigInt(n), INT_BITS[t.kind]!) ? { value: String(n) } : { invalid: `Value is overflow. column=${column}, value=${d}` };
        }
        return { invalid: `Unable to cast string value to BIGINT. value=${v}, column=${column}` };
      }
      return { invalid: `Unsupported value type. Numeric type is required. column=${column}` };
    }
    case "JSON":
      // Any JSON value, stored as a JSON value: a string scalar stays a JSON string.
      return { value: starRocksJsonText(v) };
    case "ARRAY": {
      if (!Array.isArray(v)) return { invalid: `Failed to parse value as array, column=${column}` };
      // A bad element becomes a NULL element (add_nullable_column(..., invalid_as_null = true)).
      const items = v.map((x) => {
        const c = t.element.kind === "ARRAY" || t.element.kind === "JSON" || ["TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE"].includes(t.element.kind)
          ? fromJson(t.element, x, column)
          : x === null ? { value: null } : castText(t.element, jsonAsText(x), column);
        return arrayElementText(t.element, "value" in c ? c.value : null);
      });
      return { value: `[${items.join(",")}]` };
    }
    default:
      return castText(t, jsonAsText(v), column);
  }
}

/** Bytes the encoded primary key of a row takes (primary_key_encoder.cpp): fixed widths, VARCHAR bytes (+2 when not last). */
export function encodedKeySize(types: StarRocksType[], values: (string | null)[]): number {
  const width: Partial<Record<StarRocksType["kind"], number>> = { BOOLEAN: 1, TINYINT: 1, SMALLINT: 2, INT: 4, BIGINT: 8, LARGEINT: 16, DATE: 4, DATETIME: 8 };
  return types.reduce((sum, t, i) => {
    if (t.kind !== "VARCHAR") return sum + (width[t.kind] ?? 0);
    const bytes = Buffer.from(values[i] ?? "", "utf8");
    const last = i === types.length - 1;
    return sum + bytes.length + (last ? 0 : 2 + bytes.filter((b) => b === 0).length);
  }, 0);
}
