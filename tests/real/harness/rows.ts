/**
 * Row-by-row comparison of a source table and its StarRocks table, by the catalog's own account of how each
 * column's value arrives (catalog/compare.ts valuesEqual / canonicalValue). Both sides are read with mysql2
 * as `cdc verify` reads them: `{ dateStrings, supportBigNumbers, bigNumberStrings }`. Rows are matched by
 * their key (each key column's canonical value), and every column is compared; a difference names the
 * table, the key, the column and both values (raw and canonical), so a failure says what arrived wrong.
 */
import * as mysql from "mysql2/promise";
import { canonicalValue, valuesEqual } from "../../../catalog/compare";
import { TableDef } from "../../../catalog/definition";
import { quoteIdent } from "../../../render/sql";

export type Row = Record<string, unknown>;

export interface Endpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** The options `cdc verify` and catalog/compare.ts assume on both sides. */
export const READ_OPTIONS = { dateStrings: true, supportBigNumbers: true, bigNumberStrings: true } as const;

export async function readRows(at: Endpoint, database: string, table: string): Promise<Row[]> {
  const c = await mysql.createConnection({ ...at, ...READ_OPTIONS });
  try {
    const [rows] = await c.query(`SELECT * FROM ${quoteIdent(database)}.${quoteIdent(table)}`);
    return rows as Row[];
  } finally {
    await c.end().catch(() => c.destroy());
  }
}

/** A row's key as text: the canonical value of each key column (so source and sink forms meet). */
export function rowKey(t: TableDef, row: Row, side: "source" | "sink"): string {
  return t.key.map((k) => String(canonicalValue(t.columns.find((c) => c.name === k)!, row[k], side))).join(" | ");
}

const show = (v: unknown): string => {
  if (v === undefined) return "(no such column)";
  if (Buffer.isBuffer(v)) return `0x${v.toString("hex").slice(0, 80)}${v.length > 40 ? `… (${v.length} bytes)` : ""}`;
  const s = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return s.length > 160 ? `${s.slice(0, 120)}… (${s.length} chars)` : s;
};

/**
 * A cell whose value the real connectors change in a way no column-wide rule describes (the same source value
 * arrives differently through the snapshot and the binlog): the sink must hold exactly `sink` (canonical
 * form), and `why` says what happens. Checked instead of valuesEqual, so a change of behaviour still fails.
 */
export interface KnownCell {
  table: string;
  /** rowKey() of the row. */
  key: string;
  column: string;
  sink: string | null;
  why: string;
}

/** Every difference between the source rows and the sink rows of one table (empty: equal). */
export function rowDifferences(t: TableDef, source: Row[], sink: Row[], known: readonly KnownCell[] = []): string[] {
  const out: string[] = [];
  const src = new Map(source.map((r) => [rowKey(t, r, "source"), r]));
  const dst = new Map(sink.map((r) => [rowKey(t, r, "sink"), r]));
  for (const [k, s] of src) {
    const d = dst.get(k);
    if (!d) {
      out.push(`${t.name} key ${k}: missing in the sink`);
      continue;
    }
    for (const c of t.columns) {
      const cell = known.find((x) => x.table === t.name && x.key === k && x.column === c.name);
      if (cell) {
        const got = canonicalValue(c, d[c.name], "sink");
        if (got !== cell.sink) out.push(`${t.name} key ${k} column ${c.name} (known: ${cell.why}): expected the sink to hold ${show(cell.sink)}, it holds ${show(d[c.name])} (canonical ${show(got)})`);
        continue;
      }
      if (valuesEqual(c, s[c.name], d[c.name])) continue;
      out.push(`${t.name} key ${k} column ${c.name}: source ${show(s[c.name])} (canonical ${show(canonicalValue(c, s[c.name], "source"))}), ` +
        `sink ${show(d[c.name])} (canonical ${show(canonicalValue(c, d[c.name], "sink"))})`);
    }
  }
  for (const k of dst.keys()) if (!src.has(k)) out.push(`${t.name} key ${k}: only in the sink`);
  return out;
}

/**
 * Waits until every table's sink rows equal its source rows; throws with every difference left (at most
 * `show` lines) after `timeoutMs`.
 */
export async function waitForEqualRows(
  tables: readonly TableDef[], source: { at: Endpoint; database: string }, sink: { at: Endpoint; database: string }, timeoutMs: number, what: string,
  known: readonly KnownCell[] = [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const diffs: string[] = [];
    for (const t of tables) {
      try {
        diffs.push(...rowDifferences(t, await readRows(source.at, source.database, t.name), await readRows(sink.at, sink.database, t.name), known));
      } catch (err) {
        diffs.push(`${t.name}: ${(err as Error).message}`);
      }
    }
    if (!diffs.length) return;
    if (Date.now() > deadline) {
      throw new Error(`${what}: after ${Math.round(timeoutMs / 1000)} s, ${diffs.length} difference(s) between the source and the stand-in:\n${diffs.slice(0, 40).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
