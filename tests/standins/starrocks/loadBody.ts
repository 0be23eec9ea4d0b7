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
 * - Values are typed by StarRocks' rules (types.ts): with `strict_mode` false (the default) a value the
 *   column cannot hold becomes NULL, and the row is filtered when that column is NOT NULL; with
 *   `strict_mode: true` the row is filtered. A filtered row fails the load unless `max_filter_ratio`
 *   (default 0) allows it: "too many filtered rows". Rows whose encoded primary key exceeds 128 bytes
 *   are filtered too.
 * - JSON numbers keep their exact text on any Node (json.ts), so BIGINT/LARGEINT/DECIMAL values arrive
 *   as written.
 * Column expressions in `columns` (`c = f(x)`), jsonpaths and partial updates are not implemented.
 */
import type { FakeTable } from "../../fakes/starrocksFe";
import { JsonSyntaxError, JsonValue, isJsonObject, minify, parseJsonExact } from "./json";
import type { LoadRow } from "./store";
import { Cell, PRIMARY_KEY_LIMIT, StarRocksType, castText, encodedKeySize, fromJson, parseType } from "./types";

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
  /** `strict_mode` header (default false): filter rows with unqualified values instead of loading NULL. */
  strictMode: boolean;
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
    strictMode: (header("strict_mode") ?? "false").toLowerCase() === "true",
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
  const types = new Map<string, StarRocksType>(table.columns.map((c) => [c.name, parseType(c.type)]));
  const notNull = new Set(table.columns.filter((c) => !c.nullable).map((c) => c.name));
  const keyTypes = table.keys.map((k) => types.get(k)!);
  const out: ParsedLoad = { columns, rows: [], filtered: [], total: 0 };
  /** One row: each cell already converted; applies strict mode, NOT NULL and the key size. */
  const accept = (cells: Map<string, Cell>, op: 0 | 1 | undefined, raw: string) => {
    out.total++;
    if (op === undefined) return void out.filtered.push(`Invalid __op value. Row: ${raw}`);
    const values: Record<string, string | null> = {};
    for (const [name, cell] of cells) {
      if ("invalid" in cell) {
        if (spec.strictMode) return void out.filtered.push(`${cell.invalid}. Row: ${raw}`);
        // strict_mode=false: an unqualified value is loaded as NULL (loading/strict_mode.md).
        if (notNull.has(name)) return void out.filtered.push(`NULL value in non-nullable column '${name}' (${cell.invalid}). Row: ${raw}`);
        values[name] = null;
      } else values[name] = cell.value;
    }
    // A delete needs only the key; an upsert needs every NOT NULL column it writes.
    const required = op === 1 ? table.keys : columns.filter((c) => notNull.has(c));
    const missing = required.find((c) => values[c] === null || values[c] === undefined);
    if (missing) return void out.filtered.push(`NULL value in non-nullable column '${missing}'. Row: ${raw}`);
    const keySize = encodedKeySize(keyTypes, table.keys.map((k) => values[k] ?? null));
    if (keySize > PRIMARY_KEY_LIMIT) {
      // StarRocks' wording for this is not confirmed; the limit is be/src/common/config.h primary_key_limit_size.
      return void out.filtered.push(`primary key size exceed the limit: ${keySize} bytes > ${PRIMARY_KEY_LIMIT} (primary_key_limit_size). Row: ${raw}`);
    }
    out.rows.push({ op, values });
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
      const cells = new Map<string, Cell>();
      let op: 0 | 1 | undefined = 0;
      fields.forEach((f, i) => {
        if (f === OP_COLUMN) op = opOf(parts[i]);
        else cells.set(f, parts[i] === null ? { value: null } : castText(types.get(f)!, parts[i]!, f));
      });
      accept(cells, op, rec);
    }
    return out;
  }

  let doc: JsonValue;
  try {
    // Exact on any Node: numbers keep their source text (json.ts).
    doc = parseJsonExact(body.toString("utf8"));
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    throw new LoadRequestError(`The input is not a valid JSON: ${e.message}`);
  }
  let objects: JsonValue[];
  if (spec.stripOuterArray) {
    if (!Array.isArray(doc)) throw new LoadRequestError("JSON data is not an array-object, strip_outer_array must be FALSE");
    objects = doc;
  } else {
    if (Array.isArray(doc)) throw new LoadRequestError("JSON data is an array-object, strip_outer_array must be TRUE");
    objects = [doc];
  }
  const wanted = spec.columns ? fields : [...columns, OP_COLUMN];
  for (const o of objects) {
    if (!isJsonObject(o)) {
      out.total++;
      out.filtered.push(`JSON row is not an object: ${minify(o)}`);
      continue;
    }
    const lookup = (name: string): JsonValue | undefined => {
      if (o.has(name)) return o.get(name);
      const k = [...o.keys()].find((x) => x.toLowerCase() === name.toLowerCase());
      return k === undefined ? undefined : o.get(k);
    };
    const cells = new Map<string, Cell>();
    let op: 0 | 1 | undefined = 0;
    for (const f of wanted) {
      const v = lookup(f);
      if (f === OP_COLUMN) {
        const s = v === undefined || v === null ? null : typeof v === "boolean" ? (v ? "1" : "0") : typeof v === "string" ? v : minify(v);
        op = opOf(s);
      } else cells.set(f, fromJson(types.get(f)!, v, f));
    }
    accept(cells, op, minify(o));
  }
  return out;
}
