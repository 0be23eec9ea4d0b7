/**
 * The catalog part: which tables the stack replicates. `demo` (default): the built-in demo tables, selected
 * with `tables`. `source`: the tables of sourceDatabase on an external source whose names match
 * captureTables and not captureTablesExclude, read from its information_schema at preview
 * (catalog/source.ts), with per-table overrides.
 */
import { SELECTABLE_TABLES } from "../catalog/tables";
import { DEMO_SPAN, RESERVED_SPAN } from "../catalog/serverIds";
import { ConfigReader, ConfigSchema } from "./reader";

export const CATALOG_SCHEMA = {
  catalog: { type: "string", default: "demo", description: "Where the replicated tables come from. demo: the built-in demo tables (selected with tables). source: the tables of sourceDatabase on the external source, read from its information_schema at preview (see captureTables)." },
  tables: { type: "array", default: [...SELECTABLE_TABLES], description: `Demo catalog: tables to replicate, any of: ${SELECTABLE_TABLES.join(", ")}.` },
  captureTables: { type: "string", default: ".*", description: "Source catalog: regular expression a table name must match in full to be replicated (default: every table)." },
  captureTablesExclude: { type: "string", default: "", description: "Source catalog: regular expression of table names to leave out (matched in full; empty: none)." },
  catalogExcludeColumns: { type: "array", default: [], description: "Source catalog: columns to leave out, as table.column (e.g. events.payload)." },
  catalogKeys: { type: "array", default: [], description: "Source catalog: key columns of a table without a primary key, as table:col[,col] (e.g. audit_log:id); the snapshot splits on the first." },
  catalogBuckets: { type: "array", default: [], description: "Source catalog: StarRocks BUCKETS of a table, as table:n (e.g. events:16); applies when the table is created (default: StarRocks chooses)." },
} satisfies ConfigSchema;

export type CatalogKind = "demo" | "source";

export interface CatalogConfig {
  kind: CatalogKind;
  captureTables: string;
  captureTablesExclude: string;
  /** Columns left out, by table. */
  excludeColumns: Record<string, string[]>;
  /** Key columns by table (tables without a primary key). */
  keys: Record<string, string[]>;
  /** StarRocks BUCKETS by table. */
  buckets: Record<string, number>;
}

/** The catalog kind, read first: it sets the server-id span the source part validates against. */
export function catalogKind(r: ConfigReader): CatalogKind {
  return r.oneOf<CatalogKind>("catalog", ["demo", "source"]);
}

/** Server ids the catalog's jobs may take above cdcServerIdBase. */
export function reservedServerIdSpan(kind: CatalogKind): number {
  return kind === "source" ? RESERVED_SPAN : DEMO_SPAN;
}

const NAME = "[A-Za-z0-9_$]+";

export function resolveCatalog(r: ConfigReader, kind: CatalogKind, sourceMode: string): { tables: string[]; catalog: CatalogConfig } {
  const tables = r.read<string[]>("tables");
  if (kind === "demo") {
    if (!Array.isArray(tables) || tables.length === 0) r.problems.push(`tables: select at least one of ${SELECTABLE_TABLES.join(", ")}`);
    for (const t of tables ?? []) {
      if (!SELECTABLE_TABLES.includes(t)) r.problems.push(`tables: unknown table "${t}"; allowed: ${SELECTABLE_TABLES.join(", ")}`);
    }
    if (new Set(tables).size !== tables.length) r.problems.push(`tables: lists a table twice`);
    for (const key of ["captureTables", "captureTablesExclude", "catalogExcludeColumns", "catalogKeys", "catalogBuckets"]) {
      if (r.isChanged(key)) r.problems.push(`${key}: applies only with catalog: source (this stack replicates the demo tables)`);
    }
  } else {
    // The managed MySQL holds the demo schema and does not exist before the first `up`, so there is nothing to read at preview.
    if (sourceMode !== "external") r.problems.push(`catalog: "source" reads the tables of an existing server; set sourceMode to external (with sourceHost and sourcePassword)`);
    if (r.isChanged("tables")) r.problems.push(`tables: selects demo tables; with catalog: source choose tables with captureTables and captureTablesExclude`);
  }
  const regex = (key: string): string => {
    const v = r.read(key);
    try {
      new RegExp(v);
    } catch (err) {
      r.problems.push(`${key}: ${JSON.stringify(v)} is not a regular expression (${(err as Error).message})`);
    }
    return v;
  };
  const captureTables = regex("captureTables");
  const captureTablesExclude = regex("captureTablesExclude");

  const excludeColumns: Record<string, string[]> = {};
  for (const e of r.read<string[]>("catalogExcludeColumns")) {
    const m = new RegExp(`^(${NAME})\\.(${NAME})$`).exec(e);
    if (!m) r.problems.push(`catalogExcludeColumns: "${e}" is not table.column`);
    else (excludeColumns[m[1]] ??= []).push(m[2]);
  }
  const keys: Record<string, string[]> = {};
  for (const e of r.read<string[]>("catalogKeys")) {
    const m = new RegExp(`^(${NAME}):(${NAME}(?:,${NAME})*)$`).exec(e.replace(/\s+/g, ""));
    if (!m) r.problems.push(`catalogKeys: "${e}" is not table:column[,column]`);
    else if (keys[m[1]]) r.problems.push(`catalogKeys: names the key of table ${m[1]} twice`);
    else keys[m[1]] = m[2].split(",");
  }
  const buckets: Record<string, number> = {};
  for (const e of r.read<string[]>("catalogBuckets")) {
    const m = new RegExp(`^(${NAME}):(\\d+)$`).exec(e.trim());
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 1024) r.problems.push(`catalogBuckets: "${e}" is not table:n with n in 1..1024`);
    else buckets[m[1]] = Number(m[2]);
  }
  return { tables: kind === "demo" ? tables : [], catalog: { kind, captureTables, captureTablesExclude, excludeColumns, keys, buckets } };
}
