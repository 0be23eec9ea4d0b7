/** Stack-wide settings: data retention on destroy, destructive changes, what a source schema change may drop, provider timeouts. */
import { ConfigReader, ConfigSchema } from "./reader";

export const STACK_SCHEMA = {
  retainData: { type: "boolean", default: false, description: "Keep the MySQL, MinIO and FE meta volumes on `pulumi destroy` (retainOnDelete)." },
  allowDestructiveChanges: { type: "boolean", default: false, description: "Allow replacements that lose data (StarRocks table key/type changes, a storage volume location change)." },
  dropRemovedColumns: { type: "boolean", default: false, description: "Drop a StarRocks column when its source column is dropped (default: keep it, made nullable; the table's re-snapshot leaves it NULL in every row)." },
  dropRemovedTables: { type: "boolean", default: false, description: "Drop a StarRocks table when its source table leaves the catalog (default: keep it and its rows; its CDC job is stopped either way)." },
  providerTimeout: { type: "string", default: "5min", description: "How long providers wait for a service to answer or a node/job to become ready (duration)." },
} satisfies ConfigSchema;

export function resolveStack(r: ConfigReader): { retainData: boolean; allowDestructiveChanges: boolean; dropRemovedColumns: boolean; dropRemovedTables: boolean; providerTimeoutMs: number } {
  return {
    retainData: r.read<boolean>("retainData"),
    allowDestructiveChanges: r.read<boolean>("allowDestructiveChanges"),
    dropRemovedColumns: r.read<boolean>("dropRemovedColumns"),
    dropRemovedTables: r.read<boolean>("dropRemovedTables"),
    providerTimeoutMs: r.duration("providerTimeout"),
  };
}
