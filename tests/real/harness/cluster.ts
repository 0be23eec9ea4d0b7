/**
 * The real-Flink tier's processes: an S3 server, a Flink 1.20 JobManager, one TaskManager and the SQL
 * Gateway, each a local process on free loopback ports, started from the distribution that
 * scripts/install-real-tier.sh installs (bin/jobmanager.sh, taskmanager.sh, sql-gateway.sh in their
 * start-foreground forms).
 *
 * FLINK_CONF_DIR is a per-run folder whose config.yaml is the project's own rendering
 * (render/flink.ts flinkProperties) with only addresses, ports and paths overridden, plus
 * env.java.opts.all from the distribution's default config.yaml (the --add-opens Java 17 needs), so real
 * Flink checks the keys the Docker deployment uses.
 *
 * The state (endpoints, pids, commands) lives in a JSON file: globalSetup writes it, tests read it and
 * update it when they restart a process, globalTeardown stops what it lists.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { RawConfig, resolveConfig, storagePaths } from "../../../config";
import { flinkProperties } from "../../../render/flink";
import { flinkPins } from "../../../render/pins";
import { freePort } from "../../helpers/mariadb";
import { trackProcess, untrackProcess } from "../../helpers/processRegistry";

export type FlinkRole = "jobmanager" | "taskmanager" | "sql-gateway";
export type TierProcess = FlinkRole | "s3";

export interface ProcessInfo {
  pid: number;
  command: string[];
  /** stdout and stderr of the process. */
  outFile: string;
}

export interface S3Info {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  bucket: string;
  /** Which server runs it ("moto"). */
  server: string;
}

/** What globalSetup found: a running tier, or why the tier is skipped. */
export type TierState = RunningTier | { skipped: string };

export interface RunningTier {
  flinkHome: string;
  runDir: string;
  confDir: string;
  logDir: string;
  pidDir: string;
  restUrl: string;
  gatewayUrl: string;
  ports: { rest: number; rpc: number; gateway: number; s3: number };
  s3: S3Info;
  checkpointDir: string;
  savepointDir: string;
  processes: Partial<Record<TierProcess, ProcessInfo>>;
  /** The Jest process that started the tier; while it lives, other runs leave this one alone. */
  ownerPid: number;
  /** Seconds globalSetup took to bring the tier up. */
  startupSeconds: number;
}

/** Environment variable naming the state file, set by globalSetup for the test processes. */
export const STATE_ENV = "STARROCKS_CDC_REAL_TIER_STATE";

const CACHE = process.env.STARROCKS_CDC_CACHE ?? path.join(os.homedir(), ".cache", "starrocks-cdc");

/** FLINK_HOME: $FLINK_HOME, else what the installer recorded. */
export function locateFlinkHome(): string | undefined {
  if (process.env.FLINK_HOME) return process.env.FLINK_HOME;
  const marker = path.join(CACHE, "real-tier-flink-home");
  return fs.existsSync(marker) ? fs.readFileSync(marker, "utf8").trim() : undefined;
}

/** Why the tier cannot run on this machine (missing java or distribution), or undefined when it can. */
export function missingPrerequisite(flinkHome: string | undefined): string | undefined {
  if (spawnSync("java", ["-version"]).status !== 0) return "no java on PATH";
  if (!locateMotoServer()) return "no moto_server installed (run scripts/install-real-tier.sh)";
  if (!flinkHome || !fs.existsSync(path.join(flinkHome, "bin", "jobmanager.sh"))) {
    return "no Flink distribution installed (run scripts/install-real-tier.sh)";
  }
  for (const jar of flinkPins().jars.filter((j) => j.usedBy !== "image")) {
    if (!fs.existsSync(path.join(flinkHome, jar.dir, jar.file))) return `${jar.dir}/${jar.file} missing under ${flinkHome} (run scripts/install-real-tier.sh)`;
  }
  return undefined;
}

