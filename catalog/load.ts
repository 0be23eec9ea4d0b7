/**
 * The stack's catalog, where the program and `npm run render` get their tables: the demo tables (pure), or
 * the source's own tables, read from its information_schema at preview (the one I/O step, through
 * clients/mysql.ts) and mapped by catalog/source.ts. A refusal, or a source that cannot be read, fails here,
 * before any resource is declared.
 */
import { readSourceSchema, withMysql } from "../clients/mysql";
import { StackConfig, hostEndpoints, jobCapacityProblems } from "../config";
import { Catalog, CatalogError, CatalogSelection, SourceSchema, buildSourceCatalog, refusals } from "./source";
import { replicatedTables } from "./tables";

/** The demo catalog: the selected demo tables plus the heartbeat table. */
export function demoCatalog(cfg: StackConfig): Catalog {
  return { kind: "demo", tables: replicatedTables(cfg.tables), issues: [] };
}

export function catalogSelection(cfg: StackConfig): CatalogSelection {
  const c = cfg.catalog;
  return {
    database: cfg.source.database,
    captureTables: c.captureTables,
    captureTablesExclude: c.captureTablesExclude,
    excludeColumns: c.excludeColumns,
    keys: c.keys,
    buckets: c.buckets,
    timeZone: cfg.source.timeZone,
  };
}

/** The source catalog from schema rows, with the stack-level checks (Flink slots, sink buffers) added. */
export function sourceCatalog(cfg: StackConfig, schema: SourceSchema): Catalog {
  const catalog = buildSourceCatalog(schema, catalogSelection(cfg));
  for (const message of jobCapacityProblems(cfg.flink, catalog.tables.length, cfg.source.parallelism)) {
    catalog.issues.push({ kind: "refused", table: "", message });
  }
  return catalog;
}

/** Raised when the source cannot be reached or read: names the host, the user and the cause. */
export class SourceUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceUnreachableError";
  }
}

/** How long preview waits for the source to accept a connection before it fails. */
export const SOURCE_READ_TIMEOUT_MS = 20_000;

/** Where and as whom the source's schema is read. */
export interface SourceLogin {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** Reads the source's schema (by default with the CDC user, which has SELECT on every table) and maps it. */
export async function readSourceCatalog(cfg: StackConfig, password: string, login?: Partial<SourceLogin>, timeoutMs = SOURCE_READ_TIMEOUT_MS): Promise<Catalog> {
  const ep = hostEndpoints(cfg).mysql;
  const at: SourceLogin = { host: ep.host, port: ep.port, user: cfg.source.user, password, ...login };
  const db = cfg.source.database;
  let schema: SourceSchema;
  try {
    schema = await withMysql(at, { service: "MySQL source", timeoutMs }, (c) => readSourceSchema(c, db));
  } catch (err) {
    throw new SourceUnreachableError(`cannot read the tables of source database ${db} at ${at.host}:${at.port} as user ${at.user}: ${(err as Error).message}`);
  }
  if (!schema.tables.length) {
    throw new SourceUnreachableError(`source database ${db} at ${at.host}:${at.port} shows user ${at.user} no tables: it does not exist, or the user may not read it (grant SELECT on ${db}.*)`);
  }
  return sourceCatalog(cfg, schema);
}

/** The catalog the stack replicates; throws CatalogError listing every refusal. */
export async function loadCatalog(cfg: StackConfig, sourcePassword: () => Promise<string>): Promise<Catalog> {
  if (cfg.catalog.kind === "demo") return demoCatalog(cfg);
  const catalog = await readSourceCatalog(cfg, await sourcePassword());
  const refused = refusals(catalog);
  if (refused.length) throw new CatalogError(refused, cfg.source.database);
  return catalog;
}
