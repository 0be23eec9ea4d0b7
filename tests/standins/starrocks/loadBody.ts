/**
 * Stream Load bodies as the StarRocks STAND-IN reads them (pure functions). What StarRocks documents and
 * the Flink connector sends (StreamLoadDataFormat, StarRocksSinkOptions#getProperties in
 * starrocks-connector-for-apache-flink v1.2.10; STREAM_LOAD.md):
 * - `format`: csv (default) or json. CSV: `column_separator` (default \t), `row_delimiter` (default \n),
 *   both also as `\xNN` hex; `\N` is NULL; a trailing row delimiter ends the last row (transaction loads
 *   end every chunk with one).
 * - JSON: `strip_outer_array=true` for `[{...},...]`, else one object per load; keys by column name.
 * - `columns`: the order of CSV fields / the JSON keys to load, optionally with the hidden `__op`
 *   column of Primary Key tables (0 upsert, 1 delete). Without it, CSV fields follow the table's column
 *   order, and a JSON `__op` key is read by name.
 * - A row that does not fit is filtered; with `max_filter_ratio` 0 (the default) the load fails with
 *   "too many filtered rows".
 * Column expressions in `columns` (`c = f(x)`), jsonpaths and partial updates are not implemented.
 */
import type { FakeTable } from "../../fakes/starrocksFe";
import type { LoadRow } from "./store";

export const OP_COLUMN = "__op";

export class LoadRequestError extends Error {}

export interface LoadSpec {
  format: "csv" | "json";
  /** From the `columns` header; undefined = table order (CSV) or by key (JSON). */
  columns?: string[];
  columnSeparator: string;
  rowDelimiter: string;
  stripOuterArray: boolean;
  maxFilterRatio: number;
}

/** Reads `\xNN` hex escapes, as StarRocks does for separators and delimiters. */
export function parseDelimiter(value: string | undefined, fallback: string): string {
  if (value === undefined || value === "") return fallback;
  if (/^\\x([0-9a-fA-F]{2})+$/.test(value)) return Buffer.from(value.slice(2), "hex").toString("latin1");
  return value;
}

function splitColumns(header: string): string[] {
  return header.split(",").map((c) => {
    const t = c.trim();
    if (t.includes("=")) throw new LoadRequestError(`StarRocks stand-in: column expressions in the columns header are not implemented: ${t}`);
    return t.startsWith("`") && t.endsWith("`") ? t.slice(1, -1) : t;
  }).filter(Boolean);
}

export function loadSpec(header: (name: string) => string | undefined): LoadSpec {
  const format = (header("format") ?? "csv").toLowerCase();
  if (format !== "csv" && format !== "json") throw new LoadRequestError(`unknown data format, format=${header("format")}`);
  if (header("jsonpaths")) throw new LoadRequestError("StarRocks stand-in: jsonpaths is not implemented");
  if ((header("partial_update") ?? "false").toLowerCase() === "true") throw new LoadRequestError("StarRocks stand-in: partial_update is not implemented");
  if (header("compression")) throw new LoadRequestError(`StarRocks stand-in: compressed bodies are not implemented (compression=${header("compression")})`);
  const columns = header("columns");
  return {
    format,
    columns: columns ? splitColumns(columns) : undefined,
    columnSeparator: parseDelimiter(header("column_separator"), "\t"),
    rowDelimiter: parseDelimiter(header("row_delimiter"), "\n"),
    stripOuterArray: (header("strip_outer_array") ?? "false").toLowerCase() === "true",
    maxFilterRatio: Number(header("max_filter_ratio") ?? "0"),
  };
}

export interface ParsedLoad {
  /** Table columns the load writes (the `columns` header or the table's), without `__op`. */
  columns: string[];
  rows: LoadRow[];
  /** Rows dropped, with StarRocks-like reasons (they go to the error log). */
  filtered: string[];
  total: number;
}

/** Checks the `columns` header against the table: every name must be a column or `__op`. */
export function loadColumns(spec: LoadSpec, table: FakeTable, tableName: string): string[] {
  const names = table.columns.map((c) => c.name);
  for (const c of spec.columns ?? []) {
    if (c !== OP_COLUMN && !names.some((n) => n.toLowerCase() === c.toLowerCase())) {
      throw new LoadRequestError(`Unknown column '${c}' in '${tableName}'`);
    }
  }
  return spec.columns ? spec.columns.map((c) => names.find((n) => n.toLowerCase() === c.toLowerCase()) ?? c) : names;
}

