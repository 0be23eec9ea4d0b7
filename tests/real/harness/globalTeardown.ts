/** Jest globalTeardown of the `real` project: stops every process the state file lists; the logs stay. */
import * as fs from "fs";
import * as path from "path";
import { STATE_ENV, readState, stopProcess } from "./cluster";

export default async function globalTeardown(): Promise<void> {
  const file = process.env[STATE_ENV];
  if (!file || !fs.existsSync(file)) return;
  const state = readState(file);
  if ("skipped" in state) {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    return;
  }
  // The gateway and the TaskManager before the JobManager, so none of them logs a lost leader.
  for (const p of ["sql-gateway", "taskmanager", "jobmanager", "s3"] as const) await stopProcess(state, p);
  fs.rmSync(path.join(state.runDir, "s3"), { recursive: true, force: true });
  console.log(`real-Flink tier stopped; logs in ${state.logDir}`);
}
