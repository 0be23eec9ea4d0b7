/**
 * A small argument parser: `--name value`, `--name=value`, `-x value`, boolean `--flag`, and positionals.
 * Each command declares its flags; anything else is a usage error (exit 2).
 */
import { UsageError } from "./errors";

export type FlagType = "string" | "number" | "integer" | "boolean";

export interface FlagSpec {
  name: string;
  type: FlagType;
  short?: string;
  /** Shown in usage, e.g. "SECONDS". */
  value?: string;
  help: string;
  /** Allowed values for string flags. */
  choices?: readonly string[];
  /** A string flag that may be given more than once: the values are joined with commas. */
  repeatable?: boolean;
}

export type FlagValues = Record<string, string | number | boolean | undefined>;

export interface Parsed {
  positionals: string[];
  flags: FlagValues;
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): Parsed {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const positionals: string[] = [];
  const flags: FlagValues = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let spec: FlagSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown option --${name}`, true);
    } else if (/^-[A-Za-z]$/.test(arg)) {
      spec = byShort.get(arg.slice(1));
      if (!spec) throw new UsageError(`unknown option ${arg}`, true);
    } else {
      positionals.push(arg);
      continue;
    }
    if (spec.type === "boolean") {
      if (inline !== undefined && !["true", "false"].includes(inline)) throw new UsageError(`--${spec.name} takes no value`);
      flags[spec.name] = inline === undefined ? true : inline === "true";
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw new UsageError(`--${spec.name} needs a value (${spec.value ?? spec.type})`);
    const value = convert(spec, raw);
    const prev = flags[spec.name];
    flags[spec.name] = spec.repeatable && typeof prev === "string" ? `${prev},${value}` : value;
  }
  return { positionals, flags };
}

function convert(spec: FlagSpec, raw: string): string | number {
  if (spec.type === "string") {
    if (spec.choices && !spec.choices.includes(raw)) {
      throw new UsageError(`--${spec.name} must be one of ${spec.choices.join(", ")}; got "${raw}"`);
    }
    return raw;
  }
  const n = Number(raw);
  const ok = raw.trim() !== "" && Number.isFinite(n) && (spec.type === "number" ? n >= 0 : Number.isInteger(n) && n >= 0);
  if (!ok) throw new UsageError(`--${spec.name} must be a ${spec.type === "integer" ? "whole" : "non-negative"} number; got "${raw}"`);
  return n;
}

/** Parses a positional count such as `cdc load 500`. */
export function positiveInteger(raw: string, what: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive whole number; got "${raw}"`);
  return n;
}

export function formatFlags(specs: readonly FlagSpec[]): string[] {
  return specs.map((s) => {
    const short = s.short ? `-${s.short}, ` : "";
    const value = s.type === "boolean" ? "" : ` ${s.value ?? s.type.toUpperCase()}`;
    return `  ${(short + "--" + s.name + value).padEnd(30)} ${s.help}`;
  });
}
