/**
 * tests/helpers/processRegistry.ts: a script that started servers through the registry stops every one of them
 * on SIGINT and on SIGTERM (a real MariaDB, which ignores SIGINT, and a detached process group), and exits
 * 128 + the signal.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { processAlive } from "./processRegistry";

const SCRIPT = path.join(__dirname, "processRegistryScript.ts");

/** PIDs whose process group is pgid (the leader and everything it started). */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

interface Ready {
  tracked: Array<{ pid: number; name: string; group: boolean }>;
  group: number;
  port: number;
}

async function startScript(args: string[]): Promise<{ child: ChildProcess; ready: Ready; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", SCRIPT, ...args], { cwd: path.join(__dirname, "../.."), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const deadline = Date.now() + 90_000;
  while (!/^READY /m.test(out)) {
    if (child.exitCode !== null) throw new Error(`the script exited early: ${out}`);
    if (Date.now() > deadline) throw new Error(`the script did not get ready: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const ready = JSON.parse(/^READY (.*)$/m.exec(out)![1]) as Ready;
  return { child, ready, output: () => out, exited };
}

async function gone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (pids.some(processAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(processAlive);
}

describe.each([
  ["SIGINT", 130, []],
  ["SIGTERM", 143, ["--cleanup"]],
] as const)("a script using onExitSignals, on %s", (signal, code, args) => {
  test("stops every process it started and exits 128 + signal", async () => {
    const s = await startScript([...args]);
    const mariadb = s.ready.tracked.find((p) => p.name.startsWith("mariadbd"))!;
    expect(mariadb).toBeDefined();
    const members = groupMembers(s.ready.group);
    expect(members.length).toBeGreaterThanOrEqual(3); // the shell and its two sleepers
    const started = [mariadb.pid, ...members];
    expect(started.every(processAlive)).toBe(true);
    try {
      s.child.kill(signal);
      expect(await s.exited).toBe(code);
      expect(await gone(started, 20_000)).toEqual([]);
      expect(groupMembers(s.ready.group)).toEqual([]);
      expect(s.output()).toMatch(new RegExp(`registry-script: ${signal}: stopping what was started \\(.*mariadbd 127\\.0\\.0\\.1:${s.ready.port}`));
    } finally {
      for (const pid of started) if (processAlive(pid)) process.kill(pid, "SIGKILL");
    }
  });
});

test("control: without onExitSignals, SIGINT ends the script but leaves its MariaDB and its process group running", async () => {
  const s = await startScript(["--no-signals"]);
  const started = [s.ready.tracked.find((p) => p.name.startsWith("mariadbd"))!.pid, ...groupMembers(s.ready.group)];
  try {
    s.child.kill("SIGINT");
    await s.exited;
    await new Promise((r) => setTimeout(r, 1000));
    expect(started.filter(processAlive)).toEqual(started);
  } finally {
    for (const pid of started) if (processAlive(pid)) process.kill(pid, "SIGKILL");
  }
});
