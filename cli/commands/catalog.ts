/**
 * `cdc catalog diff`: what differs between the source's tables now and the table definitions the stack last
 * deployed (its `catalog` output, or a JSON file of them), in words and `--json`. Exit 0 when nothing differs,
 * 1 when something does, so a scheduled job runs `pulumi up` only when needed. The classification is
 * catalog/diff.ts, the same one the Table provider's preview uses.
 */
import type { Connection } from "mysql2/promise";
import * as fs from "fs";
import { SchemaChange, describeChange, diffCatalog } from "../../catalog/diff";
import type { Column, ColumnType, TableDef } from "../../catalog/tables";
import { Command, CommandResult, JSON_FLAG } from "../command";
import { describeEndpoint } from "../connections";
import { EXIT, UsageError } from "../errors";

export interface CatalogDiffData {
  source: string;
  /** Where the deployed definitions came from (a file, or the stack's `catalog` output). */
  deployedFrom: string;
  differs: boolean;
  /** Changes StarRocks cannot make in place: `up` refuses them until resolved. */
  refused: number;
  changes: SchemaChange[];
}

interface CatalogOptions {
  deployed?: string;
  capture: RegExp;
  dropRemovedColumns: boolean;
  dropRemovedTables: boolean;
  sinkDatabase: string;
}

/** Deployed definitions: injectable for tests (the default reads --deployed FILE or the stack's `catalog` output). */
export type DeployedReader = (opts: CatalogOptions, stackCatalog: () => unknown) => { from: string; tables: TableDef[] };

const defaultDeployed: DeployedReader = (opts, stackCatalog) => {
  const raw = opts.deployed ? JSON.parse(fs.readFileSync(opts.deployed, "utf8")) : stackCatalog();
  const from = opts.deployed ? opts.deployed : "the stack's catalog output";
  if (!Array.isArray(raw) || raw.some((t) => !t || typeof t.name !== "string" || !Array.isArray(t.columns) || !Array.isArray(t.key))) {
    throw new UsageError(`${from} is not a list of table definitions (name, key, columns); pass --deployed FILE or --stack NAME of a stack deployed with this version`);
  }
  return { from, tables: raw as TableDef[] };
};

export function makeCatalogCommand(readDeployed: DeployedReader = defaultDeployed): Command<CatalogOptions> {
  return {
    name: "catalog",
    summary: "diff: what differs between the source's tables and what the stack last deployed (exit 1 when something does)",
    usage: ["cdc catalog diff --source mysql://… (--stack NAME | --deployed FILE) [--capture REGEX] [--drop-removed-columns] [--drop-removed-tables] [--json]"],
    needs: ["source"],
    flags: [
      { name: "deployed", type: "string", value: "FILE", help: "JSON list of the deployed table definitions (default: the stack's `catalog` output)" },
      { name: "capture", type: "string", value: "REGEX", help: "source tables to compare (default: every base table of the source database)" },
      { name: "sink-database", type: "string", value: "NAME", help: "StarRocks database named in the statements (default shop)" },
      { name: "drop-removed-columns", type: "boolean", help: "as the dropRemovedColumns config key: show DROP COLUMN for columns gone from the source" },
      { name: "drop-removed-tables", type: "boolean", help: "as the dropRemovedTables config key: show DROP TABLE for tables gone from the source" },
      JSON_FLAG,
    ],
    parse(args) {
      if (args.positionals[0] !== "diff" || args.positionals.length > 1) throw new UsageError(`expected "cdc catalog diff"`, true);
      const capture = (args.flags.capture as string | undefined) ?? ".*";
      let re: RegExp;
      try {
        re = new RegExp(`^(?:${capture})$`);
      } catch (err) {
        throw new UsageError(`--capture ${capture} is not a regular expression: ${(err as Error).message}`);
      }
      return {
        deployed: args.flags.deployed as string | undefined,
        capture: re,
        sinkDatabase: (args.flags["sink-database"] as string | undefined) ?? "shop",
        dropRemovedColumns: args.flags["drop-removed-columns"] === true,
        dropRemovedTables: args.flags["drop-removed-tables"] === true,
      };
    },
    async run(ctx, opts): Promise<CommandResult<CatalogDiffData>> {
      const ep = ctx.endpoint("source");
      const deployed = readDeployed(opts, () => ctx.connections.stackCatalog());
      const conn = await ctx.conn("source");
      const current = await readSourceTables(conn, ep.database, opts.capture);
      const changes = diffCatalog(deployed.tables, current, { database: opts.sinkDatabase, dropRemovedColumns: opts.dropRemovedColumns, dropRemovedTables: opts.dropRemovedTables });
      const data: CatalogDiffData = { source: describeEndpoint(ep), deployedFrom: deployed.from, differs: changes.length > 0, refused: changes.filter((c) => c.class === "refused").length, changes };
      return { exitCode: data.differs ? EXIT.CHECK_FAILED : EXIT.OK, data, human: renderCatalogDiff(data) };
    },
  };
}

