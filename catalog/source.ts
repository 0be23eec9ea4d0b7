/**
 * The source's own tables as catalog definitions (`catalog: source`): pure, from the information_schema
 * rows clients/mysql.ts `readSourceSchema` returns. Picks the tables (captureTables / captureTablesExclude),
 * applies the overrides (catalogExcludeColumns, catalogKeys, catalogBuckets), maps each column
 * (catalog/mysqlTypes.ts), and lists every refusal and warning, each naming `table.column` and the way out.
 */
import { Column, TableDef } from "./definition";
import { ColumnRow, IssueKind, keyWidth, mapColumn } from "./mysqlTypes";
import { sourceServerIdBlocks } from "./serverIds";
import { HEARTBEAT_TABLE, findTable } from "./tables";

/** What the reader returns: rows of information_schema, filtered to the source database. */
export interface SourceSchema {
  /** `SELECT VERSION()`, e.g. `10.11.6-MariaDB` or `8.0.44`. */
  version: string;
  tables: Array<{ TABLE_NAME: string; TABLE_TYPE: string }>;
  columns: ColumnRow[];
  /** information_schema.STATISTICS rows of the PRIMARY index. */
  primaryKeys: Array<{ TABLE_NAME: string; COLUMN_NAME: string; SEQ_IN_INDEX: number | string }>;
  charsets: Array<{ CHARACTER_SET_NAME: string; MAXLEN: number | string }>;
  /** MariaDB: columns with the automatic `json_valid(col)` CHECK of its JSON alias. */
  jsonColumns: Array<{ TABLE_NAME: string; COLUMN_NAME: string }>;
}

/** The catalog keys of the stack's configuration (config/catalog.ts). */
export interface CatalogSelection {
  database: string;
  /** Regular expression a table name must match in full (default `.*`). */
  captureTables: string;
  /** Regular expression of table names to leave out ("" = none). */
  captureTablesExclude: string;
  /** Columns left out, by table. */
  excludeColumns: Record<string, string[]>;
  /** Key columns, by table, for tables without a primary key in MySQL. */
  keys: Record<string, string[]>;
  /** StarRocks BUCKETS, by table. */
  buckets: Record<string, number>;
  /** sourceTimeZone. */
  timeZone: string;
}

export interface CatalogIssue {
  /** refused: the table cannot be replicated as configured (preview fails); others are warnings. */
  kind: IssueKind;
  table: string;
  column?: string;
  message: string;
}

export interface Catalog {
  kind: "demo" | "source";
  /** The replicated tables in job order: the captured (or selected) tables, then the internal heartbeat. */
  tables: TableDef[];
  issues: CatalogIssue[];
}

/** Thrown at preview when a table cannot be replicated: lists every refusal at once. */
export class CatalogError extends Error {
  constructor(public readonly refusals: CatalogIssue[], database: string) {
    super(`the source database ${database} cannot be replicated as configured:\n  - ${refusals.map((r) => r.message).join("\n  - ")}`);
    this.name = "CatalogError";
  }
}

/** Table names become Flink regex options, job names and labels: letters, digits and _ only. */
const SAFE_NAME = /^[A-Za-z0-9_]+$/;

/** StarRocks refuses rows whose encoded key exceeds this many bytes (BE primary_key_limit_size, default 128). */
export const KEY_LIMIT_BYTES = 128;

