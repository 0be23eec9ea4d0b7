/**
 * The only place that knows the stack's configuration: its schema, defaults, validation, and the derived
 * values (names, host ports, URLs) every component and renderer uses. One module per part (ports, source,
 * catalog, storage, StarRocks, Flink, stack-wide settings), each with its keys and its own validation; this
 * module puts them together.
 *
 * Pulumi.yaml mirrors CONFIG_SCHEMA (a test keeps them equal), so `pulumi config` and `npm run render`
 * see the same defaults. Validation runs before any resource is declared; each failure names the key,
 * the value and what is allowed.
 */
import { CATALOG_SCHEMA, catalogKind, reservedServerIdSpan, resolveCatalog } from "./catalog";
import { FLINK_SCHEMA, jobCapacityProblems, resolveFlink } from "./flink";
import { PORTS_SCHEMA, resolvePorts } from "./ports";
import { ConfigError, ConfigReader, RawConfig } from "./reader";
import { SECRET_KEY_NAMES } from "./secrets";
import { SOURCE_SCHEMA, resolveSource } from "./source";
import { STACK_SCHEMA, resolveStack } from "./stack";
import { STARROCKS_SCHEMA, resolveStarRocks } from "./starrocks";
import { STORAGE_SCHEMA, resolveStorage } from "./storage";
import type { StackConfig } from "./types";

export * from "./types";
export { ConfigError, parseDuration } from "./reader";
export type { ConfigKey, ConfigType, RawConfig } from "./reader";
export { ALIASES, BASE_HOST_PORTS, CONTAINER_PORTS, hostEndpoints } from "./ports";
export type { HostPortName } from "./ports";
export { SECRET_CONFIG_KEYS } from "./secrets";
export { STORAGE_VOLUME_NAME, storagePaths } from "./storage";
export { jobCapacityProblems } from "./flink";
export type { CatalogConfig, CatalogKind } from "./catalog";

export const PROJECT = "starrocks-cdc";

/** Every config key, its type, default and meaning. Pulumi.yaml and the README list the same keys. */
export const CONFIG_SCHEMA = {
  ...PORTS_SCHEMA,
  ...SOURCE_SCHEMA,
  ...CATALOG_SCHEMA,
  ...STORAGE_SCHEMA,
  ...STARROCKS_SCHEMA,
  ...FLINK_SCHEMA,
  ...STACK_SCHEMA,
};

export type ConfigKeyName = keyof typeof CONFIG_SCHEMA;

/**
 * Validates raw config and derives the full StackConfig. Collects every problem before throwing, so a
 * user fixes them in one round.
 */
export function resolveConfig(raw: RawConfig, ctx: { project?: string; stack: string }): StackConfig {
  const r = new ConfigReader(raw, CONFIG_SCHEMA);
  const project = ctx.project ?? PROJECT;

  const unknownKeys = Object.keys(raw).filter((k) => !(k in CONFIG_SCHEMA) && !SECRET_KEY_NAMES.includes(k));
  if (unknownKeys.length) {
    r.problems.push(`${unknownKeys.join(", ")}: unknown config key${unknownKeys.length > 1 ? "s" : ""}; known keys: ${Object.keys(CONFIG_SCHEMA).join(", ")}`);
  }

  const ports = resolvePorts(r);
  const kind = catalogKind(r);
  const { source, mysqlImage } = resolveSource(r, ports, reservedServerIdSpan(kind));
  const { tables, catalog } = resolveCatalog(r, kind, source.mode);
  const store = resolveStorage(r);
  const { starrocks, fe, cn } = resolveStarRocks(r, store);
  const { flink, flinkBase, flinkVersion } = resolveFlink(r, ports, store);

  const config: StackConfig = {
    project,
    stack: ctx.stack,
    prefix: `${project}-${ctx.stack}`,
    ...ports,
    source,
    tables,
    catalog,
    images: { mysql: mysqlImage, minio: store.minioImage, fe, cn, flinkBase, flinkVersion },
    // MinIO runs whenever a managed part needs object storage: managed StarRocks (its data) or managed Flink (its state).
    minio: { enabled: starrocks.mode === "managed" || flink.mode === "managed", bucket: store.bucket, region: store.region, forceDestroy: store.forceDestroy },
    starrocks,
    flink,
    ...resolveStack(r),
  };

  // A source catalog's table count is known only once it is read (catalog/load.ts checks it then).
  if (kind === "demo") r.problems.push(...jobCapacityProblems(flink, tables.length + 1, source.parallelism));
  if (r.problems.length) throw new ConfigError(r.problems);
  return config;
}
