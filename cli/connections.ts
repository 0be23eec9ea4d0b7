/**
 * Where the source (MySQL) and sink (StarRocks, MySQL protocol) are. Resolved per endpoint, first match
 * wins: the --source/--sink flags, then CDC_SOURCE_URL/CDC_SINK_URL, then the outputs `sourceUrl` and
 * `sinkUrl` of `pulumi stack output --json --show-secrets --stack NAME`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as mysql from "mysql2/promise";
import { scrub } from "../clients/scrub";
import { describeError } from "../clients/wait";
import { ConnectionError, UsageError, isConnectionError } from "./errors";

export type Role = "source" | "sink";

export interface Endpoint {
  role: Role;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Where the value came from, e.g. "--source", "CDC_SINK_URL", "stack dev". */
  origin: string;
}

/** Parses mysql://user:pass@host:port/db (credentials URL-encoded). Throws UsageError naming `origin`. */
export function parseMysqlUrl(url: string, role: Role, origin: string): Endpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${origin}: not a URL; expected mysql://user:password@host:port/database`);
  }
  if (u.protocol !== "mysql:") throw new UsageError(`${origin}: scheme must be mysql://, got ${u.protocol}//`);
  if (!u.hostname) throw new UsageError(`${origin}: no host; expected mysql://user:password@host:port/database`);
  const database = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (!database || database.includes("/")) throw new UsageError(`${origin}: no database; expected mysql://user:password@host:port/database`);
  const user = decodeURIComponent(u.username);
  if (!user) throw new UsageError(`${origin}: no user; expected mysql://user:password@host:port/database`);
  const port = u.port ? Number(u.port) : 3306;
  // URL keeps brackets around IPv6 hosts.
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  return { role, host, port, user, password: decodeURIComponent(u.password), database, origin };
}

/** `user@host:port/db` — what messages show; never the password. */
export function describeEndpoint(ep: Endpoint): string {
  const host = ep.host.includes(":") ? `[${ep.host}]` : ep.host;
  return `${ep.role} ${ep.user}@${host}:${ep.port}/${ep.database}`;
}

export interface StackOutputs {
  sourceUrl?: string;
  sinkUrl?: string;
  tables?: string[];
  /** The table definitions the stack last deployed (`cdc catalog diff`). */
  catalog?: unknown;
}

export type StackReader = (stack: string) => StackOutputs;

/**
 * The Pulumi command `--stack` runs: $CDC_PULUMI if set, else this project's scripts/pulumi.sh (the
 * same local backend and passphrase `npm run deploy` uses, unless PULUMI_BACKEND_URL is set), else
 * `pulumi` from PATH.
 */
export function pulumiCommand(env: NodeJS.ProcessEnv): string {
  if (env.CDC_PULUMI) return env.CDC_PULUMI;
  const script = path.resolve(__dirname, "..", "scripts", "pulumi.sh");
  return fs.existsSync(script) ? script : "pulumi";
}

/** Lines the Pulumi CLI (or the npm package's wrapper) prints before the real answer: downloads, progress, update nags. */
const PULUMI_NOISE = /^(downloading|installing|extracting|fetching|verifying|unpacking)\b|^\s*\[?[=#>. -]*\]?\s*\d+(\.\d+)?\s*%|^warning: a new version of pulumi/i;

/**
 * What a failed Pulumi run said, in one line: its `error:` lines (else its last meaningful lines), without the
 * download and progress lines that come first, scrubbed of passwords in URLs, SQL literals and the passphrase.
 */
export function pulumiFailure(stderr: string | null | undefined, stdout: string | null | undefined, status: number | null, env: NodeJS.ProcessEnv = {}): string {
  const meaningful = (text: string | null | undefined) =>
    (text ?? "").split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => l !== "" && !PULUMI_NOISE.test(l));
  let lines = meaningful(stderr);
  if (lines.length === 0) lines = meaningful(stdout);
  const errors = lines.filter((l) => /^error:/i.test(l));
  const picked = (errors.length ? errors : lines).slice(-3);
  if (picked.length === 0) return `exit ${status ?? "?"}`;
  const text = picked.join(" | ").replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s]+@/gi, "$1******@");
  return scrub(text, [env.PULUMI_CONFIG_PASSPHRASE]);
}

/** Runs `pulumi stack output --json --show-secrets --stack NAME`. */
export function readPulumiStack(stack: string, env: NodeJS.ProcessEnv = process.env): StackOutputs {
  const command = pulumiCommand(env);
  const res = spawnSync(command, ["stack", "output", "--json", "--show-secrets", "--stack", stack], {
    encoding: "utf8",
    timeout: 120_000,
    env,
  });
  if (res.error) {
    const code = (res.error as NodeJS.ErrnoException).code;
    throw new UsageError(code === "ENOENT" ? `--stack ${stack}: the pulumi CLI (${command}) was not found; run npm install, or set CDC_PULUMI` : `--stack ${stack}: ${res.error.message}`);
  }
  if (res.status !== 0) {
    throw new UsageError(`--stack ${stack}: pulumi stack output failed: ${pulumiFailure(res.stderr, res.stdout, res.status, env)}`);
  }
  let out: unknown;
  try {
    out = JSON.parse(res.stdout);
  } catch {
    throw new UsageError(`--stack ${stack}: pulumi stack output did not print JSON`);
  }
  const o = (out ?? {}) as Record<string, unknown>;
  return {
    sourceUrl: typeof o.sourceUrl === "string" ? o.sourceUrl : undefined,
    sinkUrl: typeof o.sinkUrl === "string" ? o.sinkUrl : undefined,
    tables: Array.isArray(o.tables) ? o.tables.filter((t): t is string => typeof t === "string") : undefined,
    catalog: o.catalog,
  };
}