/** env.java.opts.all of the distribution's default config.yaml (nested or flat form). */
function distributionJavaOpts(flinkHome: string): string | undefined {
  const doc = YAML.parse(fs.readFileSync(path.join(flinkHome, "conf", "config.yaml"), "utf8")) ?? {};
  return doc?.env?.java?.opts?.all ?? doc["env.java.opts.all"];
}

/**
 * config.yaml for the tier: the rendered properties of the Docker deployment with addresses, ports and
 * paths replaced (the containers' aliases do not resolve here), every service on 127.0.0.1.
 */
export function tierConfigYaml(opts: { flinkHome: string; ports: RunningTier["ports"]; s3: S3Info; role?: FlinkRole; config?: RawConfig }): { text: string; checkpointDir: string; savepointDir: string } {
  // `config`: stack keys the cluster is sized by (e.g. slotsPerTaskManager, taskManagerMemory for a benchmark).
  const cfg = resolveConfig({ ...opts.config, bucket: opts.s3.bucket, s3Region: opts.s3.region }, { stack: "real-tier" });
  const paths = storagePaths(cfg);
  const overrides: Record<string, string> = {
    "jobmanager.rpc.address": "127.0.0.1",
    "rest.address": "127.0.0.1",
    "rest.port": String(opts.ports.rest),
    "rest.bind-address": "127.0.0.1",
    "s3.endpoint": opts.s3.endpoint,
    "sql-gateway.endpoint.rest.address": "127.0.0.1",
    "sql-gateway.endpoint.rest.bind-address": "127.0.0.1",
    "sql-gateway.endpoint.rest.port": String(opts.ports.gateway),
    "taskmanager.host": "127.0.0.1",
  };
  // Keys the containers leave at their defaults but a shared host cannot: a fixed RPC port (the
  // JobManager comes back on the same one) and loopback-only binds.
  const additions: Record<string, string> = {
    "jobmanager.rpc.port": String(opts.ports.rpc),
    "jobmanager.bind-host": "127.0.0.1",
    "taskmanager.bind-host": "127.0.0.1",
  };
  const rendered = flinkProperties(cfg, opts.role ?? "taskmanager", { accessKey: opts.s3.accessKey, secretKey: opts.s3.secretKey });
  const out: Record<string, string> = {};
  const javaOpts = distributionJavaOpts(opts.flinkHome);
  if (javaOpts) out["env.java.opts.all"] = javaOpts;
  for (const [k, v] of rendered) out[k] = k in overrides ? overrides[k] : v;
  for (const [k, v] of Object.entries({ ...overrides, ...additions })) out[k] = v;
  const text = Object.entries(out).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join("\n") + "\n";
  return { text, checkpointDir: paths.checkpoints, savepointDir: paths.savepoints };
}

/** Writes the per-run conf dir: config.yaml plus the distribution's logging configs. */
export function writeConfDir(confDir: string, flinkHome: string, configYaml: string): void {
  fs.mkdirSync(confDir, { recursive: true });
  for (const f of fs.readdirSync(path.join(flinkHome, "conf"))) {
    if (/^(log4j.*\.properties|logback.*\.xml)$/.test(f)) fs.copyFileSync(path.join(flinkHome, "conf", f), path.join(confDir, f));
  }
  fs.writeFileSync(path.join(confDir, "config.yaml"), configYaml);
}

const SCRIPTS: Record<FlinkRole, string[]> = {
  jobmanager: ["bin/jobmanager.sh", "start-foreground"],
  taskmanager: ["bin/taskmanager.sh", "start-foreground"],
  "sql-gateway": ["bin/sql-gateway.sh", "start-foreground"],
};

