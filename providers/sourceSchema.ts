/**
 * Managed-mode source schema (module "mysql", type "SourceSchema"): the catalog's tables and deterministic
 * sample rows in MySQL, rendered by render/mysql.ts (CREATE ... IF NOT EXISTS, INSERT IGNORE, so applying
 * twice changes nothing). Read reports which of the tables exist.
 */
import * as pulumi from "@pulumi/pulumi";
import { findTable } from "../catalog/tables";
import { SqlConnection, query, withMysql } from "../clients/mysql";
import { createDatabaseSql, createTableSql, sampleRowsSql } from "../render/mysql";
import { quoteIdent } from "../render/sql";
import { SQL_ENDPOINT_RULES, checkInputs, isUnknown, plain, sqlEndpoint, timeoutOf, withDefaults, SqlEndpointArgs, SQL_ENDPOINT_POLICY } from "./common";
import { ChangePolicy, Props, policyDiff } from "./policy";
import { PROVIDER_VERSION } from "./version";

const SERVICE = "MySQL source";

export const SOURCE_SCHEMA_POLICY: ChangePolicy = {
  ...SQL_ENDPOINT_POLICY,
  database: "replace",
  tables: "update",
  sampleRows: "update",
  providerVersion: "update",
  timeoutMs: "ignore",
  // Observed by read: a wanted table is missing.
  existingTables: (olds) => {
    const have = (olds.existingTables ?? []) as string[];
    const want = (olds.tables ?? []) as string[];
    return Array.isArray(olds.existingTables) && want.some((t) => !have.includes(t)) ? "update" : "ignore";
  },
};

async function existingTables(c: SqlConnection, database: string): Promise<string[]> {
  const rows = await query(c, "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", [database]);
  return rows.map((r) => String(r.t));
}

async function apply(p: Props): Promise<string[]> {
  const db = String(p.database);
  const tables = (p.tables as string[]).map(findTable);
  return withMysql(sqlEndpoint(p), { service: SERVICE, timeoutMs: timeoutOf(p) }, async (c) => {
    await query(c, createDatabaseSql(db));
    const before = await existingTables(c, db);
    for (const t of tables) {
      if (!before.includes(t.name)) await query(c, createTableSql(db, t));
      const rows = sampleRowsSql(db, t, Number(p.sampleRows));
      if (rows) await query(c, rows);
    }
    return existingTables(c, db);
  });
}

export const sourceSchemaProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Props, news: Props) {
    const inputs = withDefaults(news, { user: "root", sampleRows: 0 });
    const failures = checkInputs(inputs, { ...SQL_ENDPOINT_RULES, database: "nonEmptyString", tables: "stringArray", sampleRows: "nonNegativeInt" });
    if (Array.isArray(inputs.tables) && !isUnknown(inputs.tables)) {
      for (const t of inputs.tables as string[]) {
        try {
          findTable(t);
        } catch (err) {
          failures.push({ property: "tables", reason: `tables: ${(err as Error).message}` });
        }
      }
    }
    return { inputs, failures };
  },
  diff: policyDiff(SOURCE_SCHEMA_POLICY),
  async create(inputs: Props) {
    const p = plain(inputs);
    return { id: String(p.database), outs: { ...p, existingTables: await apply(p) } };
  },
  async read(id: string, props: Props) {
    const have = await withMysql(sqlEndpoint(props), { service: SERVICE, timeoutMs: timeoutOf(props) }, (c) => existingTables(c, id));
    const mine = have.filter((t) => ((props.tables ?? []) as string[]).includes(t));
    if (mine.length === 0) return { id: "", props: {} };
    return { id, props: { ...props, existingTables: have } };
  },
  // Tables dropped from the list are left in MySQL: the source data is never deleted by an update.
  async update(_id: string, _olds: Props, news: Props) {
    const p = plain(news);
    return { outs: { ...p, existingTables: await apply(p) } };
  },
  async delete(id: string, props: Props) {
    await withMysql(sqlEndpoint(props), { service: SERVICE, timeoutMs: timeoutOf(props) }, async (c) => {
      for (const t of (props.tables ?? []) as string[]) await query(c, `DROP TABLE IF EXISTS ${quoteIdent(id)}.${quoteIdent(t)}`);
      // The database goes only when nothing else is left in it.
      if ((await existingTables(c, id)).length === 0) await query(c, `DROP DATABASE IF EXISTS ${quoteIdent(id)}`);
    });
  },
};

export interface SourceSchemaArgs extends SqlEndpointArgs {
  database: pulumi.Input<string>;
  /** Catalog table names, e.g. replicatedTables(cfg.tables).map((t) => t.name). */
  tables: pulumi.Input<pulumi.Input<string>[]>;
  sampleRows?: pulumi.Input<number>;
}

export class SourceSchema extends pulumi.dynamic.Resource {
  declare readonly existingTables: pulumi.Output<string[]>;
  constructor(name: string, args: SourceSchemaArgs, opts?: pulumi.CustomResourceOptions) {
    super(sourceSchemaProvider, name, { ...args, providerVersion: PROVIDER_VERSION, existingTables: undefined },
      { ...opts, additionalSecretOutputs: ["password", ...(opts?.additionalSecretOutputs ?? [])] }, "mysql", "SourceSchema");
  }
}
