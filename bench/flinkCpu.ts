/**
 * CPU time and memory of the real-tier Flink processes (JobManager, TaskManager, SQL Gateway), read from
 * /proc: utime + stime of each process and its children, and the resident set size. Shared by the benches.
 */
import * as fs from "fs";
import { spawnSync } from "child_process";
import { STATE_ENV, readState } from "../tests/real/harness/cluster";

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** utime + stime of a process in seconds, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** A process and its descendants (the start scripts run java as a child or exec it). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid)!.push(Number(d));
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

export type Role = "jobmanager" | "taskmanager" | "sql-gateway";
export const ROLES: Role[] = ["jobmanager", "taskmanager", "sql-gateway"];

/** CPU seconds used so far by each Flink process (and its children). */
export function flinkCpu(): Record<Role, number> {
  const state = readState(process.env[STATE_ENV]!);
  const out = {} as Record<Role, number>;
  for (const role of ROLES) {
    const pid = "skipped" in state ? undefined : state.processes[role]?.pid;
    out[role] = pid ? processTree(pid).reduce((s, p) => s + (cpuSeconds(p) ?? 0), 0) : 0;
  }
  return out;
}

/** Resident memory of each Flink process tree in MiB (VmRSS from /proc/<pid>/status). */
export function flinkRssMiB(): Record<Role, number> {
  const state = readState(process.env[STATE_ENV]!);
  const out = {} as Record<Role, number>;
  for (const role of ROLES) {
    const pid = "skipped" in state ? undefined : state.processes[role]?.pid;
    out[role] = pid
      ? Math.round(processTree(pid).reduce((s, p) => {
        try {
          return s + Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
        } catch {
          return s;
        }
      }, 0) / 1024)
      : 0;
  }
  return out;
}