/** Starts one Flink process (detached, output to <logDir>/<role>.out) and records it in the state. */
export function spawnRole(state: RunningTier, role: FlinkRole): ProcessInfo {
  const [script, ...args] = SCRIPTS[role];
  const command = ["bash", path.join(state.flinkHome, script), ...args];
  const outFile = path.join(state.logDir, `${role}.out`);
  const out = fs.openSync(outFile, "a");
  const child = spawn(command[0], command.slice(1), {
    cwd: state.runDir,
    detached: true,
    stdio: ["ignore", out, out],
    env: { ...process.env, FLINK_HOME: state.flinkHome, FLINK_CONF_DIR: state.confDir, FLINK_LOG_DIR: state.logDir, FLINK_PID_DIR: state.pidDir },
  });
  fs.closeSync(out);
  child.unref();
  if (!child.pid) throw new Error(`could not start Flink ${role}: ${command.join(" ")}`);
  // Its own process group (detached): a Ctrl+C does not reach it, so a script's exit-signal cleanup stops it.
  trackProcess(child.pid, `flink ${role}`, { group: true });
  const info = { pid: child.pid, command, outFile };
  state.processes[role] = info;
  return info;
}

/**
 * Starts moto's S3 server (`moto_server`, installed by scripts/install-real-tier.sh) on the given port and
 * creates the bucket. Not s3rver: the presto plugin uploads aws-chunked bodies over HTTP, which s3rver 3.7
 * stores undecoded, so Flink's checkpoint uploads fail their MD5 check.
 */
