/**
 * StarRocks Primary Key table from the catalog (module "starrocks", type "Table"). The compared definition
 * is render/starrocks.ts `starrocksColumns` (plus the key). In place, as ALTER TABLE schema changes:
 * adding a value column (a NOT NULL one with MySQL's implicit default for old rows, since StarRocks refuses
 * NOT NULL without DEFAULT), dropping one, widening a VARCHAR value column and relaxing NOT NULL to NULL on
 * one (MODIFY COLUMN; SchemaChangeHandler.processModifyColumn refuses only key and sort columns of Primary Key
 * tables, Column.checkSchemaChangeAllowed refuses NULL -> NOT NULL and shorter strings). Anything else (the
 * key, the distribution, another type change, NULL -> NOT NULL, a NOT NULL DATETIME added to existing rows)
 * is a replacement (drop and re-create, data lost), refused unless allowDestructiveChanges.
 *
 * Drops use FORCE when `forceDrop` (default; the data is meant to go): not blocked by loads COMMITTED but
 * not yet VISIBLE, and nothing left in the recycle bin holding the storage volume. Without it the drop is
 * retried while such loads exist. A replacement's delete runs after the table's CDC job was deleted (the
 * job takes the table's id as its `sinkTable` input and is replaced with it; Pulumi deletes such dependants
 * of a delete-before-replace resource first). Read parses SHOW CREATE TABLE.
 */
import * as pulumi from "@pulumi/pulumi";
import { classifyTypeChange, diffTable, previewLines } from "../catalog/diff";
import type { TableDef } from "../catalog/tables";
import { SqlConnection } from "../clients/mysql";
import { ParsedTable, addColumn, createTable, dropColumn, dropTable, modifyColumn, parseCreateTable, showCreateTable, withStarRocks } from "../clients/starrocks";
import { NotReadyError, waitFor } from "../clients/wait";
import { StarRocksColumn, implicitDefault, starrocksColumns } from "../render/starrocks";
import { SQL_ENDPOINT_RULES, checkInputs, isUnknown, plain, sqlEndpoint, timeoutOf, withDefaults, SqlEndpointArgs, SQL_ENDPOINT_POLICY } from "./common";
import { ChangeKind, ChangePolicy, Props, diffByPolicy, driftWhen, refuseDestructive } from "./policy";
import { PROVIDER_VERSION } from "./version";

export interface TablePlan {
  /** Columns to add; a NOT NULL one carries its DEFAULT. */
  add: Array<{ column: StarRocksColumn; after?: string }>;
  drop: string[];
  /** Value columns to MODIFY in place: the wanted definition (a longer VARCHAR and/or NULL). */
  modify: StarRocksColumn[];
  /** Changes StarRocks cannot ALTER here, each naming the column. */
  incompatible: string[];
}

/** What happens to a StarRocks value column whose catalog column is gone. */
export interface PlanOptions {
  /** Drop it (true), or keep it (default), made nullable so loads that no longer carry it succeed. */
  dropRemovedColumns?: boolean;
}

