/**
 * The type mapping: one MySQL column (an information_schema.COLUMNS row) → its Flink source type, Flink sink
 * type, StarRocks type and how its value arrives, or a refusal that names the way out. Pure; the one place
 * that knows types. Every choice follows the Flink SQL path of mysql-cdc 3.5 (Debezium 1.9.8) into the
 * StarRocks connector 1.2.10 over JSON Stream Load:
 *
 * - The Flink type picks mysql-cdc's runtime converter (RowDataDebeziumDeserializeSchema), so it must match
 *   what Debezium emits: TINYINT(1) stays TINYINT (a Flink BOOLEAN turns 2 and -1 into false), unsigned types
 *   widen one step, BIGINT UNSIGNED is DECIMAL(20, 0) (bigint.unsigned.handling.mode=precise), DECIMAL keeps
 *   exactly (p, s) (a smaller precision gives NULL silently).
 * - The sink checks each Flink type against StarRocks' information_schema DATA_TYPE when it opens
 *   (StarRocksSinkTable.validateTableStructure): SR INT accepts only Flink INT, SR DOUBLE refuses FLOAT, SR
 *   VARCHAR refuses CHAR, SR DECIMAL refuses VARCHAR, so each StarRocks type here is one the check accepts for
 *   the Flink type beside it. LARGEINT, BOOLEAN-as-BIT and VARCHAR targets are accepted or unchecked.
 * - The sink writes Flink TIME, VARBINARY and BYTES nowhere (UnsupportedOperationException), and turns Flink
 *   BINARY into a long: TIME is cast to STRING in the INSERT, binary columns travel as base64 text
 *   (`debezium.binary.handling.mode = base64`), BIT(n>1) uses the long.
 * - StarRocks lengths count UTF-8 bytes, MySQL's count characters: string lengths are sized for the largest
 *   UTF-8 form of a character of the column's charset (bytesPerChar).
 * - A StarRocks Primary Key column is BOOLEAN, an integer type, LARGEINT, VARCHAR, DATE or DATETIME
 *   (PrimaryKeyEncoder::is_supported): key DECIMALs become integers or text, FLOAT/DOUBLE keys are refused.
 */
import { Arrival, MappedType } from "./definition";

/** The information_schema.COLUMNS fields the mapping reads (numbers may arrive as strings). */
export interface ColumnRow {
  TABLE_NAME: string;
  COLUMN_NAME: string;
  ORDINAL_POSITION: number | string;
  IS_NULLABLE: string;
  DATA_TYPE: string;
  COLUMN_TYPE: string;
  CHARACTER_MAXIMUM_LENGTH?: number | string | null;
  CHARACTER_OCTET_LENGTH?: number | string | null;
  NUMERIC_PRECISION?: number | string | null;
  NUMERIC_SCALE?: number | string | null;
  DATETIME_PRECISION?: number | string | null;
  CHARACTER_SET_NAME?: string | null;
  COLUMN_KEY?: string;
  EXTRA?: string;
  /** MySQL prints a literal default bare, MariaDB quoted (`'2000-01-01'`); an expression (current_timestamp()) as is. */
  COLUMN_DEFAULT?: string | null;
}

export interface MappingContext {
  /** information_schema.CHARACTER_SETS MAXLEN by charset name (bytes per character in that charset). */
  charsetMaxLen: Record<string, number>;
  /** The source's time zone (sourceTimeZone): a NOT NULL zero TIMESTAMP arrives as the epoch shown in it. */
  timeZone: string;
  /** MariaDB's JSON is LONGTEXT with a json_valid CHECK: these columns (by name) are JSON. */
  jsonColumns?: ReadonlySet<string>;
}

export type IssueKind = "refused" | "lossy" | "transformed" | "wide-key" | "unconfirmed";

export interface ColumnMapping {
  type: MappedType;
  arrives: Arrival;
  nullable: boolean;
  /** Each says what happens to values and why; shown by `cdc catalog` and at preview. */
  notes: Array<{ kind: Exclude<IssueKind, "refused" | "wide-key">; message: string }>;
  /** Binary columns need the table's `debezium.binary.handling.mode = base64`. */
  binary?: boolean;
}

