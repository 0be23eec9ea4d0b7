/**
 * Every statement the CLI sends, rendered from the catalog with quoted identifiers.
 *
 * Tool rows are marked by their key alone: every row the CLI writes has a key at or above TOOL_KEY_MIN
 * (9,000,000,000,000,000,000, near the top of the signed BIGINT range), so cleanup can delete exactly
 * those rows and never touches user data. Keys are BigInt in JS; they do not fit in a double.
 */
import { Column, TableDef, arrivalOf } from "../catalog/tables";
import { numericKey } from "./rowdiff";
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

// ------------------------------------------------------------------ verify (reads only)

/** The columns `cdc verify` reads, in row order: the key columns (in key order), then the others. */
export function verifyColumns(t: TableDef): Column[] {
  const byName = (n: string) => {
    const c = t.columns.find((x) => x.name === n);
    if (!c) throw new Error(`table ${t.name}: key column ${n} is not a column`);
    return c;
  };
  return [...t.key.map(byName), ...t.columns.filter((c) => !t.key.includes(c.name))];
}

const NUMERIC_LITERAL = /^-?\d+(\.\d+)?$/;

/** A key value as an SQL literal for the side it was read from: numbers bare, binary as X'..', text quoted. */
export function keyLiteral(c: Column, v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (Buffer.isBuffer(v)) return `X'${v.toString("hex")}'`;
  const s = String(v);
  if (numericKey(c)) {
    // Bare, so neither side compares a BIGINT key through a floating-point cast of a string.
    if (!NUMERIC_LITERAL.test(s)) throw new Error(`key ${c.name}: ${JSON.stringify(s)} is not a number`);
    return s;
  }
  return quoteString(s);
}

/**
 * A key column as ordered and compared on one side. Text keys on the source are compared by code point
 * (utf8mb4_bin; MySQL manual "The binary Collation Compared to _bin Collations"), the order of their UTF-8
 * bytes, rather than by the column's collation, which may ignore case or accents. Should the two sides'
 * orders still disagree somewhere, the merge sees the key on both sides as "only here" and the re-check,
 * which looks keys up, settles it.
 */
function keyExpr(c: Column, side: "source" | "sink"): string {
  const q = quoteIdent(c.name);
  if (side === "sink" || arrivalOf(c).kind !== "text") return q;
  return `CONVERT(${q} USING utf8mb4) COLLATE utf8mb4_bin`;
}

/**
 * One batch in key order: rows whose key is above `after` (keyset pagination), at most `limit`. A
 * composite key `(k1, k2) > (a1, a2)` is spelled out as `k1 >= a1 AND (k1 > a1 OR (k1 = a1 AND k2 > a2))`:
 * plain comparisons every MySQL-protocol engine evaluates alike, and the leading `k1 >= a1` lets a
 * range scan start at a1.
 */
export function verifyBatchSql(t: TableDef, side: "source" | "sink", after: readonly unknown[] | undefined, limit: number): string {
  const cols = verifyColumns(t);
  const keys = cols.slice(0, t.key.length);
  const exprs = keys.map((c) => keyExpr(c, side));
  let where = "";
  if (after) {
    const lit = keys.map((c, i) => keyLiteral(c, after[i]));
    const branches = keys.map((_, i) => [...exprs.slice(0, i).map((e, j) => `${e} = ${lit[j]}`), `${exprs[i]} > ${lit[i]}`].join(" AND "));
    where = keys.length === 1 ? ` WHERE ${branches[0]}` : ` WHERE ${exprs[0]} >= ${lit[0]} AND (${branches.map((b) => `(${b})`).join(" OR ")})`;
  }
  return `SELECT ${cols.map((c) => quoteIdent(c.name)).join(", ")} FROM ${quoteIdent(t.name)}${where} ORDER BY ${exprs.join(", ")} LIMIT ${limit}`;
}

/** The rows with these keys (each key: its key column values, in key order). */
export function verifyKeysSql(t: TableDef, keys: ReadonlyArray<readonly unknown[]>): string {
  const cols = verifyColumns(t);
  const keyCols = cols.slice(0, t.key.length);
  const cond =
    keyCols.length === 1
      ? `${quoteIdent(keyCols[0].name)} IN (${keys.map((k) => keyLiteral(keyCols[0], k[0])).join(", ")})`
      : keys.map((k) => `(${keyCols.map((c, i) => `${quoteIdent(c.name)} = ${keyLiteral(c, k[i])}`).join(" AND ")})`).join(" OR ");
  return `SELECT ${cols.map((c) => quoteIdent(c.name)).join(", ")} FROM ${quoteIdent(t.name)} WHERE ${cond}`;
}