/** Pure: what turns the actual columns (and key) into the wanted ones. */
export function planTable(actual: { columns: StarRocksColumn[]; keys: string[]; distribution?: string[] }, wanted: { columns: StarRocksColumn[]; keys: string[] }, opts: PlanOptions = {}): TablePlan {
  const plan: TablePlan = { add: [], drop: [], modify: [], incompatible: [] };
  if (actual.keys.join(",") !== wanted.keys.join(",")) plan.incompatible.push(`primary key (${actual.keys.join(", ")}) -> (${wanted.keys.join(", ")})`);
  if (actual.distribution && actual.distribution.length && actual.distribution.join(",") !== wanted.keys.join(",")) {
    plan.incompatible.push(`distribution HASH(${actual.distribution.join(", ")}) -> HASH(${wanted.keys.join(", ")})`);
  }
  const byName = new Map(actual.columns.map((c) => [c.name, c]));
  const wantedNames = new Set(wanted.columns.map((c) => c.name));
  let prev: string | undefined;
  for (const w of wanted.columns) {
    const a = byName.get(w.name);
    if (!a) {
      if (w.key) plan.incompatible.push(`column ${w.name}: new key column`);
      else if (w.nullable) plan.add.push({ column: w, after: prev });
      else {
        const dflt = implicitDefault(w.type);
        if (dflt === undefined) {
          plan.incompatible.push(`column ${w.name}: a NOT NULL ${w.type} column cannot be added to existing rows (StarRocks needs a DEFAULT, and the project knows none StarRocks accepts for ${w.type}; make it nullable in the source, or replace the table with allowDestructiveChanges)`);
        } else plan.add.push({ column: { ...w, default: dflt }, after: prev });
      }
    } else {
      let modify = false;
      if (a.type !== w.type) {
        // A longer VARCHAR, a wider integer, a DECIMAL with more precision: in place (catalog/diff.ts).
        const t = classifyTypeChange(a.type, w.type);
        if (!w.key && !a.key && t.change === "widen") modify = true;
        else plan.incompatible.push(`column ${w.name}: type ${a.type} -> ${w.type}`);
      }
      if (a.nullable !== w.nullable) {
        if (!w.key && !a.key && w.nullable) modify = true;
        else plan.incompatible.push(`column ${w.name}: ${a.nullable ? "NULL" : "NOT NULL"} -> ${w.nullable ? "NULL" : "NOT NULL"}`);
      }
      // The column keeps its DEFAULT: MODIFY must restate it unchanged.
      if (modify) plan.modify.push({ ...w, ...(a.default !== undefined ? { default: a.default } : {}) });
    }
    prev = w.name;
  }
  for (const a of actual.columns) {
    if (wantedNames.has(a.name)) continue;
    if (a.key || actual.keys.includes(a.name)) plan.incompatible.push(`column ${a.name}: dropping a key column`);
    else if (opts.dropRemovedColumns) plan.drop.push(a.name);
    // Kept: the job no longer loads it, so a NOT NULL one must accept NULL (or every load fails).
    else if (!a.nullable) plan.modify.push({ ...a, nullable: true });
  }
  return plan;
}

/** Whether a plan changes nothing. */
export function planIsEmpty(p: TablePlan): boolean {
  return !p.add.length && !p.drop.length && !p.modify.length && !p.incompatible.length;
}

/** Columns as outputs record them (no DEFAULT: the catalog has none, so it would show as a change). */
function columnsOf(parsed: ParsedTable): StarRocksColumn[] {
  return parsed.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, key: parsed.keys.includes(c.name) }));
}

/** Columns with their DEFAULT, for planning against the live table. */
function liveColumnsOf(parsed: ParsedTable): StarRocksColumn[] {
  return columnsOf(parsed).map((c, i) => {
    const dflt = parsed.columns[i].default;
    return dflt === undefined ? c : { ...c, default: dflt };
  });
}

function wantedOf(p: Props): { columns: StarRocksColumn[]; keys: string[] } {
  return { columns: p.columns as StarRocksColumn[], keys: p.keys as string[] };
}

function refusal(p: Props, incompatible: string[]): string {
  return (
    `StarRocks table ${p.database}.${p.table}: ${incompatible.join("; ")}. StarRocks cannot apply this with ALTER TABLE ADD/DROP/MODIFY COLUMN; ` +
    `it needs the table dropped and re-created, which loses its data (its CDC job is stopped first and re-created with a fresh snapshot). ` +
    `Refused; set allowDestructiveChanges = true to allow it.`
  );
}

function dropOptions(p: Props, force: boolean) {
  return { force, timeoutMs: timeoutOf(p), where: `${p.host}:${p.port}` };
}

export const TABLE_POLICY: ChangePolicy = {
  ...SQL_ENDPOINT_POLICY,
  database: "replace",
  table: "replace",
  keys: "replace",
  // Compared as a plan, not as values: a source column dropped and kept in StarRocks (nullable) is no change.
  columns: (olds, news): ChangeKind => {
    const n = news.columns;
    if (isUnknown(n) || !Array.isArray(n)) return "update";
    const plan = planTable({ columns: (olds.columns ?? []) as StarRocksColumn[], keys: [] }, { columns: n as StarRocksColumn[], keys: [] }, { dropRemovedColumns: news.dropRemovedColumns === true });
    if (plan.incompatible.length) return "replace";
    return planIsEmpty(plan) ? "ignore" : "update";
  },
  dropRemovedColumns: "update",
  // Readable summary of the pending schema change (check), recorded empty once applied; shown, never acted on.
  schemaChanges: "ignore",
  // The catalog definition is compared through its rendered columns and keys.
  definition: "ignore",
  allowDestructiveChanges: "ignore",
  // Used when the table is dropped; recorded by an update (which changes nothing in StarRocks), so delete sees the current value.
  forceDrop: "update",
  providerVersion: "update",
  timeoutMs: "ignore",
  exists: driftWhen((o) => o.exists === false),
};