export type MappingResult = ColumnMapping | { refused: string };

/** StarRocks VARCHAR holds at most 1048576 bytes (StarRocks 2.1–4.1; System_limit, VARCHAR.md). */
export const STARROCKS_VARCHAR_MAX = 1048576;

/** Types a StarRocks Primary Key column can have (PrimaryKeyEncoder::is_supported). */
const KEYABLE = /^(BOOLEAN|TINYINT|SMALLINT|INT|BIGINT|LARGEINT|DATE|DATETIME|VARCHAR\(\d+\))$/;

/** Bytes each StarRocks key type takes in the encoded key (fixed widths; VARCHAR counts its bytes). */
export function keyWidth(starrocksType: string): number {
  const fixed: Record<string, number> = { BOOLEAN: 1, TINYINT: 1, SMALLINT: 2, INT: 4, BIGINT: 8, LARGEINT: 16, DATE: 4, DATETIME: 8 };
  if (starrocksType in fixed) return fixed[starrocksType];
  const m = /^VARCHAR\((\d+)\)$/.exec(starrocksType);
  return m ? Number(m[1]) : Infinity;
}

/**
 * UTF-8 bytes one character of a MySQL charset can take: 1 for ascii and binary, 4 for charsets that reach
 * beyond the Basic Multilingual Plane (utf8mb4, utf16, utf32, gb18030: MAXLEN 4), else 3 (every other
 * charset's characters lie in the BMP; latin1 is cp1252, whose € is 3 bytes in UTF-8).
 */
export function bytesPerChar(charset: string | null | undefined, maxLen: number | undefined): number {
  const cs = (charset ?? "").toLowerCase();
  if (cs === "ascii" || cs === "binary") return 1;
  if (cs === "utf8mb4" || cs === "utf16" || cs === "utf16le" || cs === "utf32" || cs === "gb18030" || maxLen === 4) return 4;
  return 3;
}

const num = (v: unknown): number | undefined => (v === null || v === undefined || v === "" ? undefined : Number(v));
const utf8 = (s: string) => Buffer.byteLength(s, "utf8");

/** Labels of an ENUM or SET COLUMN_TYPE, e.g. `enum('a','it''s')` → [a, it's]. */
export function enumLabels(columnType: string): string[] {
  const body = /^(?:enum|set)\((.*)\)$/is.exec(columnType.trim())?.[1] ?? "";
  const labels: string[] = [];
  const re = /'((?:[^'\\]|''|\\.)*)'/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) labels.push(m[1].replace(/''/g, "'").replace(/\\(.)/g, "$1"));
  return labels;
}

/**
 * The epoch as a wall clock in `zone` (`UTC`, `+02:00` or a region name): what a NOT NULL zero TIMESTAMP
 * becomes (Debezium's epoch, shown in server-time-zone).
 */
export function epochIn(zone: string): string {
  const off = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  let ms = 0;
  if (off) ms = (off[1] === "-" ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3])) * 60_000;
  else if (zone !== "UTC") {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
      .formatToParts(new Date(0));
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    ms = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  }
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

function mapped(row: ColumnRow, flinkSource: string, starrocks: string, arrives: Arrival, flinkSink = flinkSource): ColumnMapping {
  return { type: { kind: "mapped", mysql: row.COLUMN_TYPE, flinkSource, flinkSink, starrocks }, arrives, nullable: row.IS_NULLABLE === "YES", notes: [] };
}

const where = (row: ColumnRow) => `${row.TABLE_NAME}.${row.COLUMN_NAME}`;
const EXCLUDE = "exclude it with catalogExcludeColumns";

/**
 * Maps one column. `asKey` asks for a type StarRocks can key on: DECIMAL keys become BIGINT, LARGEINT or
 * plain-decimal text, and types no key can hold are refused with the reason.
 */
