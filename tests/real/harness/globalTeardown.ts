/**
 * Jest globalTeardown of the `real` project: stops every process the state file lists, then any other
 * process still running in the run folder (restarted ones, or all of them if the state file was lost);
 * the logs stay.
 */
import * as fs from "fs";
import * as path from "path";
import { STATE_ENV, alive, processesIn, readState, sleep, stopProcess } from "./cluster";

export default async function globalTeardown(): Promise<void> {
  const file = process.env[STATE_ENV];
  if (!file) return;
  const runDir = path.dirname(file);
  const state = fs.existsSync(file) ? readState(file) : undefined;
  if (state && "skipped" in state) {
    fs.rmSync(runDir, { recursive: true, force: true });
    return;
  }
  if (state) {
    // The gateway and the TaskManager before the JobManager, so none of them logs a lost leader.
    for (const p of ["sql-gateway", "taskmanager", "jobmanager", "s3"] as const) await stopProcess(state, p);
  } else {
    console.warn(`real-Flink tier: state file ${file} is gone; stopping the processes running in ${runDir}`);
  }
  const left = processesIn(runDir);
  for (const pid of left) process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 20_000;
  while (left.some(alive) && Date.now() < deadline) await sleep(200);
  for (const pid of left.filter(alive)) process.kill(pid, "SIGKILL");
  console.log(`real-Flink tier stopped; logs in ${path.join(runDir, "log")}`);
}
