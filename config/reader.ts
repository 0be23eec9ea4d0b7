/**
 * Reading raw config values: each part's module (config/source.ts, config/starrocks.ts, …) reads its keys
 * through one ConfigReader, which coerces Pulumi's strings to the declared type and collects every problem
 * (naming the key, the value and what is allowed) so a user fixes them in one round.
 */

export type ConfigType = "string" | "integer" | "boolean" | "array";

export interface ConfigKey {
  type: ConfigType;
  default: string | number | boolean | string[];
  description: string;
}

export type ConfigSchema = Record<string, ConfigKey>;

/** Raw values as Pulumi hands them (strings) or as YAML files hold them (native types). */
export type RawConfig = Partial<Record<string, unknown>>;

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, min: 60_000, m: 60_000, h: 3_600_000 };

/** Parses a duration such as `500ms`, `10s`, `5min` or `1h`, as Flink writes them. Returns undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(ms|s|sec|min|m|h)\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * UNITS_MS[m[2]];
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

export class ConfigReader {
  readonly problems: string[] = [];

  constructor(readonly raw: RawConfig, private readonly schema: ConfigSchema) {}

  /** The key's value coerced to its declared type, or its default (with a problem) when it does not fit. */
  read<T = string>(key: string): T {
    const spec = this.schema[key];
    if (!spec) throw new Error(`config key ${key} is not declared in the schema`);
    const value = this.raw[key];
    if (value === undefined || value === null) return spec.default as T;
    try {
      return coerce(value, spec.type) as T;
    } catch {
      this.problems.push(`${key}: ${JSON.stringify(value)} is not ${spec.type === "integer" ? "an" : "a"} ${spec.type}`);
      return spec.default as T;
    }
  }

  /** Whether the key holds something other than its default (Pulumi.yaml defaults arrive as set values). */
  isChanged(key: string): boolean {
    if (this.raw[key] === undefined || this.raw[key] === null) return false;
    return JSON.stringify(this.read(key)) !== JSON.stringify(this.schema[key].default);
  }

  int(key: string, min: number, max: number): number {
    const v = this.read<number>(key);
    if (!Number.isInteger(v) || v < min || v > max) this.problems.push(`${key}: ${v} is out of range; allowed ${min}..${max}`);
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const v = this.read(key);
    if (!allowed.includes(v as T)) this.problems.push(`${key}: "${v}" is not allowed; use one of ${allowed.join(", ")}`);
    return v as T;
  }

  ident(key: string): string {
    const v = this.read(key);
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(v)) this.problems.push(`${key}: "${v}" is not a valid name; use letters, digits and _ (max 64), starting with a letter or _`);
    return v;
  }

  duration(key: string): number {
    const v = this.read(key);
    const ms = parseDuration(v);
    if (ms === undefined || ms <= 0) {
      this.problems.push(`${key}: "${v}" is not a duration; write a whole number with a unit: ms, s, min or h (e.g. 10s, 5min)`);
      return 1000;
    }
    return ms;
  }

  confLines(key: string): string[] {
    const lines = this.read<string[]>(key);
    for (const line of lines) {
      if (!/^[a-z_][a-z0-9_.]*\s*=\s*\S.*$/.test(line)) this.problems.push(`${key}: line "${line}" is not of the form "key = value"`);
    }
    return lines;
  }

  required(key: string, when: string, what: string): string {
    const v = this.read(key);
    if (!v) this.problems.push(`${key}: required when ${when} (${what})`);
    return v;
  }

  secretSet(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null && this.raw[key] !== "";
  }

  requiredSecret(key: string, when: string): void {
    if (!this.secretSet(key)) this.problems.push(`${key}: required when ${when}; set it with \`pulumi config set --secret ${key} <value>\``);
  }

  httpUrl(key: string, when: string, what: string): string {
    const v = this.required(key, when, what).replace(/\/+$/, "");
    if (v && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(v)) this.problems.push(`${key}: "${v}" is not an http:// or https:// URL`);
    return v;
  }
}

function coerce(value: unknown, type: ConfigType): unknown {
  switch (type) {
    case "string":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      throw new Error("not a string");
    case "integer": {
      const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
      if (!Number.isInteger(n)) throw new Error("not an integer");
      return n;
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true") return true;
      if (value === "false") return false;
      throw new Error("not a boolean");
    case "array": {
      const arr = typeof value === "string" ? JSON.parse(value) : value;
      if (!Array.isArray(arr) || !arr.every((x) => typeof x === "string")) throw new Error("not an array of strings");
      return arr;
    }
  }
}