export interface ResolveInput {
  source?: string;
  sink?: string;
  stack?: string;
  env: NodeJS.ProcessEnv;
  readStack?: StackReader;
}

/** Resolves endpoints lazily, so commands that need only the source never ask for a sink or run pulumi. */
export class Connections {
  private stackOutputs?: StackOutputs;
  private stackError?: unknown;

  constructor(private readonly input: ResolveInput) {}

  endpoint(role: Role): Endpoint {
    const flag = role === "source" ? this.input.source : this.input.sink;
    if (flag) return parseMysqlUrl(flag, role, `--${role}`);
    const envName = role === "source" ? "CDC_SOURCE_URL" : "CDC_SINK_URL";
    const envValue = this.input.env[envName];
    if (envValue) return parseMysqlUrl(envValue, role, envName);
    if (this.input.stack) {
      const url = role === "source" ? this.stack().sourceUrl : this.stack().sinkUrl;
      const key = role === "source" ? "sourceUrl" : "sinkUrl";
      if (url) return parseMysqlUrl(url, role, `stack ${this.input.stack} output ${key}`);
      throw new UsageError(`no ${role}: stack ${this.input.stack} has no output ${key}`);
    }
    throw new UsageError(`no ${role}: pass --${role} mysql://user:password@host:port/database, set ${envName}, or pass --stack NAME`);
  }

  /** The stack's `catalog` output (the deployed table definitions); a usage error without --stack. */
  stackCatalog(): unknown {
    if (!this.input.stack) throw new UsageError("no deployed catalog: pass --stack NAME or --deployed FILE");
    const c = this.stack().catalog;
    if (c === undefined) throw new UsageError(`stack ${this.input.stack} has no output catalog (deployed before this version); run pulumi up once, or pass --deployed FILE`);
    return c;
  }

  /** The stack's `catalog` output when --stack was given and the stack has one; undefined otherwise. */
  deployedCatalog(): unknown[] | undefined {
    if (!this.input.stack) return undefined;
    const c = this.stack().catalog;
    return Array.isArray(c) ? c : undefined;
  }

  /** The stack's `tables` output, when --stack was given. */
  stackTables(): string[] | undefined {
    return this.input.stack ? this.stack().tables : undefined;
  }

  /** Every password, so error messages can be scrubbed even if a driver echoes one. */
  secrets(): string[] {
    const out: string[] = [];
    for (const role of ["source", "sink"] as const) {
      try {
        const p = this.endpoint(role).password;
        if (p) out.push(p, encodeURIComponent(p));
      } catch {
        // unresolvable endpoints have no secret to hide
      }
    }
    return out;
  }

  /** Runs pulumi at most once, remembering a failure too. */
  private stack(): StackOutputs {
    if (this.stackError) throw this.stackError;
    if (!this.stackOutputs) {
      try {
        this.stackOutputs = (this.input.readStack ?? ((s: string) => readPulumiStack(s, this.input.env)))(this.input.stack as string);
      } catch (err) {
        this.stackError = err;
        throw err;
      }
    }
    return this.stackOutputs;
  }
}

/** Options every CLI connection uses: BIGINT as strings (tool keys exceed 2^53), dates as strings. */
export function connectionOptions(ep: Endpoint): mysql.ConnectionOptions {
  return {
    host: ep.host,
    port: ep.port,
    user: ep.user,
    password: ep.password,
    database: ep.database,
    connectTimeout: 5000,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    // No stack capture per query: the writers' hot path, and errors never print stacks anyway.
    trace: false,
  };
}

/** Opens one connection; failures become a ConnectionError naming the endpoint (exit 3). */
export async function connect(ep: Endpoint): Promise<mysql.Connection> {
  try {
    const conn = await mysql.createConnection(connectionOptions(ep));
    // A dropped connection must not crash the process with an unhandled 'error' event.
    conn.on("error", () => undefined);
    return conn;
  } catch (err) {
    throw connectionFailure(ep, err);
  }
}

export function connectionFailure(ep: Endpoint, err: unknown): Error {
  const code = (err as { code?: string }).code;
  if (isConnectionError(err) || code === undefined || code === "ER_BAD_DB_ERROR") {
    let msg = describeError(err);
    if (ep.password) msg = msg.split(ep.password).join("******");
    if (code === "ER_BAD_DB_ERROR") return new UsageError(`${describeEndpoint(ep)}: ${msg}`);
    return new ConnectionError(`cannot connect to ${describeEndpoint(ep)}: ${msg}`);
  }
  return err as Error;
}