export function spawnS3Server(state: RunningTier, motoServer: string): ProcessInfo {
  const command = [motoServer, "-H", "127.0.0.1", "-p", String(state.ports.s3)];
  const outFile = path.join(state.logDir, "s3.out");
  const out = fs.openSync(outFile, "a");
  const child = spawn(command[0], command.slice(1), { cwd: state.runDir, detached: true, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  child.unref();
  if (!child.pid) throw new Error(`could not start the S3 server: ${command.join(" ")}`);
  trackProcess(child.pid, "moto S3 server", { group: true });
  const info = { pid: child.pid, command, outFile };
  state.processes.s3 = info;
  return info;
}

/** moto_server as the installer recorded it. */
export function locateMotoServer(): string | undefined {
  const marker = path.join(CACHE, "real-tier-moto-server");
  const p = fs.existsSync(marker) ? fs.readFileSync(marker, "utf8").trim() : undefined;
  return p && fs.existsSync(p) ? p : undefined;
}

/** True while the process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

/**
 * Pids of the processes whose working directory is the run folder: every process the tier starts runs
 * there, so this finds them even when the state file is lost (a deleted folder reads as "<dir> (deleted)").
 */
export function processesIn(runDir: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === runDir || cwd.startsWith(runDir + "/") || cwd === `${runDir} (deleted)`) out.push(Number(entry));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

/** Sends a signal to a recorded process and waits until it is gone. */
export async function stopProcess(state: RunningTier, name: TierProcess, signal: NodeJS.Signals = "SIGTERM", timeoutMs = 20_000): Promise<void> {
  const info = state.processes[name];
  if (!info) return;
  if (alive(info.pid)) {
    try {
      process.kill(info.pid, signal);
    } catch {
      /* already gone */
    }
    const deadline = Date.now() + timeoutMs;
    while (alive(info.pid) && Date.now() < deadline) await sleep(100);
    if (alive(info.pid)) {
      process.kill(info.pid, "SIGKILL");
      while (alive(info.pid)) await sleep(100);
    }
  }
  untrackProcess(info.pid);
  delete state.processes[name];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check() returns a value; throws with the last error and the process output otherwise. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, proc?: ProcessInfo): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    if (proc && !alive(proc.pid)) throw new Error(`${what}: process ${proc.pid} (${proc.command.join(" ")}) exited`);
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs / 1000}s${last ? ` (last error: ${last})` : ""}`);
    await sleep(300);
  }
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

/** Waits until the JobManager's REST API answers. */
export const jobManagerReady = (state: RunningTier, timeoutMs = 90_000) =>
  waitUntil("Flink JobManager REST", async () => ((await getJson(`${state.restUrl}/overview`)) ? true : undefined), timeoutMs, state.processes.jobmanager);

/** Waits until `count` TaskManagers are registered with the JobManager. */
export const taskManagersRegistered = (state: RunningTier, count = 1, timeoutMs = 90_000) =>
  waitUntil(`${count} TaskManager(s) registered`, async () => ((await getJson(`${state.restUrl}/overview`))["taskmanagers"] >= count ? true : undefined), timeoutMs, state.processes.taskmanager);

/** Waits until the SQL Gateway answers /v1/info. */
export const gatewayReady = (state: RunningTier, timeoutMs = 90_000) =>
  waitUntil("Flink SQL Gateway", async () => ((await getJson(`${state.gatewayUrl}/v1/info`)) ? true : undefined), timeoutMs, state.processes["sql-gateway"]);

/** Waits until the S3 server answers, then creates the bucket (PUT /<bucket>; moto accepts any credentials). */
export async function s3Ready(state: RunningTier, timeoutMs = 30_000): Promise<void> {
  await waitUntil(`S3 server (${state.s3.server})`, async () => ((await fetch(state.s3.endpoint, { signal: AbortSignal.timeout(2000) })) ? true : undefined), timeoutMs, state.processes.s3);
  const res = await fetch(`${state.s3.endpoint}/${state.s3.bucket}`, { method: "PUT" });
  if (!res.ok) throw new Error(`creating bucket ${state.s3.bucket} on ${state.s3.endpoint}: HTTP ${res.status} ${await res.text()}`);
}

/** Free loopback ports for the tier. */
export async function allocatePorts(): Promise<RunningTier["ports"]> {
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [rest, rpc, gateway, s3] = [...ports];
  return { rest, rpc, gateway, s3 };
}

export function readState(file: string): TierState {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

export function writeState(file: string, state: TierState): void {
  fs.writeFileSync(file + ".tmp", JSON.stringify(state, null, 2));
  fs.renameSync(file + ".tmp", file);
}

/**
 * Lines from the tier's logs that explain a failure: errors, exceptions and their first stack frames,
 * from each log and .out file after the given byte offsets (default: whole files), at most `max` lines.
 */
export function logExcerpt(logDir: string, opts: { pattern?: RegExp; since?: Record<string, number>; max?: number } = {}): string {
  const pattern = opts.pattern ?? /\b(ERROR|Exception|Caused by|FATAL)\b|Error:/;
  const max = opts.max ?? 120;
  const lines: string[] = [];
  if (!fs.existsSync(logDir)) return "";
  for (const f of fs.readdirSync(logDir).filter((n) => /\.(log|out)$/.test(n)).sort()) {
    const file = path.join(logDir, f);
    const from = opts.since?.[f] ?? 0;
    const text = readFrom(file, from);
    let frames = 0;
    // The Flink .out files repeat the .log lines (console appender); take only what is not log4j output.
    const dup = f.endsWith(".out") && f !== "s3.out" && fs.existsSync(logDir) && fs.readdirSync(logDir).some((n) => n.endsWith(".log"));
    let inLog4j = false;
    for (const line of text.split("\n")) {
      if (dup) {
        if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} /.test(line)) inLog4j = true;
        else if (!/^(\s+at |Caused by|\s+\.\.\. \d+ more)/.test(line)) inLog4j = false;
        if (inLog4j) continue;
      }
      if (pattern.test(line)) {
        lines.push(`${f}: ${line}`);
        frames = 0;
      } else if (/^\s+at /.test(line) && lines.length && frames < 4) {
        lines.push(`${f}: ${line}`);
        frames++;
      }
    }
  }
  return lines.slice(-max).join("\n");
}

/** Current sizes of the log files, to excerpt only what was written after. */
export function logOffsets(logDir: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (!fs.existsSync(logDir)) return out;
  for (const f of fs.readdirSync(logDir)) out[f] = fs.statSync(path.join(logDir, f)).size;
  return out;
}

function readFrom(file: string, offset: number): string {
  const size = fs.statSync(file).size;
  // A smaller file than before was rolled over (log4j keeps the old one as .log.1): read it whole.
  if (size < offset) offset = 0;
  if (size === offset) return "";
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(Math.min(size - offset, 4 * 1024 * 1024));
    fs.readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.toString("utf8");
  } finally {
    fs.closeSync(fd);
  }
}