/** Waits until SHOW CREATE TABLE reflects a schema change (StarRocks runs them as asynchronous jobs). */
async function waitForSchema(c: SqlConnection, p: Props, done: (t: ParsedTable) => boolean, what: string): Promise<void> {
  await waitFor(
    async () => {
      const ddl = await showCreateTable(c, String(p.database), String(p.table));
      if (!ddl) throw new NotReadyError(`table ${p.database}.${p.table} is not listed`);
      if (!done(parseCreateTable(ddl))) throw new NotReadyError(`schema change still running (${what})`);
    },
    { what: `StarRocks to finish ${what} on ${p.database}.${p.table}`, where: `${p.host}:${p.port}`, timeoutMs: timeoutOf(p) },
  );
}

/**
 * Observes the table and applies the plan. Returns the table as it is afterwards. `recreate` says what an
 * incompatible live table means: on create (a table adopted from before) it is dropped with FORCE and
 * re-created when allowed; on update the table changed behind Pulumi's back, and re-creating it here would
 * drop it under its running CDC job, so the update refuses and points to the refresh that plans a proper
 * replacement.
 */
async function converge(c: SqlConnection, p: Props, recreate: "allowed" | "refused"): Promise<ParsedTable> {
  const db = String(p.database);
  const table = String(p.table);
  const def = p.definition as TableDef;
  let ddl = await showCreateTable(c, db, table);
  if (ddl) {
    const parsed = parseCreateTable(ddl);
    const plan = planTable({ columns: liveColumnsOf(parsed), keys: parsed.keys, distribution: parsed.distribution }, wantedOf(p), { dropRemovedColumns: p.dropRemovedColumns === true });
    if (plan.incompatible.length) {
      if (p.allowDestructiveChanges !== true) throw new Error(refusal(p, plan.incompatible));
      if (recreate === "refused") {
        throw new Error(
          `StarRocks table ${db}.${table} changed outside Pulumi (${plan.incompatible.join("; ")}). Run \`pulumi up --refresh\`: ` +
            `the refreshed state plans a replacement, which stops the table's CDC job before the table is dropped and re-created.`,
        );
      }
      // The data is meant to go: FORCE, so loads COMMITTED by an earlier writer do not block it.
      await dropTable(c, db, table, dropOptions(p, true));
      ddl = undefined;
    } else {
      for (const { column, after } of plan.add) {
        await addColumn(c, db, table, column, after);
        await waitForSchema(c, p, (t) => t.columns.some((x) => x.name === column.name), `ADD COLUMN ${column.name}`);
      }
      for (const name of plan.drop) {
        await dropColumn(c, db, table, name);
        await waitForSchema(c, p, (t) => !t.columns.some((x) => x.name === name), `DROP COLUMN ${name}`);
      }
      for (const column of plan.modify) {
        await modifyColumn(c, db, table, column);
        await waitForSchema(c, p, (t) => t.columns.some((x) => x.name === column.name && x.type === column.type && x.nullable === column.nullable), `MODIFY COLUMN ${column.name}`);
      }
    }
  }
  if (!ddl) await createTable(c, db, def);
  const after = await showCreateTable(c, db, table);
  if (!after) throw new Error(`StarRocks table ${db}.${table} is missing right after CREATE TABLE at ${p.host}:${p.port}`);
  return parseCreateTable(after);
}