export function mapColumn(row: ColumnRow, ctx: MappingContext, asKey = false): MappingResult {
  const r = mapValueColumn(row, ctx);
  if ("refused" in r) return r;
  const generated = /\bVIRTUAL\b/i.test(row.EXTRA ?? "");
  if (generated) {
    r.notes.push({ kind: "unconfirmed", message: `${where(row)} is a VIRTUAL generated column: the snapshot reads its values, but whether binlog rows carry them is unconfirmed; if changes arrive as NULL, ${EXCLUDE} or make it STORED` });
  }
  if (!asKey || KEYABLE.test(r.type.starrocks)) return r;
  const t = row.DATA_TYPE.toLowerCase();
  if (t === "decimal") {
    const p = num(row.NUMERIC_PRECISION) ?? 10;
    const s = num(row.NUMERIC_SCALE) ?? 0;
    // StarRocks cannot key DECIMAL (not in PrimaryKeyEncoder); integers and text can.
    if (s === 0 && p <= 18) return { ...r, type: { ...r.type, flinkSource: "BIGINT", flinkSink: "BIGINT", starrocks: "BIGINT" }, arrives: { kind: "integer" } };
    if (s === 0 && p <= 38) return { ...r, type: { ...r.type, starrocks: "LARGEINT" }, arrives: { kind: "integer" } };
    if (p <= 38) {
      // Flink's DECIMAL → STRING cast writes plain notation (DecimalData#toString is toPlainString): sign, p digits, point.
      return {
        ...r,
        type: { ...r.type, flinkSink: "STRING", starrocks: `VARCHAR(${p + 2})` },
        notes: [...r.notes, { kind: "transformed", message: `${where(row)} is a DECIMAL key: StarRocks cannot key DECIMAL, so it arrives as its plain decimal text (VARCHAR(${p + 2}))` }],
      };
    }
    return r; // p > 38 is already text
  }
  return { refused: `${where(row)} ${row.COLUMN_TYPE} is a key column, and StarRocks cannot key ${r.type.starrocks} (Primary Key columns are BOOLEAN, integers, LARGEINT, VARCHAR, DATE or DATETIME); name other key columns with catalogKeys, or replicate the table elsewhere` };
}

/**
 * A column's DEFAULT as a date/time literal (MariaDB quotes it, MySQL does not), or undefined for none, NULL or
 * an expression such as current_timestamp(). A NOT NULL zero date arrives as this value: Debezium falls back to
 * the column default for a value it cannot convert (seen on mysql-cdc 3.5 through snapshot and binlog).
 */
function literalDefault(row: ColumnRow): string | undefined {
  const d = row.COLUMN_DEFAULT;
  if (d === null || d === undefined) return undefined;
  const text = String(d).replace(/^'(.*)'$/, "$1");
  if (!/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d+)?)?$/.test(text) || /^0000-00-00/.test(text)) return undefined;
  return text;
}

