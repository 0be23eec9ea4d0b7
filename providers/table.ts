/**
 * StarRocks Primary Key table from the catalog (module "starrocks", type "Table"). The compared definition
 * is render/starrocks.ts `starrocksColumns` (plus the key). Adding or dropping a non-key column is an
 * in-place ALTER TABLE ADD/DROP COLUMN; a change to the key, the distribution, a column's type or
 * nullability is a replacement (drop and re-create, data lost), refused unless allowDestructiveChanges.
 * Read parses SHOW CREATE TABLE.
 */
import * as pulumi from "@pulumi/pulumi";
import type { TableDef } from "../catalog/tables";
import { SqlConnection } from "../clients/mysql";
import { ParsedTable, addColumn, createTable, dropColumn, dropTable, parseCreateTable, showCreateTable, withStarRocks } from "../clients/starrocks";
import { NotReadyError, waitFor } from "../clients/wait";
import { StarRocksColumn, starrocksColumns } from "../render/starrocks";
import { SQL_ENDPOINT_RULES, checkInputs, isUnknown, plain, sqlEndpoint, timeoutOf, withDefaults, SqlEndpointArgs, SQL_ENDPOINT_POLICY } from "./common";
import { ChangeKind, ChangePolicy, Props, classify, diffByPolicy, driftWhen, refuseDestructive } from "./policy";
import { PROVIDER_VERSION } from "./version";

export interface TablePlan {
  add: Array<{ column: StarRocksColumn; after?: string }>;
  drop: string[];
  /** Changes StarRocks cannot ALTER here, each naming the column. */
  incompatible: string[];
}

/** Pure: what turns the actual columns (and key) into the wanted ones. */
export function planTable(actual: { columns: StarRocksColumn[]; keys: string[]; distribution?: string[] }, wanted: { columns: StarRocksColumn[]; keys: string[] }): TablePlan {
  const plan: TablePlan = { add: [], drop: [], incompatible: [] };
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
      else plan.add.push({ column: w, after: prev });
    } else {
      if (a.type !== w.type) plan.incompatible.push(`column ${w.name}: type ${a.type} -> ${w.type}`);
      if (a.nullable !== w.nullable) plan.incompatible.push(`column ${w.name}: ${a.nullable ? "NULL" : "NOT NULL"} -> ${w.nullable ? "NULL" : "NOT NULL"}`);
    }
    prev = w.name;
  }
  for (const a of actual.columns) {
    if (wantedNames.has(a.name)) continue;
    if (a.key || actual.keys.includes(a.name)) plan.incompatible.push(`column ${a.name}: dropping a key column`);
    else plan.drop.push(a.name);
  }
  return plan;
}

function columnsOf(parsed: ParsedTable): StarRocksColumn[] {
  return parsed.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, key: parsed.keys.includes(c.name) }));
}

function wantedOf(p: Props): { columns: StarRocksColumn[]; keys: string[] } {
  return { columns: p.columns as StarRocksColumn[], keys: p.keys as string[] };
}

function refusal(p: Props, incompatible: string[]): string {
  return (
    `StarRocks table ${p.database}.${p.table}: ${incompatible.join("; ")}. StarRocks cannot apply this with ALTER TABLE ADD/DROP COLUMN; ` +
    `it needs the table dropped and re-created, which loses its data (the CDC job re-snapshots it). Refused; set allowDestructiveChanges = true to allow it.`
  );
}

export const TABLE_POLICY: ChangePolicy = {
  ...SQL_ENDPOINT_POLICY,
  database: "replace",
  table: "replace",
  keys: "replace",
  columns: classify("columns", (o, n): ChangeKind => {
    if (!Array.isArray(n)) return "update";
    const plan = planTable({ columns: (o ?? []) as StarRocksColumn[], keys: [] }, { columns: n as StarRocksColumn[], keys: [] });
    return plan.incompatible.length ? "replace" : "update";
  }),
  // The catalog definition is compared through its rendered columns and keys.
  definition: "ignore",
  allowDestructiveChanges: "ignore",
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

/** Observes the table and applies the plan. Returns the table as it is afterwards. */
async function converge(c: SqlConnection, p: Props): Promise<ParsedTable> {
  const db = String(p.database);
  const table = String(p.table);
  const def = p.definition as TableDef;
  let ddl = await showCreateTable(c, db, table);
  if (ddl) {
    const parsed = parseCreateTable(ddl);
    const plan = planTable({ columns: columnsOf(parsed), keys: parsed.keys, distribution: parsed.distribution }, wantedOf(p));
    if (plan.incompatible.length) {
      if (p.allowDestructiveChanges !== true) throw new Error(refusal(p, plan.incompatible));
      await dropTable(c, db, table);
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
    }
  }
  if (!ddl) await createTable(c, db, def);
  const after = await showCreateTable(c, db, table);
  if (!after) throw new Error(`StarRocks table ${db}.${table} is missing right after CREATE TABLE at ${p.host}:${p.port}`);
  return parseCreateTable(after);
}

export const tableProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Props, news: Props) {
    const inputs = withDefaults(news, { user: "root", allowDestructiveChanges: false });
    const failures = checkInputs(inputs, { ...SQL_ENDPOINT_RULES, database: "nonEmptyString", definition: "object", allowDestructiveChanges: "boolean" });
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
    const t = await withStarRocks(sqlEndpoint(p), { timeoutMs: timeoutOf(p) }, (c) => converge(c, p));
    return { id: `${p.database}.${p.table}`, outs: { ...p, columns: columnsOf(t), keys: t.keys, exists: true } };
  },

  async read(id: string, props: Props) {
    const ddl = await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, (c) => showCreateTable(c, String(props.database), String(props.table)));
    if (!ddl) return { id: "", props: {} };
    const t = parseCreateTable(ddl);
    return { id, props: { ...props, columns: columnsOf(t), keys: t.keys, exists: true } };
  },

  async update(_id: string, _olds: Props, news: Props) {
    const p = plain(news);
    const t = await withStarRocks(sqlEndpoint(p), { timeoutMs: timeoutOf(p) }, (c) => converge(c, p));
    return { outs: { ...p, columns: columnsOf(t), keys: t.keys, exists: true } };
  },

  async delete(_id: string, props: Props) {
    await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, async (c) => {
      if (await showCreateTable(c, String(props.database), String(props.table))) await dropTable(c, String(props.database), String(props.table));
    });
  },
};

export interface TableArgs extends SqlEndpointArgs {
  database: pulumi.Input<string>;
  /** The catalog entry (catalog/tables.ts `findTable(name)`). */
  definition: pulumi.Input<TableDef>;
  allowDestructiveChanges?: pulumi.Input<boolean>;
}

export class Table extends pulumi.dynamic.Resource {
  declare readonly table: pulumi.Output<string>;
  declare readonly columns: pulumi.Output<StarRocksColumn[]>;
  declare readonly keys: pulumi.Output<string[]>;
  constructor(name: string, args: TableArgs, opts?: pulumi.CustomResourceOptions) {
    super(tableProvider, name, { ...args, providerVersion: PROVIDER_VERSION, table: undefined, columns: undefined, keys: undefined, exists: undefined },
      { ...opts, additionalSecretOutputs: ["password", ...(opts?.additionalSecretOutputs ?? [])] }, "starrocks", "Table");
  }
}
