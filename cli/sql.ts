/**
 * Every statement the CLI sends, rendered from the catalog with quoted identifiers.
 *
 * Tool rows are marked by their key alone: every row the CLI writes has a key at or above TOOL_KEY_MIN
 * (9,000,000,000,000,000,000, near the top of the signed BIGINT range), so cleanup can delete exactly
 * those rows and never touches user data. Keys are BigInt in JS; they do not fit in a double.
 */
import { TableDef } from "../catalog/tables";
import { sampleValue } from "../render/mysql";
import { quoteIdent, quoteString } from "../render/sql";

export const TOOL_KEY_MIN = 9_000_000_000_000_000_000n;
export const BIGINT_MAX = 9_223_372_036_854_775_807n;
/** Keys one stream (one writer, one table) may use in one run. */
export const STREAM_STRIDE = 1_000_000_000n;
const EPOCH_MS = Date.UTC(2025, 0, 1);
/** Key space handed out per millisecond of wall clock, so bases grow with time even after cleanup. */
const KEYS_PER_MS = 10_000n;

/** The single BIGINT key column of a table the CLI writes to. */
export function keyColumn(t: TableDef): string {
  if (t.key.length !== 1) throw new Error(`table ${t.name} has a composite key; the CLI writes only to single-key tables`);
  const c = t.columns.find((x) => x.name === t.key[0]);
  if (!c || c.type.kind !== "bigint") throw new Error(`table ${t.name}: key ${t.key[0]} is not BIGINT`);
  return c.name;
}

/**
 * First key of a run: above every tool key already in the source or the sink (so "highest key seen"
 * never counts an older row) and above a clock-derived floor (so keys keep growing after cleanup, while
 * deletes may still be on their way).
 */
export function runBase(existingMax: ReadonlyArray<bigint | null>, nowMs: number, streams: number): bigint {
  let base = TOOL_KEY_MIN + BigInt(Math.max(0, Math.floor(nowMs - EPOCH_MS))) * KEYS_PER_MS;
  for (const m of existingMax) if (m !== null && m >= base) base = m + 1n;
  if (base + BigInt(streams) * STREAM_STRIDE > BIGINT_MAX) throw new Error("the tool key range is exhausted; run `cdc cleanup` and wait for the sink to catch up");
  return base;
}

/** Key range [lo, hi) of one stream of a run. */
export function streamRange(base: bigint, stream: number): { lo: bigint; hi: bigint } {
  const lo = base + BigInt(stream) * STREAM_STRIDE;
  return { lo, hi: lo + STREAM_STRIDE };
}

function literal(v: string | number): string {
  return typeof v === "number" ? String(v) : quoteString(v);
}

/** Value of a non-key column in a tool row: constant, recognisable, valid for the column type. */
function toolValue(t: TableDef, name: string): string {
  const c = t.columns.find((x) => x.name === name)!;
  switch (c.type.kind) {
    case "datetime": return "CURRENT_TIMESTAMP(3)";
    case "varchar": return quoteString("cdc-tool".slice(0, c.type.length));
    default: return literal(sampleValue(t, c, 1));
  }
}

/**
 * Pre-rendered INSERT pieces: a statement is `prefix + "(" + key + rowSuffix + ...`, so the hot path
 * only concatenates strings.
 */
export interface InsertTemplate {
  prefix: string;
  rowSuffix: string;
}

export function insertTemplate(t: TableDef, overrides: Record<string, string> = {}): InsertTemplate {
  const key = keyColumn(t);
  const others = t.columns.filter((c) => c.name !== key).map((c) => c.name);
  const prefix = `INSERT INTO ${quoteIdent(t.name)} (${[key, ...others].map(quoteIdent).join(", ")}) VALUES `;
  const rowSuffix = others.map((n) => ", " + (overrides[n] ?? toolValue(t, n))).join("") + ")";
  return { prefix, rowSuffix };
}

/** Single-row INSERT with the key as the one placeholder, for a prepared statement (parsed once per connection). */
export function insertPreparedSql(tpl: InsertTemplate): string {
  return tpl.prefix + "(?" + tpl.rowSuffix;
}

/** INSERT of keys from..from+count-1 (one row when count is 1). */
export function insertSql(tpl: InsertTemplate, from: bigint, count: number): string {
  if (count === 1) return tpl.prefix + "(" + from + tpl.rowSuffix;
  const rows = new Array<string>(count);
  for (let i = 0; i < count; i++) rows[i] = "(" + (from + BigInt(i)) + tpl.rowSuffix;
  return tpl.prefix + rows.join(",");
}

/** Highest key of each stream, one statement: rows (s, m). Each branch is one index lookup. */
export function maxKeysSql(t: TableDef, base: bigint, streams: readonly number[]): string {
  const k = quoteIdent(keyColumn(t));
  return streams
    .map((s) => {
      const { lo, hi } = streamRange(base, s);
      return `SELECT ${s} AS s, MAX(${k}) AS m FROM ${quoteIdent(t.name)} WHERE ${k} >= ${lo} AND ${k} < ${hi}`;
    })
    .join(" UNION ALL ");
}

export function maxToolKeySql(t: TableDef): string {
  const k = quoteIdent(keyColumn(t));
  return `SELECT MAX(${k}) AS m FROM ${quoteIdent(t.name)} WHERE ${k} >= ${TOOL_KEY_MIN}`;
}

export function countSql(t: TableDef): string {
  // The tool never writes into a table of the user's own database, and its key may be of any type.
  if (t.fromSource) return `SELECT COUNT(*) AS n, 0 AS tool FROM ${quoteIdent(t.name)}`;
  const k = quoteIdent(keyColumn(t));
  return `SELECT COUNT(*) AS n, COUNT(CASE WHEN ${k} >= ${TOOL_KEY_MIN} THEN 1 END) AS tool FROM ${quoteIdent(t.name)}`;
}

export const CLEANUP_CHUNK = 5000;

/** Deletes up to CLEANUP_CHUNK tool rows; repeat until fewer are affected (small transactions). */
export function cleanupSql(t: TableDef): string {
  return `DELETE FROM ${quoteIdent(t.name)} WHERE ${quoteIdent(keyColumn(t))} >= ${TOOL_KEY_MIN} LIMIT ${CLEANUP_CHUNK}`;
}

export const LIST_TABLES_SQL = "SELECT TABLE_NAME AS name FROM information_schema.tables WHERE TABLE_SCHEMA = DATABASE()";

/** Parses a BIGINT the driver returned as a string (or null). */
export function toBigInt(v: unknown): bigint | null {
  if (v === null || v === undefined) return null;
  return BigInt(typeof v === "number" ? Math.trunc(v) : String(v));
}
