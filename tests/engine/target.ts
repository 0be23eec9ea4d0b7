/**
 * What the real-engine suites need from where a stack runs (a "target"): the engine context, the stack
 * config, root access to the source, the Flink REST URL, and the few controls the verbs use. Two targets
 * implement it: the real tier on this machine (tests/engine/realTarget.ts: real Flink, MariaDB, moto S3,
 * the StarRocks stand-in; an all-external stack) and a Docker host (tests/e2e: the managed stack).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as mysql from "mysql2/promise";
import { EngineContext, OperationResult } from "../../scripts/engine";

export interface StartedTarget {
  ctx: EngineContext;
  /** The file backend's folder (its state files are what leak checks read). */
  backendDir: string;
  /** Config of a stack on this target (plain values and secrets), before per-test overrides. */
  config(stack: string): Record<string, unknown>;
  /** Keys of `config` that are secrets. */
  secretKeys: string[];
  /** Secret values that must never show in preview output or in stored state. */
  secretValues(): string[];
  /**
   * A source URL `cdc` may write probe rows with, where the stack's sourceUrl is the read-only CDC user (an
   * external source); undefined where the stack's own sourceUrl can write (a managed source's root).
   */
  writerSourceUrl?: string;
  /** Runs SQL on the source as root (writes test rows). */
  sourceSql<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Flink REST as this machine reaches it. */
  flinkRestUrl: string;
  /** SIGKILLs the TaskManager(s); startTaskManager brings them back. */
  killTaskManager(): Promise<void>;
  startTaskManager(): Promise<void>;
  /** Whether the sink holds the database / the user, read as its administrator. */
  sinkHasDatabase(database: string): Promise<boolean>;
  sinkHasUser(user: string): Promise<boolean>;
  /** True where the sink goes with the stack (managed StarRocks): retained data is then not readable after destroy. */
  sinkGoneWithStack?: boolean;
  stop(): Promise<void>;
}

export interface EngineTarget {
  title: string;
  /** Why the target cannot run here (its suite is then skipped with the reason), or undefined. */
  skipReason(): string | undefined;
  start(): Promise<StartedTarget>;
}

/** The non-zero counts of an engine change summary. */
export function nonZero(changes: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(changes).filter(([, n]) => n));
}

/** Fails with the engine's own message when an operation did not succeed. */
export function expectOk(r: OperationResult): OperationResult {
  if (!r.ok) throw new Error(`pulumi ${r.op} of ${r.stack} failed after ${Math.round(r.durationMs / 1000)}s:\n${(r.error ?? "").slice(-6000)}`);
  return r;
}

/** Names of the dynamic resources the engine reported for an op (e.g. "update"), of the given type suffix. */
export function stepNames(r: OperationResult, op: string, typeSuffix = ""): string[] {
  return [...new Set(r.steps.filter((s) => s.op === op && s.phase === "pre" && s.type.includes("dynamic/") && s.type.endsWith(typeSuffix)).map((s) => s.name))].sort();
}

/**
 * Names of the dynamic resources a `refresh` found changed: the engine reports each read as a `refresh` step
 * whose outputs event lists the changed properties (`diffs`), or as an update.
 */
export function driftNames(r: OperationResult, typeSuffix = ""): string[] {
  const fromEvents = r.steps.filter((s) => s.type.includes("dynamic/") && s.type.endsWith(typeSuffix) && (s.op === "update" || s.op === "delete" || (s.diffs?.length ?? 0) > 0)).map((s) => s.name);
  // The progress text marks them too: "~  pulumi-nodejs:dynamic/flink:CdcJob cdc-job-orders updated" (or deleted).
  const fromText = [...r.stdout.matchAll(/^\s*[~-]\s+pulumi-nodejs:dynamic\/(\S+)\s+(\S+)\s+(updated|deleted)/gm)].filter((m) => m[1].endsWith(typeSuffix)).map((m) => m[2]);
  return [...new Set([...fromEvents, ...fromText])].sort();
}

/** Every file of the backend folder (state, backups, history) that contains one of the values. */
export function filesContaining(dir: string, values: string[]): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const text = fs.readFileSync(p, "utf8");
        for (const v of values) if (v && text.includes(v)) hits.push(`${path.relative(dir, p)} holds ${v.slice(0, 3)}…`);
      }
    }
  };
  walk(dir);
  return hits;
}

/** Jobs of the Flink cluster by pipeline name (the newest of each name first). */
export async function flinkJobs(restUrl: string): Promise<Array<{ jid: string; name: string; state: string; "start-time": number }>> {
  const res = await fetch(`${restUrl}/jobs/overview`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${restUrl}/jobs/overview: HTTP ${res.status}`);
  const jobs = ((await res.json()) as { jobs: Array<{ jid: string; name: string; state: string; "start-time": number }> }).jobs ?? [];
  return jobs.sort((a, b) => b["start-time"] - a["start-time"]);
}

/** The job of a pipeline that is not finished, cancelled or failed. */
export async function runningJob(restUrl: string, pipelineName: string): Promise<{ jid: string; state: string } | undefined> {
  return (await flinkJobs(restUrl)).find((j) => j.name === pipelineName && !["FINISHED", "CANCELED", "FAILED"].includes(j.state));
}

export async function cancelJob(restUrl: string, jid: string): Promise<void> {
  const res = await fetch(`${restUrl}/jobs/${jid}?mode=cancel`, { method: "PATCH", signal: AbortSignal.timeout(10_000) });
  if (!res.ok && res.status !== 202) throw new Error(`cancel ${jid}: HTTP ${res.status} ${await res.text()}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check() returns a value, or throws `what` with the last value seen. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, every = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000}s${last ? ` (last error: ${last})` : ""}`);
    await sleep(every);
  }
}

/**
 * Order ids of a table on both sides, through the stack's own `sourceUrl`-independent root access and its
 * `sinkUrl` output (what `cdc` reads with), compared key by key.
 */
export async function orderIds(sinkUrl: string, table = "orders"): Promise<string[]> {
  const c = await mysql.createConnection({ uri: sinkUrl, supportBigNumbers: true, bigNumberStrings: true });
  try {
    const [rows] = await c.query(`SELECT CAST(${table === "orders" ? "order_id" : "id"} AS CHAR) AS k FROM \`${table}\``);
    return (rows as Array<{ k: string }>).map((r) => String(r.k)).sort();
  } finally {
    await c.end().catch(() => c.destroy());
  }
}

/** Runs a command without blocking this process (the stand-in it may query runs here). */
export function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { ...opts, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (d) => (stdout += d));
    c.stderr.on("data", (d) => (stderr += d));
    c.on("exit", (code) => resolve({ status: code ?? 1, stdout, stderr }));
  });
}