function fullMatch(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/** The catalog of the source's own tables, with every refusal and warning. Pure. */
export function buildSourceCatalog(schema: SourceSchema, sel: CatalogSelection): Catalog {
  const issues: CatalogIssue[] = [];
  const refuse = (table: string, message: string, column?: string) => issues.push({ kind: "refused", table, column, message });
  const capture = fullMatch(sel.captureTables || ".*");
  const exclude = sel.captureTablesExclude ? fullMatch(sel.captureTablesExclude) : undefined;
  const baseTables = schema.tables.filter((t) => t.TABLE_TYPE === "BASE TABLE").map((t) => t.TABLE_NAME);
  const names = baseTables.filter((n) => n !== HEARTBEAT_TABLE && capture.test(n) && !(exclude && exclude.test(n))).sort();

  // Overrides must name captured tables and existing columns.
  const overrideTables: Array<[string, Record<string, unknown>]> = [
    ["catalogExcludeColumns", sel.excludeColumns],
    ["catalogKeys", sel.keys],
    ["catalogBuckets", sel.buckets],
  ];
  for (const [key, byTable] of overrideTables) {
    for (const t of Object.keys(byTable)) {
      if (!names.includes(t)) {
        const why = baseTables.includes(t) ? "is not captured (captureTables / captureTablesExclude leave it out)" : `is not a table of ${sel.database}`;
        refuse(t, `${key}: table ${t} ${why}`);
      }
    }
  }

  const charsetMaxLen = Object.fromEntries(schema.charsets.map((c) => [c.CHARACTER_SET_NAME.toLowerCase(), Number(c.MAXLEN)]));
  const blocks = sourceServerIdBlocks(names);
  const tables: TableDef[] = [];
  for (const name of names) {
    const rows = schema.columns.filter((c) => c.TABLE_NAME === name).sort((a, b) => Number(a.ORDINAL_POSITION) - Number(b.ORDINAL_POSITION));
    const have = new Set(rows.map((r) => r.COLUMN_NAME));
    if (!SAFE_NAME.test(name)) {
      refuse(name, `table ${name}: the name is not a plain identifier (letters, digits, _), which mysql-cdc's table-name (a regular expression) and the job names need; leave it out with captureTablesExclude`);
      continue;
    }
    const excluded = sel.excludeColumns[name] ?? [];
    for (const c of excluded) if (!have.has(c)) refuse(name, `catalogExcludeColumns: ${name}.${c} is not a column of ${sel.database}.${name}`, c);
    const pk = schema.primaryKeys
      .filter((k) => k.TABLE_NAME === name)
      .sort((a, b) => Number(a.SEQ_IN_INDEX) - Number(b.SEQ_IN_INDEX))
      .map((k) => k.COLUMN_NAME);
    const named = sel.keys[name];
    let key = pk;
    let chunkKeyColumn: string | undefined;
    if (named) {
      if (pk.length) {
        refuse(name, `catalogKeys: table ${name} has a primary key (${pk.join(", ")}) in MySQL; name keys only for tables without one`);
      } else {
        key = named;
        // Without a primary key mysql-cdc needs the column to split the snapshot on (the first key column).
        chunkKeyColumn = named[0];
      }
      for (const c of named) if (!have.has(c)) refuse(name, `catalogKeys: ${name}.${c} is not a column of ${sel.database}.${name}`, c);
    }
    if (key.length === 0) {
      refuse(name, `table ${name} has no primary key: StarRocks needs one to apply updates and deletes; name its key columns with catalogKeys (e.g. "${name}:id"), or leave the table out with captureTablesExclude`);
      continue;
    }
    for (const c of key) if (excluded.includes(c)) refuse(name, `catalogExcludeColumns: ${name}.${c} is a key column and cannot be left out`, c);

    const jsonColumns = new Set(schema.jsonColumns.filter((j) => j.TABLE_NAME === name).map((j) => j.COLUMN_NAME));
    const ctx = { charsetMaxLen, timeZone: sel.timeZone, jsonColumns };
    const columns: Column[] = [];
    let binary = false;
    let refused = false;
    for (const row of rows) {
      if (excluded.includes(row.COLUMN_NAME)) continue;
      const isKey = key.includes(row.COLUMN_NAME);
      const m = mapColumn(row, ctx, isKey);
      if ("refused" in m) {
        refuse(name, m.refused, row.COLUMN_NAME);
        refused = true;
        continue;
      }
      if (isKey && m.nullable) {
        refuse(name, `catalogKeys: ${name}.${row.COLUMN_NAME} is nullable, but StarRocks key columns are NOT NULL (a NULL key would fail the load); name NOT NULL columns`, row.COLUMN_NAME);
        refused = true;
      }
      for (const n of m.notes) issues.push({ kind: n.kind, table: name, column: row.COLUMN_NAME, message: n.message });
      binary ||= !!m.binary;
      columns.push({ name: row.COLUMN_NAME, type: m.type, nullable: isKey ? false : m.nullable, arrives: m.arrives });
    }
    if (refused || key.some((k) => !columns.some((c) => c.name === k))) continue;

    // Encoded key size: fixed widths, a VARCHAR its bytes plus 2 unless it is last (primary_key_encoder.cpp).
    const keyTypes = key.map((k) => (columns.find((c) => c.name === k)!.type as { starrocks: string }).starrocks);
    const width = keyTypes.reduce((sum, t, i) => sum + keyWidth(t) + (t.startsWith("VARCHAR") && i < keyTypes.length - 1 ? 2 : 0), 0);
    if (width > KEY_LIMIT_BYTES) {
      issues.push({ kind: "wide-key", table: name, message: `table ${name}: its key (${key.join(", ")}) can take up to ${width} encoded bytes; StarRocks refuses rows whose key exceeds ${KEY_LIMIT_BYTES} bytes (primary_key_limit_size), so long key values would fail the load` });
    }
    const buckets = sel.buckets[name];
    tables.push({
      name,
      key: [...key],
      columns,
      description: `Table ${sel.database}.${name} of the source.`,
      fromSource: true,
      serverIds: blocks.get(name),
      ...(chunkKeyColumn ? { chunkKeyColumn } : {}),
      ...(buckets ? { buckets } : {}),
      ...(binary ? { binaryAsBase64: true } : {}),
    });
  }
  if (names.length === 0) {
    refuse("", `no table of ${sel.database} matches captureTables ${JSON.stringify(sel.captureTables)}${sel.captureTablesExclude ? ` without captureTablesExclude ${JSON.stringify(sel.captureTablesExclude)}` : ""}`);
  }
  if (!baseTables.includes(HEARTBEAT_TABLE)) {
    refuse(HEARTBEAT_TABLE, `the source database ${sel.database} has no ${HEARTBEAT_TABLE} table, which \`cdc monitor\` and latency probes write to (and which has its own CDC job); create it with the statement in sql/mysql/schema.sql from \`npm run render\``);
  }
  return { kind: "source", tables: [...tables, findTable(HEARTBEAT_TABLE)], issues };
}

/** The refusals of a catalog (preview fails on any). */
export function refusals(c: Catalog): CatalogIssue[] {
  return c.issues.filter((i) => i.kind === "refused");
}
