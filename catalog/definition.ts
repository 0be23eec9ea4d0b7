/**
 * The table definition every catalog produces, whatever the tables come from (the built-in demo tables in
 * catalog/tables.ts, or a source's information_schema through catalog/source.ts). MySQL DDL, StarRocks DDL and
 * the Flink SQL of each CDC job are rendered from it, and catalog/compare.ts compares values by it.
 */

/**
 * Logical column types. The first five are the demo tables' own (each renderer maps them to its dialect, and
 * their rendering never changes, so existing stacks see no diff). `mapped` is a source column whose types in
 * every dialect were decided by the type mapping (catalog/mysqlTypes.ts), the one place that knows them.
 */
export type ColumnType =
  | { kind: "bigint" }
  | { kind: "int" }
  | { kind: "varchar"; length: number }
  | { kind: "decimal"; precision: number; scale: number }
  /** Date and time with millisecond precision (DATETIME(3) in MySQL). */
  | { kind: "datetime" }
  | MappedType;

export interface MappedType {
  kind: "mapped";
  /** The MySQL column type as information_schema COLUMN_TYPE reports it, e.g. `bigint(20) unsigned`. */
  mysql: string;
  /** Type in the Flink `mysql-cdc` source table: it picks the runtime converter. */
  flinkSource: string;
  /**
   * Type in the Flink `starrocks` sink table. When it differs from flinkSource, the INSERT casts the column
   * (`CAST(col AS <flinkSink>)`), e.g. a DECIMAL key column to STRING, which StarRocks can key.
   */
  flinkSink: string;
  /** StarRocks column type, upper case as SHOW CREATE TABLE reads back after normalizeType (e.g. `VARCHAR(400)`). */
  starrocks: string;
}

/**
 * How a column's value arrives in StarRocks, which decides how catalog/compare.ts compares it and what the
 * README's per-type table says. Demo columns derive theirs from their kind (arrivalOf).
 */
export type Arrival =
  /** The same integer (TINYINT … BIGINT UNSIGNED, YEAR, DECIMAL(p,0) keys). */
  | { kind: "integer" }
  /** The same number, compared as an exact decimal (StarRocks may print trailing zeros, Flink an exponent). */
  | { kind: "decimal" }
  /** The same IEEE value: 32-bit for MySQL FLOAT (also FLOAT(M,D), which Debezium widens to a double), 64-bit for DOUBLE. */
  | { kind: "float"; bits: 32 | 64 }
  /** BIT(1) as BOOLEAN: 0 or 1. */
  | { kind: "bit-boolean" }
  /**
   * BIT(n>1) as an integer. Debezium sends the bits as little-endian bytes and the StarRocks sink reads
   * Flink BINARY big-endian into a long, so from BIT(9) on the integer holds the bytes in reverse order, and
   * BIT(57..64) values whose lowest byte is ≥ 0x80 turn negative (a signed long).
   */
  | { kind: "bit-integer"; bits: number }
  /** The same text. */
  | { kind: "text" }
  /** The same JSON value (objects, arrays, scalars), as text; compared parsed, so whitespace does not count. */
  | { kind: "json" }
  /**
   * A zero or invalid date arrives as NULL (nullable column) or, NOT NULL, as the column's literal DEFAULT
   * (Debezium falls back to it; seen on the real connectors) or 1970-01-01 without one (`zero`).
   */
  | { kind: "date"; zero?: string }
  /**
   * The same wall clock with the same fraction. A zero date-time arrives as NULL (nullable) or `zero`
   * (NOT NULL: the column's literal DEFAULT, else the epoch, for TIMESTAMP as the source's time zone shows it).
   */
  | { kind: "datetime"; zero: string }
  /**
   * TIME as its signed number of microseconds (Flink BIGINT reads Debezium's MicroTime): exact over MySQL's
   * whole ±838:59:59.999999 range. Through the snapshot a value between -01:00:00 and 00:00:00 loses its sign.
   */
  | { kind: "time-micros" }
  /** Bytes as base64 text. BINARY(n) values are compared padded with 0x00 to n bytes, as MySQL stores them. */
  | { kind: "base64"; padTo?: number }
  /**
   * Spatial values as GeoJSON text (`{"type":…,"coordinates":…,"srid":…}`); compared by their coordinates,
   * each closed ring in either vertex order (the connector reverses the inner rings of a polygon).
   */
  | { kind: "geojson" };

export interface Column {
  name: string;
  type: ColumnType;
  /** Key columns are never nullable. */
  nullable: boolean;
  /** Short description, rendered as a column comment in MySQL. */
  comment?: string;
  /** How the value arrives (source columns); demo columns derive it from their type (arrivalOf). */
  arrives?: Arrival;
}

export interface TableDef {
  name: string;
  /** Primary key columns. StarRocks requires them first, in this order. */
  key: string[];
  columns: Column[];
  /** What the table holds. */
  description: string;
  /**
   * Internal tables (the monitor's heartbeat) are always replicated and never get sample rows.
   */
  internal?: boolean;
  /**
   * Source tables: where the table's server-id block starts, relative to cdcServerIdBase, and its width
   * (catalog/serverIds.ts). Demo tables have none: their block follows their place in the demo catalog.
   */
  serverIds?: { offset: number; width: number };
  /**
   * The column mysql-cdc splits the snapshot on (`scan.incremental.snapshot.chunk.key-column`), set when the
   * key was named in config for a table without a primary key in MySQL.
   */
  chunkKeyColumn?: string;
  /** StarRocks BUCKETS (config catalogBuckets); absent = StarRocks chooses. */
  buckets?: number;
  /**
   * A table of the user's own database (catalog: source). The `cdc` commands that write rows (latency, load,
   * bench, cleanup) never write into it.
   */
  fromSource?: boolean;
  /** Source tables: the Flink source needs `debezium.binary.handling.mode = base64` (the table has binary columns). */
  binaryAsBase64?: boolean;
}

/** Non-key columns of a table, in declaration order. */
export function valueColumns(t: TableDef): Column[] {
  return t.columns.filter((c) => !t.key.includes(c.name));
}

/** How a column's value arrives: its own `arrives`, or the one its demo type implies. */
export function arrivalOf(c: Column): Arrival {
  if (c.arrives) return c.arrives;
  switch (c.type.kind) {
    case "bigint":
    case "int":
      return { kind: "integer" };
    case "decimal":
      return { kind: "decimal" };
    case "varchar":
      return { kind: "text" };
    case "datetime":
      return { kind: "datetime", zero: "1970-01-01 00:00:00" };
    case "mapped":
      throw new Error(`column ${c.name}: a mapped column must say how its value arrives`);
  }
}