export const catalogCommand = makeCatalogCommand();

export function renderCatalogDiff(d: CatalogDiffData): string {
  if (!d.differs) return `${d.source} matches ${d.deployedFrom}: nothing to deploy`;
  return [
    `${d.source} differs from ${d.deployedFrom} (${d.changes.length} change(s)${d.refused ? `, ${d.refused} refused by up until resolved` : ""}):`,
    ...d.changes.map((c) => `  - ${describeChange(c)}`),
    "",
    d.refused ? "resolve the refused change(s), then run pulumi up" : "run pulumi up to apply",
  ].join("\n");
}

// ------------------------------------------------------------------ the source's tables

/**
 * The source's tables as catalog definitions, from information_schema (COLUMNS, and the PRIMARY key's
 * columns in KEY_COLUMN_USAGE order). Maps the types the catalog knows (BIGINT, INT, VARCHAR, DECIMAL,
 * DATETIME); a column of another type is reported, not guessed.
 */
export async function readSourceTables(conn: Connection, database: string, capture: RegExp): Promise<TableDef[]> {
  const [tables] = await conn.query("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", [database]);
  const names = (tables as Array<{ t: string }>).map((r) => r.t).filter((t) => capture.test(t));
  if (!names.length) return [];
  const [cols] = await conn.query(
    "SELECT TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS dt, CHARACTER_MAXIMUM_LENGTH AS len, NUMERIC_PRECISION AS p, NUMERIC_SCALE AS s, IS_NULLABLE AS n, COLUMN_COMMENT AS cm " +
      "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, ORDINAL_POSITION",
    [database, names],
  );
  const [keys] = await conn.query(
    "SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND CONSTRAINT_NAME = 'PRIMARY' AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, ORDINAL_POSITION",
    [database, names],
  );
  return names.map((name) => {
    const columns: Column[] = (cols as any[]).filter((r) => r.t === name).map((r) => ({ name: r.c, type: columnType(name, r), nullable: r.n === "YES", ...(r.cm ? { comment: r.cm } : {}) }));
    const key = (keys as any[]).filter((r) => r.t === name).map((r) => r.c as string);
    return { name, key, columns, description: "" };
  });
}

function columnType(table: string, r: { c: string; dt: string; len: unknown; p: unknown; s: unknown }): ColumnType {
  switch (String(r.dt).toLowerCase()) {
    case "bigint": return { kind: "bigint" };
    case "int": return { kind: "int" };
    case "varchar": return { kind: "varchar", length: Number(r.len) };
    case "decimal": return { kind: "decimal", precision: Number(r.p), scale: Number(r.s) };
    case "datetime": return { kind: "datetime" };
    default: throw new UsageError(`source column ${table}.${r.c} has type ${r.dt}, which the catalog does not map; leave the table out with --capture`);
  }
}
