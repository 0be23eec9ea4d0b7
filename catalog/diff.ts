/**
 * Schema changes as data: what differs between the table definitions the stack last deployed and the ones the
 * catalog gives now, each change classified by what `pulumi up` does about it, with the StarRocks statements
 * and the CDC job's action in words. Pure: the Table provider (planTable), `pulumi preview` messages and
 * `cdc catalog diff` all read the same answer.
 *
 * Classes:
 * - in-place: StarRocks applies it with ALTER TABLE (MODIFY COLUMN), the job is upgraded through a savepoint
 *   (or restored from its newest checkpoint when the source change already failed it), or left alone when its
 *   SQL does not change (a longer VARCHAR is still a Flink STRING).
 * - re-snapshot: StarRocks changes in place, and the table's job then starts without state and reads the whole
 *   table again, because rows written between the source's ALTER and the `up` reached StarRocks without the new
 *   column, or with a widened column's values wrapped by the old job's narrower Flink type.
 * - refused: StarRocks cannot change the column in place (a key column, a narrower type, another type family,
 *   NULL -> NOT NULL); the message names the table and column and the way out.
 * - new-table / dropped-table: a table appeared in or left the catalog.
 */
import type { TableDef } from "./tables";
import { StarRocksColumn, implicitDefault, starrocksColumnDef, starrocksColumns } from "../render/starrocks";
import { quoteIdent } from "../render/sql";
import { flinkType } from "../render/flinkJob";

export type ChangeClass = "in-place" | "re-snapshot" | "refused" | "new-table" | "dropped-table";

export type ChangeKind =
  | "add-column" | "drop-column" | "keep-column" | "widen-type" | "relax-null"
  | "key-change" | "narrow-type" | "change-type-family" | "tighten-null" | "not-null-without-default"
  | "new-table" | "dropped-table";

export interface SchemaChange {
  table: string;
  /** The column, for column changes. */
  column?: string;
  kind: ChangeKind;
  class: ChangeClass;
  /** What changed, in words (old -> new). */
  what: string;
  /** StarRocks statements `up` runs for it, in order (none for a refused change). */
  starrocks: string[];
  /** What happens to the table's CDC job. */
  job: string;
  /** For a refused change: how to get past it. */
  wayOut?: string;
}

/** What the operator chose for things that lose data. */
export interface DiffOptions {
  /** StarRocks database of the sink tables. */
  database: string;
  /** Drop a StarRocks column whose source column was dropped (default false: keep it, made nullable). */
  dropRemovedColumns?: boolean;
  /** Drop a StarRocks table whose source table left the catalog (default false: keep it). */
  dropRemovedTables?: boolean;
}

// ------------------------------------------------------------------ StarRocks type compatibility

/** Integer types narrowest first; StarRocks widens along this order in place. */
const INTEGERS = ["TINYINT", "SMALLINT", "INT", "BIGINT", "LARGEINT"];

export type TypeChange = { change: "same" } | { change: "widen" } | { change: "narrow" | "family"; reason: string };

/**
 * How StarRocks can turn column type `from` into `to` (types as render/starrocks.ts prints them). In place:
 * a longer VARCHAR, a wider integer, a DECIMAL that keeps every fraction and integer digit (StarRocks
 * SchemaChangeTypeCompatibility: TINYINT -> ... -> LARGEINT; DECIMAL(p,s) -> DECIMAL(p',s') when s <= s' and
 * p-s <= p'-s'; VARCHAR may only grow, Column.checkSchemaChangeAllowed). Anything else is narrower or another
 * family (StarRocks allows some of those, INT -> VARCHAR, but the values would not compare equal any more).
 */
