/**
 * Jest globalSetup of the `real` project: brings up S3 + Flink once per test run and writes the state
 * file the tests read (its path goes to the tests in STARROCKS_CDC_REAL_TIER_STATE).
 * Without java or an installed distribution the tier is skipped with a one-line reason, except under
 * CI=true, where that fails the run; a tier that has what it needs but does not start always fails,
 * with the reason and the log lines.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RawConfig } from "../../../config";
import {
  RunningTier, STATE_ENV, TierState, alive, processesIn, readState, allocatePorts, gatewayReady, jobManagerReady, locateFlinkHome, logExcerpt, missingPrerequisite,
  locateMotoServer, s3Ready, spawnRole, spawnS3Server, stopProcess, taskManagersRegistered, tierConfigYaml, writeConfDir, writeState,
} from "./cluster";

const RUN_PREFIX = "starrocks-cdc-real-";

/**
 * Keeps the logs of the last few runs in the temp dir and removes older run folders. Other runs on the
 * same machine may be going on: a folder whose owning Jest process is alive is never touched. Processes
 * of a run whose Jest died without its teardown (killed, crashed) are stopped: they are the processes
 * whose working directory is that run's folder.
 */
function pruneOldRuns(keep = 3): void {
  const dirs = fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(RUN_PREFIX)).map((d) => path.join(os.tmpdir(), d));
  dirs.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  dirs.forEach((dir, i) => {
    const stateFile = path.join(dir, "state.json");
    let state: TierState | undefined;
    try {
      state = readState(stateFile);
    } catch {
      // No state yet: a run still starting (keep it for a while), or a broken one.
      if (Date.now() - fs.statSync(dir).mtimeMs < 30 * 60_000) return;
    }
    // A skipped run's folder goes with its teardown; one left behind is removed after a while.
    if (state && "skipped" in state && Date.now() - fs.statSync(dir).mtimeMs < 30 * 60_000) return;
    if (state && !("skipped" in state)) {
      // A state without ownerPid comes from an older harness: its owner is unknown, so it is only left alone.
      if (state.ownerPid && alive(state.ownerPid)) return;
      if (!state.ownerPid) {
        if (Object.values(state.processes).some((info) => info && alive(info.pid))) return;
      } else {
        for (const pid of processesIn(dir)) process.kill(pid, "SIGKILL");
      }
    }
    if (i >= keep) fs.rmSync(dir, { recursive: true, force: true });
  });
}

export default async function globalSetup(): Promise<void> {
  return startRealTier();
}

/**
 * Starts the tier (what globalSetup does); `config` holds stack keys the cluster is sized by, for scripts such
 * as bench/catalog.ts that need more slots or memory than the tests (e.g. slotsPerTaskManager, taskManagerMemory).
 */
export async function startRealTier(config: RawConfig = {}): Promise<void> {
  const started = Date.now();
  pruneOldRuns();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), RUN_PREFIX));
  const stateFile = path.join(runDir, "state.json");
  process.env[STATE_ENV] = stateFile;

  const flinkHome = locateFlinkHome();
  const missing = missingPrerequisite(flinkHome);
  if (missing) {
    // Nothing ran, so nothing to keep: the folder holds only the state file (removed by globalTeardown).
    if (process.env.CI === "true") fs.rmSync(runDir, { recursive: true, force: true });
    if (process.env.CI === "true") throw new Error(`real-Flink tier cannot start (CI=true makes this a failure): ${missing}`);
    writeState(stateFile, { skipped: missing });
    console.log(`\nreal-Flink tier skipped: ${missing}`);
    return;
  }

  const ports = await allocatePorts();
  const s3 = { endpoint: `http://127.0.0.1:${ports.s3}`, accessKey: "real-tier-access", secretKey: "real-tier-secret", region: "us-east-1", bucket: "starrocks-cdc", server: "moto" };
  const conf = tierConfigYaml({ flinkHome: flinkHome!, ports, s3, config });
  const state: RunningTier = {
    flinkHome: flinkHome!,
    runDir,
    confDir: path.join(runDir, "conf"),
    logDir: path.join(runDir, "log"),
    pidDir: path.join(runDir, "pid"),
    restUrl: `http://127.0.0.1:${ports.rest}`,
    gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
    ports,
    s3,
    checkpointDir: conf.checkpointDir,
    savepointDir: conf.savepointDir,
    processes: {},
    ownerPid: process.pid,
    startupSeconds: 0,
  };
  fs.mkdirSync(state.logDir, { recursive: true });
  fs.mkdirSync(state.pidDir, { recursive: true });
  writeConfDir(state.confDir, state.flinkHome, conf.text);

  try {
    spawnS3Server(state, locateMotoServer()!);
    writeState(stateFile, state);
    await s3Ready(state);
    // The JobManager first: the TaskManager and the gateway find it through rest/rpc addresses.
    spawnRole(state, "jobmanager");
    writeState(stateFile, state);
    await jobManagerReady(state);
    spawnRole(state, "taskmanager");
    spawnRole(state, "sql-gateway");
    writeState(stateFile, state);
    await Promise.all([taskManagersRegistered(state), gatewayReady(state)]);
  } catch (err) {
    const excerpt = logExcerpt(state.logDir, { max: 60 });
    for (const p of ["sql-gateway", "taskmanager", "jobmanager", "s3"] as const) await stopProcess(state, p, "SIGKILL");
    throw new Error(`real-Flink tier did not start: ${(err as Error).message}\nlogs in ${state.logDir}\n${excerpt}`);
  }
  state.startupSeconds = Math.round((Date.now() - started) / 100) / 10;
  writeState(stateFile, state);
  console.log(`\nreal-Flink tier up in ${state.startupSeconds}s: REST ${state.restUrl}, gateway ${state.gatewayUrl}, S3 ${s3.endpoint} (${s3.server}), logs ${state.logDir}`);
}