export const tableProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Props, news: Props) {
    const inputs = withDefaults(news, { user: "root", allowDestructiveChanges: false, forceDrop: true, dropRemovedColumns: false });
    const failures = checkInputs(inputs, { ...SQL_ENDPOINT_RULES, database: "nonEmptyString", definition: "object", allowDestructiveChanges: "boolean", forceDrop: "boolean", dropRemovedColumns: "boolean" });
    const def = inputs.definition as TableDef | undefined;
    if (def && typeof def === "object" && !isUnknown(def)) {
      if (!def.name || !Array.isArray(def.columns) || !Array.isArray(def.key) || def.key.length === 0) {
        failures.push({ property: "definition", reason: "definition: must be a catalog table (name, key, columns)" });
      } else {
        const missing = def.key.filter((k) => !def.columns.some((c) => c.name === k));
        if (missing.length) failures.push({ property: "definition", reason: `definition: key column(s) ${missing.join(", ")} of table ${def.name} are not in its column list` });
        else {
          inputs.table = def.name;
          inputs.columns = starrocksColumns(def);
          inputs.keys = [...def.key];
          // What the preview should say about a source schema change: table, column, statement, the job's action.
          const was = olds.definition as TableDef | undefined;
          inputs.schemaChanges = was && typeof was === "object" && Array.isArray(was.columns) && !isUnknown(inputs.database)
            ? previewLines(diffTable(was, def, { database: String(inputs.database), dropRemovedColumns: inputs.dropRemovedColumns === true }))
            : [];
        }
      }
    }
    return { inputs, failures };
  },

  async diff(_id: string, olds: Props, news: Props) {
    const d = diffByPolicy(olds, news, TABLE_POLICY);
    refuseDestructive(d, ["columns", "keys", "database", "table"], news.allowDestructiveChanges === true, () => {
      const plan = planTable(
        { columns: (olds.columns ?? []) as StarRocksColumn[], keys: (olds.keys ?? []) as string[] },
        { columns: (news.columns ?? []) as StarRocksColumn[], keys: (news.keys ?? []) as string[] },
      );
      const what = plan.incompatible.length ? plan.incompatible : d.replaces.map((k) => `${k} ${JSON.stringify(olds[k])} -> ${JSON.stringify(news[k])}`);
      return refusal({ ...news, database: olds.database, table: olds.table }, what);
    });
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
  },

  async create(inputs: Props) {
    const p = plain(inputs);
    const t = await withStarRocks(sqlEndpoint(p), { timeoutMs: timeoutOf(p) }, (c) => converge(c, p, "allowed"));
    return { id: `${p.database}.${p.table}`, outs: { ...p, columns: columnsOf(t), keys: t.keys, exists: true, schemaChanges: [] } };
  },

  async read(id: string, props: Props) {
    const ddl = await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, (c) => showCreateTable(c, String(props.database), String(props.table)));
    if (!ddl) return { id: "", props: {} };
    const t = parseCreateTable(ddl);
    return { id, props: { ...props, columns: columnsOf(t), keys: t.keys, exists: true } };
  },

  async update(_id: string, _olds: Props, news: Props) {
    const p = plain(news);
    const t = await withStarRocks(sqlEndpoint(p), { timeoutMs: timeoutOf(p) }, (c) => converge(c, p, "refused"));
    return { outs: { ...p, columns: columnsOf(t), keys: t.keys, exists: true, schemaChanges: [] } };
  },

  async delete(_id: string, props: Props) {
    await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, async (c) => {
      // Outputs written before forceDrop existed lack it: the default applies.
      const force = props.forceDrop !== false;
      if (await showCreateTable(c, String(props.database), String(props.table))) await dropTable(c, String(props.database), String(props.table), dropOptions(props, force));
    });
  },
};

export interface TableArgs extends SqlEndpointArgs {
  database: pulumi.Input<string>;
  /** The catalog entry (catalog/tables.ts `findTable(name)`). */
  definition: pulumi.Input<TableDef>;
  allowDestructiveChanges?: pulumi.Input<boolean>;
  /**
   * Drop with FORCE when the table goes (default true: the data is meant to go). false = a plain DROP,
   * recoverable with RECOVER TABLE until the recycle bin expires, retried while loads are COMMITTED.
   */
  forceDrop?: pulumi.Input<boolean>;
  /** Drop a StarRocks column whose catalog column is gone (default false: keep it, made nullable). */
  dropRemovedColumns?: pulumi.Input<boolean>;
}

export class Table extends pulumi.dynamic.Resource {
  declare readonly table: pulumi.Output<string>;
  declare readonly columns: pulumi.Output<StarRocksColumn[]>;
  declare readonly keys: pulumi.Output<string[]>;
  constructor(name: string, args: TableArgs, opts?: pulumi.CustomResourceOptions) {
    super(tableProvider, name, { ...args, providerVersion: PROVIDER_VERSION, table: undefined, columns: undefined, keys: undefined, exists: undefined, schemaChanges: undefined },
      { ...opts, additionalSecretOutputs: ["password", ...(opts?.additionalSecretOutputs ?? [])] }, "starrocks", "Table");
  }
}