function opOf(v: string | null | undefined): 0 | 1 | undefined {
  if (v === undefined || v === null) return 0;
  const t = v.trim().toLowerCase();
  if (t === "0" || t === "upsert") return 0;
  if (t === "1" || t === "delete") return 1;
  return undefined;
}

/** Splits and types one load's body. Never throws for bad rows: they are filtered. */
export function parseBody(body: Buffer, spec: LoadSpec, table: FakeTable, tableName: string): ParsedLoad {
  const fields = loadColumns(spec, table, tableName);
  const columns = fields.filter((c) => c !== OP_COLUMN);
  const keyNotNull = (values: Record<string, string | null>) => table.keys.every((k) => values[k] !== null && values[k] !== undefined);
  const out: ParsedLoad = { columns, rows: [], filtered: [], total: 0 };
  const accept = (values: Record<string, string | null>, op: 0 | 1 | undefined, raw: string) => {
    out.total++;
    if (op === undefined) out.filtered.push(`Invalid __op value. Row: ${raw}`);
    else if (!keyNotNull(values)) out.filtered.push(`NULL value in non-nullable column '${table.keys.find((k) => values[k] == null)}'. Row: ${raw}`);
    else out.rows.push({ op, values });
  };

  if (spec.format === "csv") {
    const text = body.toString("utf8");
    const records = text.split(spec.rowDelimiter);
    if (records.length && records[records.length - 1] === "") records.pop();
    for (const rec of records) {
      const parts = rec.split(spec.columnSeparator).map((p) => (p === "\\N" ? null : p));
      if (parts.length !== fields.length) {
        out.total++;
        out.filtered.push(`Value count does not match column count. Expect ${fields.length}, but got ${parts.length}. Row: ${rec}`);
        continue;
      }
      const values: Record<string, string | null> = {};
      let op: 0 | 1 | undefined = 0;
      fields.forEach((f, i) => {
        if (f === OP_COLUMN) op = opOf(parts[i]);
        else values[f] = parts[i];
      });
      accept(values, op, rec);
    }
    return out;
  }

  let doc: unknown;
  try {
    // Numbers keep their source text: BIGINT keys do not survive a double.
    doc = JSON.parse(body.toString("utf8"), (_k, v, ctx?: { source?: string }) => (typeof v === "number" && ctx?.source ? ctx.source : v));
  } catch (e) {
    throw new LoadRequestError(`The input is not a valid JSON: ${(e as Error).message}`);
  }
  let objects: unknown[];
  if (spec.stripOuterArray) {
    if (!Array.isArray(doc)) throw new LoadRequestError("JSON data is not an array-object, strip_outer_array must be FALSE");
    objects = doc;
  } else {
    if (Array.isArray(doc)) throw new LoadRequestError("JSON data is an array-object, strip_outer_array must be TRUE");
    objects = [doc];
  }
  const wanted = spec.columns ? fields : [...columns, OP_COLUMN];
  for (const o of objects) {
    if (!o || typeof o !== "object" || Array.isArray(o)) {
      out.total++;
      out.filtered.push(`JSON row is not an object: ${JSON.stringify(o)}`);
      continue;
    }
    const rec = o as Record<string, unknown>;
    const lookup = (name: string) => {
      if (name in rec) return rec[name];
      const k = Object.keys(rec).find((x) => x.toLowerCase() === name.toLowerCase());
      return k === undefined ? null : rec[k];
    };
    const values: Record<string, string | null> = {};
    let op: 0 | 1 | undefined = 0;
    for (const f of wanted) {
      const v = lookup(f);
      const s = v === null || v === undefined ? null : typeof v === "object" ? JSON.stringify(v) : typeof v === "boolean" ? (v ? "1" : "0") : String(v);
      if (f === OP_COLUMN) op = opOf(s);
      else values[f] = s;
    }
    accept(values, op, JSON.stringify(rec));
  }
  return out;
}
