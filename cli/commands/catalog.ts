/**
 * `cdc catalog`: what the stack would replicate, without deploying: each table with its key, server-id
 * range and StarRocks settings, each column's MySQL → Flink → StarRocks type and how its value arrives,
 * and every warning (lossy, transformed, wide key, unconfirmed) and refusal. The configuration comes from
 * Pulumi.yaml and Pulumi.<stack>.yaml; a `catalog: source` stack reads the source's information_schema
 * with the --source login (or CDC_SOURCE_URL, or the stack's sourceUrl output).
 */
import * as path from "path";
import { arrivalOf } from "../../catalog/definition";
import { SourceUnreachableError, demoCatalog, readSourceCatalog } from "../../catalog/load";
import { Catalog, CatalogIssue } from "../../catalog/source";
import { ConfigError, StackConfig, resolveConfig } from "../../config";
import { flinkType, serverIdRange } from "../../render/flinkJob";
import { mysqlType } from "../../render/mysql";
import { starrocksType } from "../../render/starrocks";
import { readStackFiles } from "../../render/stackFiles";
import { Command, CommandResult, JSON_FLAG } from "../command";
import { Context } from "../context";
import { ConnectionError, EXIT, UsageError } from "../errors";
import { table } from "../render";

export interface CatalogColumnData {
  name: string;
  mysql: string;
  /** Flink type in the source table; `flinkSink` is set when the INSERT casts it. */
  flink: string;
  flinkSink?: string;
  starrocks: string;
  /** How the value arrives (README "Replicating your own database"). */
  arrives: string;
  nullable: boolean;
  key: boolean;
}

export interface CatalogTableData {
  name: string;
  key: string[];
  internal: boolean;
  serverIds: string;
  buckets?: number;
  chunkKeyColumn?: string;
  columns: CatalogColumnData[];
}

export interface CatalogData {
  stack: string;
  catalog: "demo" | "source";
  sourceDatabase: string;
  sinkDatabase: string;
  /** False when a table is refused: `pulumi preview` would fail. */
  ok: boolean;
  tables: CatalogTableData[];
  issues: CatalogIssue[];
}

interface CatalogOptions {
  stack: string;
  projectDir: string;
}

export const catalogCommand: Command<CatalogOptions> = {
  name: "catalog",
  summary: "what the stack would replicate: tables, MySQL -> Flink -> StarRocks types, warnings",
  usage: ["cdc catalog [--stack NAME] [--project-dir DIR] [--source mysql://…] [--json]"],
  needs: [],
  flags: [{ name: "project-dir", type: "string", value: "DIR", help: "where Pulumi.yaml and Pulumi.<stack>.yaml are (default: this project)" }, JSON_FLAG],
  parse(args) {
    if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`, true);
    return {
      stack: (args.flags.stack as string | undefined) ?? "dev",
      projectDir: path.resolve((args.flags["project-dir"] as string | undefined) ?? path.join(__dirname, "..", "..")),
    };
  },
  async run(ctx, { stack, projectDir }): Promise<CommandResult<CatalogData>> {
    let cfg: StackConfig;
    try {
      const { project, raw } = readStackFiles(projectDir, stack);
      cfg = resolveConfig(raw, { project, stack });
    } catch (err) {
      throw new UsageError(err instanceof ConfigError ? err.message : (err as Error).message);
    }
    const catalog = cfg.catalog.kind === "demo" ? demoCatalog(cfg) : await readCatalog(ctx, cfg);
    const data = catalogData(cfg, catalog);
    return { exitCode: data.ok ? EXIT.OK : EXIT.CHECK_FAILED, data, human: renderCatalog(data) };
  },
};

async function readCatalog(ctx: Context, cfg: StackConfig): Promise<Catalog> {
  const ep = ctx.endpoint("source");
  try {
    return await readSourceCatalog(cfg, ep.password, { host: ep.host, port: ep.port, user: ep.user }, 10_000);
  } catch (err) {
    if (err instanceof SourceUnreachableError) throw new ConnectionError(err.message);
    throw err;
  }
}

export function catalogData(cfg: StackConfig, c: Catalog): CatalogData {
  const tables = c.tables.map((t) => {
    const r = serverIdRange(cfg, t);
    return {
      name: t.name,
      key: t.key,
      internal: !!t.internal,
      serverIds: `${r.start}-${r.end}`,
      ...(t.buckets ? { buckets: t.buckets } : {}),
      ...(t.chunkKeyColumn ? { chunkKeyColumn: t.chunkKeyColumn } : {}),
      columns: t.columns.map((col) => {
        const flink = flinkType(col.type, "source");
        const sink = flinkType(col.type, "sink");
        return {
          name: col.name,
          mysql: mysqlType(col.type),
          flink,
          ...(sink !== flink ? { flinkSink: sink } : {}),
          starrocks: starrocksType(col.type),
          arrives: arrivalOf(col).kind,
          nullable: col.nullable,
          key: t.key.includes(col.name),
        };
      }),
    };
  });
  return {
    stack: cfg.stack,
    catalog: c.kind,
    sourceDatabase: cfg.source.database,
    sinkDatabase: cfg.starrocks.database,
    ok: !c.issues.some((i) => i.kind === "refused"),
    tables,
    issues: c.issues,
  };
}

export function renderCatalog(d: CatalogData): string {
  const out = [`stack ${d.stack}: catalog ${d.catalog}, ${d.sourceDatabase} -> ${d.sinkDatabase}, ${d.tables.length} table(s)`];
  for (const t of d.tables) {
    const extras = [`key (${t.key.join(", ")})`, `server-id ${t.serverIds}`, ...(t.buckets ? [`buckets ${t.buckets}`] : []), ...(t.chunkKeyColumn ? [`snapshot split on ${t.chunkKeyColumn}`] : []), ...(t.internal ? ["internal"] : [])];
    out.push("", `${t.name}: ${extras.join(", ")}`);
    out.push(table(["column", "MySQL", "Flink", "StarRocks", "arrives"], t.columns.map((c) => [
      `${c.name}${c.key ? " (key)" : ""}`,
      c.mysql,
      c.flinkSink ? `${c.flink} AS ${c.flinkSink}` : c.flink,
      `${c.starrocks}${c.nullable ? "" : " NOT NULL"}`,
      c.arrives,
    ])).split("\n").map((l) => "  " + l).join("\n"));
  }
  const warnings = d.issues.filter((i) => i.kind !== "refused");
  const refused = d.issues.filter((i) => i.kind === "refused");
  if (warnings.length) out.push("", "warnings:", ...warnings.map((i) => `  ${i.kind}: ${i.message}`));
  if (refused.length) out.push("", "refused (pulumi preview fails until these are fixed):", ...refused.map((i) => `  ${i.message}`));
  out.push("", d.ok ? "every table can be replicated" : `${refused.length} refusal(s)`);
  return out.join("\n");
}
