/** Stack-wide settings: data retention on destroy, destructive changes, provider timeouts. */
import { ConfigReader, ConfigSchema } from "./reader";

export const STACK_SCHEMA = {
  retainData: { type: "boolean", default: false, description: "Keep the MySQL, MinIO and FE meta volumes on `pulumi destroy` (retainOnDelete)." },
  allowDestructiveChanges: { type: "boolean", default: false, description: "Allow replacements that lose data (StarRocks table key/type changes, a storage volume location change)." },
  providerTimeout: { type: "string", default: "5min", description: "How long providers wait for a service to answer or a node/job to become ready (duration)." },
} satisfies ConfigSchema;

export function resolveStack(r: ConfigReader): { retainData: boolean; allowDestructiveChanges: boolean; providerTimeoutMs: number } {
  return {
    retainData: r.read<boolean>("retainData"),
    allowDestructiveChanges: r.read<boolean>("allowDestructiveChanges"),
    providerTimeoutMs: r.duration("providerTimeout"),
  };
}