export function classifyTypeChange(from: string, to: string): TypeChange {
  if (from === to) return { change: "same" };
  const varchar = (t: string) => /^VARCHAR\((\d+)\)$/.exec(t);
  const decimal = (t: string) => /^DECIMAL\((\d+),(\d+)\)$/.exec(t);
  const [va, vb] = [varchar(from), varchar(to)];
  if (va && vb) return Number(vb[1]) > Number(va[1]) ? { change: "widen" } : { change: "narrow", reason: `VARCHAR shortened from ${va[1]} to ${vb[1]} bytes` };
  const [ia, ib] = [INTEGERS.indexOf(from), INTEGERS.indexOf(to)];
  if (ia >= 0 && ib >= 0) return ib > ia ? { change: "widen" } : { change: "narrow", reason: `${from} narrowed to ${to}` };
  const [da, db] = [decimal(from), decimal(to)];
  if (da && db) {
    // SchemaChangeTypeCompatibility.isSchemaChangeAllowedInvolvingDecimalV3: no fraction or integer digit lost.
    const [pa, sa, pb, sb] = [da[1], da[2], db[1], db[2]].map(Number);
    if (sb < sa) return { change: "narrow", reason: `DECIMAL scale lowered from ${sa} to ${sb}` };
    if (pb - sb < pa - sa) return { change: "narrow", reason: `DECIMAL integer digits lowered from ${pa - sa} to ${pb - sb}` };
    return { change: "widen" };
  }
  return { change: "family", reason: `${from} -> ${to} changes the type family` };
}

// ------------------------------------------------------------------ table and catalog diff

const REPLACE_WAY_OUT =
  "set allowDestructiveChanges = true to replace the StarRocks table: its CDC job is stopped, the table dropped and re-created empty, " +
  "and the job started from a fresh snapshot that refills it (the table is incomplete until the snapshot ends); " +
  "or change the source back";

const UPGRADE = "restarted with the new statements from a savepoint (from its newest checkpoint if the source change already failed it); no row is read twice or lost";
const RESNAPSHOT = "stopped with a savepoint and started again WITHOUT state (new label generation): it reads the whole table again, so rows written since the source's ALTER get the new column's real values; other tables' jobs are untouched";
const RESNAPSHOT_RETYPED = "stopped and started again WITHOUT state with the wider type: the old job read the column as its old type, so values beyond it written since the source's ALTER reached StarRocks wrapped or NULL; it reads the whole table again; other tables' jobs are untouched";
const RESNAPSHOT_DROPPED = "stopped and started again WITHOUT state with statements that no longer read the column (state restored across a dropped column fails: mysql-cdc's schema no longer matches the binlog rows); it reads the whole table again; other tables' jobs are untouched";

function tableRef(o: DiffOptions, table: string): string {
  return `${quoteIdent(o.database)}.${quoteIdent(table)}`;
}

