/** Spawns the real CLI (bin/cdc.js, as `npx cdc` does) and collects its output and exit code. */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { main } from "../../cli/main";
import { Interrupt } from "../../cli/context";

export const BIN = path.join(__dirname, "..", "..", "bin", "cdc.js");

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  done: Promise<CliRun>;
}

/** Environment without the developer's CDC_* variables, plus `env`. */
export function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  delete e.CDC_SOURCE_URL;
  delete e.CDC_SINK_URL;
  delete e.CDC_DEBUG;
  return { ...e, ...env };
}

export function spawnCli(args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (err += d));
  const done = new Promise<CliRun>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout: out, stderr: err })));
  return { child, stdout: () => out, stderr: () => err, done };
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return spawnCli(args, env).done;
}

/** Waits until `pred` holds for the process's output (polling every 50 ms), failing after `ms`. */
export async function waitForOutput(p: Spawned, pred: (stdout: string, stderr: string) => boolean, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred(p.stdout(), p.stderr())) {
    if (p.child.exitCode !== null) throw new Error(`cdc exited early (${p.child.exitCode}): ${p.stderr()}`);
    if (Date.now() > end) throw new Error(`output did not appear within ${ms} ms; stdout: ${p.stdout()} stderr: ${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs the CLI in this process (faster than spawning); same code path as the binary minus signals. */
export async function runInProcess(args: string[], env: Record<string, string> = {}, interrupt = new Interrupt()): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    out: { write: (s) => void (stdout += s), isTTY: false },
    err: { write: (s) => void (stderr += s), isTTY: false },
    env: cleanEnv(env),
    interrupt,
  });
  return { code, signal: null, stdout, stderr };
}
