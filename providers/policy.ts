/**
 * The one diff helper every provider uses. Each provider declares a change-policy table: for each input
 * key (and for observed outputs that signal drift) whether a change is ignored, applied in place
 * ('update') or needs a new resource ('replace'). Pulumi's Node dynamic provider only honours
 * `changes`, `replaces` and `deleteBeforeReplace` from diff (pulumi.md §3).
 */
import type * as pulumi from "@pulumi/pulumi";

export type ChangeKind = "ignore" | "update" | "replace";
export type Props = Record<string, unknown>;

/** A fixed kind, or a function of (old outputs, new inputs) for keys that need a closer look. */
export type PolicyEntry = ChangeKind | ((olds: Props, news: Props) => ChangeKind);
export type ChangePolicy = Record<string, PolicyEntry>;

/** Pulumi's marker for values not known during preview (sdk/nodejs/runtime/rpc.ts). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(isUnknown);
  if (v && typeof v === "object") return Object.values(v as Props).some(isUnknown);
  return false;
}

/** Deep equality on JSON-like values; key order does not matter, undefined equals missing. */
export function sameValue(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

function stable(v: unknown): string {
  if (v === undefined || v === null) return "null";
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (typeof v === "object") {
    const o = v as Props;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stable(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

export interface PolicyDiff {
  changes: boolean;
  replaces: string[];
  /** Keys changed in place. */
  updates: string[];
  deleteBeforeReplace?: boolean;
}

/**
 * Compares old outputs with new inputs key by key under the policy. Keys absent from the policy count as
 * 'update'. A key whose new value is unknown (preview) counts as changed. Replacements delete first,
 * because every resource here has a fixed identity (a name, a node address).
 */
/** A provider's `diff` method derived from its change policy (what the engine reads of PolicyDiff). */
export function policyDiff(policy: ChangePolicy) {
  return async (_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> => {
    const d = diffByPolicy(olds, news, policy);
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
  };
}

export function diffByPolicy(olds: Props, news: Props, policy: ChangePolicy): PolicyDiff {
  const keys = new Set([...Object.keys(policy), ...Object.keys(news)]);
  keys.delete("__provider");
  const replaces: string[] = [];
  const updates: string[] = [];
  for (const key of [...keys].sort()) {
    const entry = policy[key] ?? "update";
    let kind: ChangeKind;
    if (typeof entry === "function") {
      kind = entry(olds, news);
    } else {
      if (entry === "ignore") continue;
      if (!(key in news) && !(key in olds)) continue;
      if (!isUnknown(news[key]) && sameValue(olds[key], news[key])) continue;
      kind = entry;
    }
    if (kind === "replace") replaces.push(key);
    else if (kind === "update") updates.push(key);
  }
  const out: PolicyDiff = { changes: replaces.length + updates.length > 0, replaces, updates };
  if (replaces.length) out.deleteBeforeReplace = true;
  return out;
}

/** Policy helper: a key compared as usual, but classified by a function of both values. */
export function classify(key: string, fn: (oldValue: unknown, newValue: unknown) => ChangeKind): PolicyEntry {
  return (olds, news) => {
    if (isUnknown(news[key])) return "update";
    if (sameValue(olds[key], news[key])) return "ignore";
    return fn(olds[key], news[key]);
  };
}

/**
 * Policy helper for an input that carries another resource's identity (e.g. a Table's id): this resource
 * is replaced with it. When that resource is replaced with delete-before-replace, the engine asks the
 * dependants' diff with the input unknown and deletes those that answer "replace" first
 * (pulumi pkg/resource/deploy/step_generator.go, calculateDependentReplacements). A value recorded for the
 * first time (state written before the input existed) is only an update.
 */
export function replacedWith(key: string): PolicyEntry {
  return (olds, news) => {
    if (isUnknown(news[key])) return "replace";
    if (sameValue(olds[key], news[key])) return "ignore";
    return olds[key] === undefined || olds[key] === null ? "update" : "replace";
  };
}

/** Policy helper for observed outputs: drift when the recorded (refreshed) value is not the wanted one. */
export function driftWhen(pred: (olds: Props) => boolean): PolicyEntry {
  return (olds) => (pred(olds) ? "update" : "ignore");
}

/**
 * Refuses a replacement that would lose data unless allowed. `explain` gets the replaced keys and
 * returns the message body (what, which table/column, how to allow it).
 */
export function refuseDestructive(diff: PolicyDiff, destructiveKeys: string[], allowed: boolean, explain: (keys: string[]) => string): void {
  const hit = diff.replaces.filter((k) => destructiveKeys.includes(k));
  if (hit.length && !allowed) throw new Error(explain(hit));
}