function mapValueColumn(row: ColumnRow, ctx: MappingContext): MappingResult {
  const t = row.DATA_TYPE.toLowerCase();
  const ct = row.COLUMN_TYPE.toLowerCase();
  const unsigned = /\bunsigned\b/.test(ct);
  const integer: Arrival = { kind: "integer" };
  const text: Arrival = { kind: "text" };
  const fsp = Math.min(num(row.DATETIME_PRECISION) ?? 0, 6);

  if (ctx.jsonColumns?.has(row.COLUMN_NAME)) {
    const m = mapped(row, "STRING", `VARCHAR(${STARROCKS_VARCHAR_MAX})`, { kind: "json" });
    m.notes.push({ kind: "lossy", message: `${where(row)} (MariaDB JSON): values above ${STARROCKS_VARCHAR_MAX} bytes fail the load` });
    return m;
  }
  switch (t) {
    case "tinyint":
      // TINYINT(1)/BOOLEAN stays TINYINT: a Flink BOOLEAN would turn 2 and -1 into false.
      return unsigned ? mapped(row, "SMALLINT", "SMALLINT", integer) : mapped(row, "TINYINT", "TINYINT", integer);
    case "smallint":
      return unsigned ? mapped(row, "INT", "INT", integer) : mapped(row, "SMALLINT", "SMALLINT", integer);
    case "mediumint":
      return mapped(row, "INT", "INT", integer);
    case "int":
    case "integer":
      return unsigned ? mapped(row, "BIGINT", "BIGINT", integer) : mapped(row, "INT", "INT", integer);
    case "bigint":
      // Precise unsigned handling gives a BigDecimal; LARGEINT holds 0..18446744073709551615 and can be a key.
      return unsigned ? mapped(row, "DECIMAL(20, 0)", "LARGEINT", integer) : mapped(row, "BIGINT", "BIGINT", integer);
    case "float":
      // FLOAT(M,D) reaches Flink as a double (Debezium FLOAT64); MySQL still stores a 32-bit float.
      return /^float\(\d+,\d+\)/.test(ct) ? mapped(row, "DOUBLE", "DOUBLE", { kind: "float", bits: 32 }) : mapped(row, "FLOAT", "FLOAT", { kind: "float", bits: 32 });
    case "double":
    case "real":
      return mapped(row, "DOUBLE", "DOUBLE", { kind: "float", bits: 64 });
    case "decimal":
    case "numeric": {
      const p = num(row.NUMERIC_PRECISION) ?? 10;
      const s = num(row.NUMERIC_SCALE) ?? 0;
      if (p <= 38) return mapped(row, `DECIMAL(${p}, ${s})`, `DECIMAL(${p},${s})`, { kind: "decimal" });
      // Flink DECIMAL stops at 38 digits: the STRING converter writes BigDecimal#toString, which may use an
      // exponent (1.000E-7): sign, p digits, point, "E-", two exponent digits.
      const m = mapped(row, "STRING", `VARCHAR(${p + 6})`, { kind: "decimal" });
      m.notes.push({ kind: "transformed", message: `${where(row)} DECIMAL(${p},${s}) is wider than Flink's 38 digits: it arrives as decimal text (VARCHAR), possibly in exponent notation (1.000E-7)` });
      return m;
    }
    case "bit": {
      const n = num(row.NUMERIC_PRECISION) ?? (Number(/bit\((\d+)\)/.exec(ct)?.[1] ?? 1));
      if (n <= 1) return mapped(row, "BOOLEAN", "BOOLEAN", { kind: "bit-boolean" });
      const m = mapped(row, `BINARY(${Math.ceil(n / 8)})`, n <= 63 ? "BIGINT" : "LARGEINT", { kind: "bit-integer", bits: n });
      if (n > 8) m.notes.push({ kind: "transformed", message: `${where(row)} BIT(${n}) arrives as the integer of its bytes in reverse order (Debezium sends them little-endian, the sink reads them big-endian)${n > 56 ? "; values with a lowest byte of 0x80 or more turn negative" : ""}` });
      return m;
    }
    case "year":
      return mapped(row, "INT", "SMALLINT", integer);
    case "date": {
      const zero = literalDefault(row);
      return mapped(row, "DATE", "DATE", zero ? { kind: "date", zero: zero.slice(0, 10) } : { kind: "date" });
    }
    case "datetime":
      return mapped(row, `TIMESTAMP(${fsp})`, "DATETIME", { kind: "datetime", zero: literalDefault(row) ?? "1970-01-01 00:00:00" });
    case "timestamp":
      // TIMESTAMP (not TIMESTAMP_LTZ): the wall clock in server-time-zone, which the preflight checks equals the server's.
      return mapped(row, `TIMESTAMP(${fsp})`, "DATETIME", { kind: "datetime", zero: literalDefault(row) ?? epochIn(ctx.timeZone) });
    case "time": {
      // StarRocks has no TIME and the sink refuses Flink TIME; Flink's TIME would keep milliseconds of 00:00 to
      // 24:00 only. Declared BIGINT, mysql-cdc's long converter passes Debezium's MicroTime through: the signed
      // microseconds, exact over MySQL's whole range (RowDataDebeziumDeserializeSchema; checked on the real tier).
      const m = mapped(row, "BIGINT", "BIGINT", { kind: "time-micros" });
      m.notes.push({ kind: "transformed", message: `${where(row)} TIME arrives as its signed number of microseconds (BIGINT; 12:00:00 = 43200000000); through the snapshot a value between -01:00:00 and 00:00:00 loses its sign` });
      return m;
    }
    case "char":
    case "varchar":
    case "tinytext":
    case "text":
    case "mediumtext":
    case "longtext": {
      const cs = row.CHARACTER_SET_NAME ?? "utf8mb4";
      const maxLen = ctx.charsetMaxLen[cs.toLowerCase()];
      const k = bytesPerChar(cs, maxLen);
      const chars = num(row.CHARACTER_MAXIMUM_LENGTH) ?? 0;
      const octets = num(row.CHARACTER_OCTET_LENGTH) ?? chars * (maxLen ?? 4);
      // MySQL limits VARCHAR/CHAR in characters and TEXT in bytes of the column charset: take the tighter bound.
      const bytes = Math.max(1, Math.min(chars * k, Math.ceil((octets * k) / (maxLen ?? 1))));
      const m = mapped(row, "STRING", `VARCHAR(${Math.min(bytes, STARROCKS_VARCHAR_MAX)})`, text);
      if (bytes > STARROCKS_VARCHAR_MAX) m.notes.push({ kind: "lossy", message: `${where(row)} ${row.COLUMN_TYPE} can hold ${bytes} UTF-8 bytes; values above ${STARROCKS_VARCHAR_MAX} bytes fail the load` });
      return m;
    }
    case "json": {
      const m = mapped(row, "STRING", `VARCHAR(${STARROCKS_VARCHAR_MAX})`, { kind: "json" });
      m.notes.push({ kind: "lossy", message: `${where(row)} JSON arrives as JSON text (VARCHAR; parse_json() reads it); values above ${STARROCKS_VARCHAR_MAX} bytes fail the load` });
      return m;
    }
    case "binary":
    case "varbinary":
    case "tinyblob":
    case "blob":
    case "mediumblob":
    case "longblob": {
      const n = num(row.CHARACTER_OCTET_LENGTH) ?? num(row.CHARACTER_MAXIMUM_LENGTH) ?? 0;
      const bytes = 4 * Math.ceil(n / 3);
      const m = mapped(row, "STRING", `VARCHAR(${Math.max(4, Math.min(bytes, STARROCKS_VARCHAR_MAX))})`, t === "binary" ? { kind: "base64", padTo: n } : { kind: "base64" });
      m.binary = true;
      m.notes.push({ kind: "transformed", message: `${where(row)} ${row.COLUMN_TYPE} arrives as base64 text${bytes > STARROCKS_VARCHAR_MAX ? `; values above ${Math.floor((STARROCKS_VARCHAR_MAX / 4) * 3)} bytes fail the load` : ""}` });
      return m;
    }
    case "enum": {
      const labels = enumLabels(row.COLUMN_TYPE);
      return mapped(row, "STRING", `VARCHAR(${Math.max(1, ...labels.map(utf8))})`, text);
    }
    case "set": {
      // STRING, not ARRAY<STRING>: the array converter turns the empty set into [""]; the text "a,b" is exact.
      const labels = enumLabels(row.COLUMN_TYPE);
      return mapped(row, "STRING", `VARCHAR(${Math.max(1, labels.reduce((n, l) => n + utf8(l), 0) + labels.length - 1)})`, text);
    }
    case "geometry":
    case "point":
    case "linestring":
    case "polygon":
    case "multipoint":
    case "multilinestring":
    case "multipolygon":
    case "geometrycollection":
    case "geomcollection": {
      const m = mapped(row, "STRING", `VARCHAR(${STARROCKS_VARCHAR_MAX})`, { kind: "geojson" });
      m.notes.push({ kind: "transformed", message: `${where(row)} ${row.COLUMN_TYPE} arrives as GeoJSON text ({"type":…,"coordinates":…,"srid":…})` });
      return m;
    }
    case "uuid":
    case "inet4":
    case "inet6":
      return { refused: `${where(row)} ${row.COLUMN_TYPE} is a MariaDB type that Debezium 1.9.8 (inside mysql-cdc 3.5) does not read; ${EXCLUDE}, or change it to ${t === "uuid" ? "CHAR(36)" : t === "inet6" ? "VARCHAR(39)" : "VARCHAR(15)"}` };
    default:
      return { refused: `${where(row)} ${row.COLUMN_TYPE}: the type is not supported by this stack's mapping; ${EXCLUDE}` };
  }
}