/** Pure: the changes that turn the deployed definition of one table into the current one. */
export function diffTable(deployed: TableDef | undefined, current: TableDef | undefined, o: DiffOptions): SchemaChange[] {
  if (!deployed && !current) return [];
  if (!deployed) {
    const t = current!;
    return [{ table: t.name, kind: "new-table", class: "new-table", what: `new table ${t.name} (${t.columns.length} columns, key ${t.key.join(", ")})`, starrocks: [`CREATE TABLE ${tableRef(o, t.name)} (…) PRIMARY KEY (${t.key.map(quoteIdent).join(", ")})`], job: "a new CDC job replicates it from a full snapshot" }];
  }
  if (!current) {
    const t = deployed;
    return [{
      table: t.name, kind: "dropped-table", class: "dropped-table",
      what: `table ${t.name} is no longer in the source catalog (dropped or renamed)`,
      starrocks: o.dropRemovedTables ? [`DROP TABLE ${tableRef(o, t.name)} FORCE`] : [],
      job: `its CDC job is stopped with a savepoint${o.dropRemovedTables ? "" : "; the StarRocks table and its rows are kept"}`,
    }];
  }
  const table = current.name;
  const changes: SchemaChange[] = [];
  const was = starrocksColumns(deployed);
  const now = starrocksColumns(current);
  if (deployed.key.join(",") !== current.key.join(",")) {
    changes.push({ table, kind: "key-change", class: "refused", what: `primary key (${deployed.key.join(", ")}) -> (${current.key.join(", ")})`, starrocks: [], job: "unchanged until the change is resolved", wayOut: REPLACE_WAY_OUT });
  }
  const before = new Map(was.map((c) => [c.name, c]));
  const after = new Set(now.map((c) => c.name));
  let prev: string | undefined;
  for (const c of now) {
    const a = before.get(c.name);
    if (!a) {
      if (c.key) {
        // Covered by key-change above.
      } else if (c.nullable) {
        changes.push({ table, column: c.name, kind: "add-column", class: "re-snapshot", what: `column ${c.name} ${c.type} NULL added`, starrocks: [addSql(o, table, c, prev)], job: RESNAPSHOT });
      } else {
        const dflt = implicitDefault(c.type);
        if (dflt === undefined) {
          changes.push({ table, column: c.name, kind: "not-null-without-default", class: "refused", what: `column ${c.name} ${c.type} NOT NULL added`, starrocks: [], job: "unchanged until the change is resolved", wayOut: `StarRocks needs a DEFAULT to add a NOT NULL ${c.type} column to existing rows and the project knows none it accepts for that type; ${REPLACE_WAY_OUT}` });
        } else {
          changes.push({ table, column: c.name, kind: "add-column", class: "re-snapshot", what: `column ${c.name} ${c.type} NOT NULL added`, starrocks: [addSql(o, table, { ...c, default: dflt }, prev)], job: RESNAPSHOT });
        }
      }
    } else if (!c.key && !a.key) {
      const t = classifyTypeChange(a.type, c.type);
      const relax = a.nullable && !c.nullable ? "tighten" : !a.nullable && c.nullable ? "relax" : "same";
      if (t.change === "narrow" || t.change === "family") {
        changes.push({ table, column: c.name, kind: t.change === "narrow" ? "narrow-type" : "change-type-family", class: "refused", what: `column ${c.name}: ${t.reason}`, starrocks: [], job: "unchanged until the change is resolved", wayOut: REPLACE_WAY_OUT });
      } else if (relax === "tighten") {
        changes.push({ table, column: c.name, kind: "tighten-null", class: "refused", what: `column ${c.name}: NULL -> NOT NULL`, starrocks: [], job: "unchanged until the change is resolved", wayOut: `StarRocks refuses NULL -> NOT NULL on a column; ${REPLACE_WAY_OUT}` });
      } else if (t.change === "widen" || relax === "relax") {
        const words = [t.change === "widen" ? `${a.type} -> ${c.type}` : "", relax === "relax" ? "NOT NULL -> NULL" : ""].filter(Boolean).join(", ");
        // The job's SQL changes only when the Flink type or nullability does (a VARCHAR is a Flink STRING).
        const [fa, fc] = [deployed.columns.find((x) => x.name === c.name)!, current.columns.find((x) => x.name === c.name)!];
        const sameSql = (["source", "sink"] as const).every((side) => flinkType(fa.type, side) === flinkType(fc.type, side));
        // A Flink type the old job reads narrower (INT for a BIGINT) wrapped or nulled values beyond it since the
        // source's ALTER (seen on the real tier: 5000001173 arrived as 705033877): only a re-read mends those rows.
        const retyped = flinkType(fa.type, "source") !== flinkType(fc.type, "source");
        const job = retyped ? RESNAPSHOT_RETYPED : relax === "same" && sameSql ? `unchanged: its Flink SQL stays the same (${flinkType(fc.type)})` : UPGRADE;
        changes.push({ table, column: c.name, kind: t.change === "widen" ? "widen-type" : "relax-null", class: retyped ? "re-snapshot" : "in-place", what: `column ${c.name}: ${words}`, starrocks: [`ALTER TABLE ${tableRef(o, table)} MODIFY COLUMN ${starrocksColumnDef(c)}`], job });
      }
    } else if (a.type !== c.type) {
      changes.push({ table, column: c.name, kind: "key-change", class: "refused", what: `key column ${c.name}: ${a.type} -> ${c.type}`, starrocks: [], job: "unchanged until the change is resolved", wayOut: REPLACE_WAY_OUT });
    }
    prev = c.name;
  }
  for (const a of was) {
    if (after.has(a.name) || a.key) continue;
    if (o.dropRemovedColumns) {
      changes.push({ table, column: a.name, kind: "drop-column", class: "re-snapshot", what: `column ${a.name} dropped`, starrocks: [`ALTER TABLE ${tableRef(o, table)} DROP COLUMN ${quoteIdent(a.name)}`], job: RESNAPSHOT_DROPPED });
    } else {
      // Kept: loads no longer carry it, so a NOT NULL one must accept NULL.
      const sql = a.nullable ? [] : [`ALTER TABLE ${tableRef(o, table)} MODIFY COLUMN ${starrocksColumnDef({ ...a, nullable: true })}`];
      changes.push({ table, column: a.name, kind: "keep-column", class: "re-snapshot", what: `column ${a.name} dropped in the source; kept in StarRocks${a.nullable ? "" : " (made nullable)"}; the re-snapshot reloads every row without it, so it holds NULL afterwards`, starrocks: sql, job: RESNAPSHOT_DROPPED });
    }
  }
  return changes;
}

