/**
 * `cdc catalog diff`: what differs between the source's tables now and the table definitions the stack last
 * deployed (its `catalog` output, or a JSON file of them), in words and `--json`. Exit 0 when nothing differs,
 * 1 when something does, so a scheduled job runs `pulumi up` only when needed. The classification is
 * catalog/diff.ts, the same one the Table provider's preview uses.
 */
import type { Connection } from "mysql2/promise";
import * as fs from "fs";
import { SchemaChange, describeChange, diffCatalog } from "../../catalog/diff";
import { buildSourceCatalog } from "../../catalog/source";
import type { TableDef } from "../../catalog/tables";
import { readSourceSchema } from "../../clients/mysql";
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
  /** Regular expression a table name must match in full (as the captureTables config key). */
  capture: string;
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

export function makeCatalogDiffCommand(readDeployed: DeployedReader = defaultDeployed): Command<CatalogOptions> {
  return {
    name: "diff",
    summary: " what differs between the source's tables and what the stack last deployed (exit 1 when something does)",
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
      if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`, true);
      const capture = (args.flags.capture as string | undefined) ?? ".*";
      try {
        new RegExp(capture);
      } catch (err) {
        throw new UsageError(`--capture ${capture} is not a regular expression: ${(err as Error).message}`);
      }
      return {
        deployed: args.flags.deployed as string | undefined,
        capture,
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

export const catalogDiffCommand = makeCatalogDiffCommand();

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
 * The source's tables as the stack's catalog would read them at preview (catalog/source.ts over
 * information_schema, with the MySQL type mapping of catalog/mysqlTypes.ts), captured by `capture`; the
 * heartbeat table is compared only when the source has it.
 */
export async function readSourceTables(conn: Connection, database: string, capture: string): Promise<TableDef[]> {
  const schema = await readSourceSchema(conn, database);
  const catalog = buildSourceCatalog(schema, { database, captureTables: capture, captureTablesExclude: "", excludeColumns: {}, keys: {}, buckets: {}, timeZone: "UTC" });
  const present = new Set(schema.tables.map((t) => t.TABLE_NAME));
  return catalog.tables.filter((t) => present.has(t.name));
}
