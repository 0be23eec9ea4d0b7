/**
 * Every server process a long-running script starts (MariaDB, Flink, moto, ...), and their stop on Ctrl+C.
 *
 * Servers started by the helpers (tests/helpers/mariadb.ts, tests/real/harness/cluster.ts) record themselves
 * here and leave when they stop. A script that runs outside Jest (bench:freshness, a sandbox) calls
 * `onExitSignals(cleanup)` once: on SIGINT, SIGTERM or SIGHUP it runs the cleanups (newest first, each bounded
 * in time), then stops whatever recorded process is still alive (SIGTERM to the process or its group, SIGKILL
 * after a grace period) and exits with 128 + the signal number. A second signal during that kills every
 * recorded process at once and exits. On any other exit (an uncaught error, process.exit) the recorded
 * processes still alive get SIGKILL, so nothing outlives the script.
 *
 * Why: mariadbd ignores SIGINT, and the Flink processes and moto run in their own process groups, so a Ctrl+C
 * reached none of them and Node's default SIGINT handling skipped every `finally`.
 */
import { ChildProcess, SpawnOptions, spawn } from "child_process";
import * as fs from "fs";

export interface TrackedProcess {
  pid: number;
  /** What it is, for messages: "mariadbd 127.0.0.1:3307", "flink jobmanager". */
  name: string;
  /** Signal the whole process group (-pid): for detached children that start their own children (Flink's scripts). */
  group: boolean;
}

export interface ExitSignalOptions {
  /** Prefix of the lines written to stderr, e.g. "bench:freshness". */
  label?: string;
  /** How long each cleanup may take before the next one runs (default 30 s). */
  cleanupTimeoutMs?: number;
  /** Between SIGTERM and SIGKILL of the processes still recorded after the cleanups (default 10 s). */
  graceMs?: number;
}

interface RegistryState {
  processes: Map<number, TrackedProcess>;
  cleanups: Array<() => unknown>;
  options: ExitSignalOptions;
  handlersInstalled: boolean;
  stopping: boolean;
}

// One registry per Node process, however often this module is loaded.
const KEY = Symbol.for("starrocks-cdc.processRegistry");
function state(): RegistryState {
  const holder = process as unknown as Record<symbol, RegistryState | undefined>;
  if (!holder[KEY]) holder[KEY] = { processes: new Map(), cleanups: [], options: {}, handlersInstalled: false, stopping: false };
  return holder[KEY]!;
}

/** Records a started process; returns the function that forgets it (call it once the process is stopped). */
export function trackProcess(pid: number | undefined, name: string, opts: { group?: boolean } = {}): () => void {
  if (!pid) return () => undefined;
  const s = state();
  s.processes.set(pid, { pid, name, group: opts.group ?? false });
  return () => untrackProcess(pid);
}

export function untrackProcess(pid: number | undefined): void {
  if (pid) state().processes.delete(pid);
}

/** The processes recorded and not yet forgotten. */
export function trackedProcesses(): TrackedProcess[] {
  return [...state().processes.values()];
}

/** spawn() that records the child until it exits. `group: true` also spawns it detached (its own process group). */
export function spawnTracked(name: string, command: string, args: readonly string[], opts: SpawnOptions & { group?: boolean } = {}): ChildProcess {
  const { group, ...spawnOpts } = opts;
  const child = spawn(command, args, { ...spawnOpts, detached: group ? true : spawnOpts.detached });
  const forget = trackProcess(child.pid, name, { group: group ?? false });
  child.once("exit", forget);
  return child;
}

/** True while the process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

function signalTracked(p: TrackedProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(p.group ? -p.pid : p.pid, signal);
  } catch {
    // The group may be gone while the leader is a zombie, or the process already exited.
    try {
      process.kill(p.pid, signal);
    } catch {
      /* gone */
    }
  }
}

/** SIGTERM to every recorded process, SIGKILL to those still alive after graceMs; forgets them all. */
export async function stopTrackedProcesses(graceMs = 10_000): Promise<void> {
  const list = trackedProcesses();
  for (const p of list) signalTracked(p, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (list.some((p) => processAlive(p.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const p of list) if (processAlive(p.pid)) signalTracked(p, "SIGKILL");
  for (const p of list) untrackProcess(p.pid);
}

const SIGNALS: Array<[NodeJS.Signals, number]> = [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]];

/**
 * Runs `cleanup` (with the ones registered before it, newest first) when the process gets SIGINT, SIGTERM or
 * SIGHUP, then stops every recorded process and exits 128 + signal. Returns the function that removes
 * `cleanup` again (e.g. once it has run on the normal path).
 */
export function onExitSignals(cleanup: () => unknown, opts: ExitSignalOptions = {}): () => void {
  const s = state();
  s.cleanups.push(cleanup);
  s.options = { ...s.options, ...opts };
  if (!s.handlersInstalled) {
    s.handlersInstalled = true;
    for (const [signal, number] of SIGNALS) process.on(signal, () => void handleSignal(signal, number));
    // Last resort on any exit: nothing recorded outlives the script.
    process.on("exit", () => {
      for (const p of trackedProcesses()) if (processAlive(p.pid)) signalTracked(p, "SIGKILL");
    });
  }
  return () => {
    const i = s.cleanups.lastIndexOf(cleanup);
    if (i >= 0) s.cleanups.splice(i, 1);
  };
}

async function handleSignal(signal: NodeJS.Signals, number: number): Promise<void> {
  const s = state();
  const label = s.options.label ?? "stopping";
  if (s.stopping) {
    process.stderr.write(`${label}: ${signal} again: killing ${trackedProcesses().length} process(es) now\n`);
    for (const p of trackedProcesses()) signalTracked(p, "SIGKILL");
    process.exit(128 + number);
  }
  s.stopping = true;
  process.stderr.write(`${label}: ${signal}: stopping what was started (${trackedProcesses().map((p) => `${p.name} [${p.pid}]`).join(", ") || "no processes"}); ${signal} again kills them at once\n`);
  const timeout = s.options.cleanupTimeoutMs ?? 30_000;
  for (const cleanup of [...s.cleanups].reverse()) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(cleanup),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`a cleanup took longer than ${timeout / 1000} s`)), timeout))),
      ]);
    } catch (err) {
      process.stderr.write(`${label}: cleanup: ${(err as Error)?.message ?? err}\n`);
    } finally {
      clearTimeout(timer);
    }
  }
  await stopTrackedProcesses(s.options.graceMs ?? 10_000);
  process.exit(128 + number);
}