function addSql(o: DiffOptions, table: string, c: StarRocksColumn, after: string | undefined): string {
  return `ALTER TABLE ${tableRef(o, table)} ADD COLUMN ${starrocksColumnDef(c)}${after ? ` AFTER ${quoteIdent(after)}` : ""}`;
}

/** Pure: every change between two catalogs, table by table (current order, then tables that left). */
export function diffCatalog(deployed: readonly TableDef[], current: readonly TableDef[], o: DiffOptions): SchemaChange[] {
  const was = new Map(deployed.map((t) => [t.name, t]));
  const now = new Set(current.map((t) => t.name));
  return [
    ...current.flatMap((t) => diffTable(was.get(t.name), t, o)),
    ...deployed.filter((t) => !now.has(t.name)).flatMap((t) => diffTable(t, undefined, o)),
  ];
}

/** One line per change, for previews, errors and `cdc catalog diff`. */
export function describeChange(c: SchemaChange): string {
  const head = `${c.table}${c.column ? `.${c.column}` : ""}: ${c.what} [${c.class}]`;
  if (c.class === "refused") return `${head}. Refused: StarRocks cannot apply it in place. Way out: ${c.wayOut}`;
  const sql = c.starrocks.length ? ` StarRocks: ${c.starrocks.join("; ")}.` : " StarRocks: nothing to change.";
  return `${head}.${sql} Job: ${c.job}.`;
}

/**
 * Pulumi's diff display cuts every string value after 150 characters (and 3 lines) unless the user passes
 * --show-full-output (pkg/backend/display/object_diff.go truncatePropertyString, v3.260.0).
 */
export const PREVIEW_LINE_MAX = 150;

/**
 * The `schemaChanges` input: each change as lines short enough for `pulumi preview --diff` to show whole
 * (a one-line description lost its StarRocks statement and the job's action to the cut): the change first
 * (`table.column: what [class]`), then its StarRocks statements and the job's action (or the refusal and
 * the way out) indented by two spaces; a longer text goes on at word boundaries on lines indented four more.
 */
export function previewLines(changes: readonly SchemaChange[], max = PREVIEW_LINE_MAX): string[] {
  const wrap = (text: string, indent: string): string[] => {
    const out: string[] = [];
    let line = "";
    for (const word of text.split(" ")) {
      const next = line ? `${line} ${word}` : `${indent}${word}`;
      if (next.length <= max || !line) line = next;
      else {
        out.push(line);
        line = `${indent}    ${word}`;
      }
    }
    if (line) out.push(line);
    // A single word longer than a line (never in practice): cut it into pieces.
    return out.flatMap((l) => (l.length <= max ? [l] : l.match(new RegExp(`.{1,${max}}`, "g"))!));
  };
  return changes.flatMap((c) => [
    ...wrap(`${c.table}${c.column ? `.${c.column}` : ""}: ${c.what} [${c.class}]`, ""),
    ...(c.class === "refused"
      ? [...wrap("Refused: StarRocks cannot apply it in place.", "  "), ...wrap(`Way out: ${c.wayOut}`, "  ")]
      : [...(c.starrocks.length ? c.starrocks.map((sql) => wrap(`StarRocks: ${sql}`, "  ")).flat() : ["  StarRocks: nothing to change"]), ...wrap(`Job: ${c.job}`, "  ")]),
  ]);
}
