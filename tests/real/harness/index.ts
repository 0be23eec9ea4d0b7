/**
 * What real-tier tests use. The `real` Jest project's globalSetup starts, once per run, an S3 server
 * (moto), a Flink 1.20.3 JobManager, one TaskManager and the SQL Gateway on loopback; this module reads
 * their state and controls them.
 *
 *   describeReal(name, fn)   describe, or describe.skip with the reason in its name when the tier is
 *                            skipped (no java / no distribution, and CI is not true)
 *   realTier(): RealTier     endpoints and controls:
 *     flinkHome, restUrl (JobManager REST), gatewayUrl (SQL Gateway REST), s3 {endpoint, accessKey,
 *     secretKey, region, bucket, server}, checkpointDir / savepointDir (s3:// URIs), logDir, startupSeconds,
 *     killTaskManager()  SIGKILL of the TaskManager process
 *     startTaskManager() start a TaskManager again; resolves when a new one has registered
 *     killJobManager()   SIGKILL of the JobManager (a session cluster without HA forgets its jobs)
 *     startJobManager(o?) start it again on the same ports; resolves when REST answers and a TaskManager is
 *                        registered. The running TaskManager notices the lost JobManager only by heartbeat
 *                        (heartbeat.timeout, 50 s by default), so that takes about 50 s; with
 *                        { freshTaskManager: true } the TaskManager is SIGKILLed and replaced instead (~10 s)
 *     cancelAllJobs()    cancel every job that is not finished, and wait until they are
 *     logExcerpt(p?)     error/exception lines (or lines matching p) from the JM, TM, gateway and S3 logs
 *
 * When a real-tier test fails, the test environment (environment.ts) prints the error lines the logs
 * gained during that test.
 */
import * as fs from "fs";
import {
  RunningTier, S3Info, STATE_ENV, TierState, alive, jobManagerReady, logExcerpt as excerpt, readState, sleep, spawnRole,
  stopProcess, taskManagersRegistered, waitUntil, writeState,
} from "./cluster";

export interface RealTier {
  flinkHome: string;
  restUrl: string;
  gatewayUrl: string;
  s3: S3Info;
  checkpointDir: string;
  savepointDir: string;
  logDir: string;
  startupSeconds: number;
  killTaskManager(): Promise<void>;
  startTaskManager(): Promise<void>;
  killJobManager(): Promise<void>;
  startJobManager(opts?: { freshTaskManager?: boolean }): Promise<void>;
  cancelAllJobs(): Promise<void>;
  logExcerpt(pattern?: RegExp): string;
}

/** The tier's state as globalSetup left it. */
export function tierState(): TierState {
  const file = process.env[STATE_ENV];
  if (!file || !fs.existsSync(file)) return { skipped: "the real project's globalSetup did not run (run through jest.config.js)" };
  return readState(file);
}

/** describe when the tier runs, describe.skip with the reason otherwise. */
export function describeReal(name: string, fn: () => void): void {
  const s = tierState();
  if ("skipped" in s) describe.skip(`${name} (real-Flink tier skipped: ${s.skipped})`, fn);
  else describe(name, fn);
}

async function json(url: string, init?: RequestInit): Promise<any> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text ? JSON.parse(text) : {};
}

const ACTIVE = ["INITIALIZING", "CREATED", "RUNNING", "FAILING", "CANCELLING", "RESTARTING", "RECONCILING"];

export async function realTier(): Promise<RealTier> {
  const file = process.env[STATE_ENV]!;
  const s = tierState();
  if ("skipped" in s) throw new Error(`real-Flink tier skipped: ${s.skipped}`);
  // Every control re-reads the file, so pids stay right across test files.
  const load = () => readState(file) as RunningTier;
  const save = (st: RunningTier) => writeState(file, st);
  const taskManagerIds = async (st: RunningTier): Promise<string[]> => ((await json(`${st.restUrl}/taskmanagers`)).taskmanagers ?? []).map((t: { id: string }) => t.id);

  return {
    flinkHome: s.flinkHome,
    restUrl: s.restUrl,
    gatewayUrl: s.gatewayUrl,
    s3: s.s3,
    checkpointDir: s.checkpointDir,
    savepointDir: s.savepointDir,
    logDir: s.logDir,
    startupSeconds: s.startupSeconds,
    async killTaskManager() {
      const st = load();
      await stopProcess(st, "taskmanager", "SIGKILL");
      save(st);
    },
    async startTaskManager() {
      const st = load();
      if (st.processes.taskmanager && alive(st.processes.taskmanager.pid)) throw new Error(`a TaskManager is already running (pid ${st.processes.taskmanager.pid})`);
      const before = new Set(await taskManagerIds(st));
      spawnRole(st, "taskmanager");
      save(st);
      await waitUntil("restarted TaskManager registered", async () => ((await taskManagerIds(st)).some((id) => !before.has(id)) ? true : undefined), 90_000, st.processes.taskmanager);
    },
    async killJobManager() {
      const st = load();
      await stopProcess(st, "jobmanager", "SIGKILL");
      save(st);
    },
    async startJobManager(opts: { freshTaskManager?: boolean } = {}) {
      const st = load();
      if (st.processes.jobmanager && alive(st.processes.jobmanager.pid)) throw new Error(`the JobManager is already running (pid ${st.processes.jobmanager.pid})`);
      if (opts.freshTaskManager) await stopProcess(st, "taskmanager", "SIGKILL");
      spawnRole(st, "jobmanager");
      save(st);
      await jobManagerReady(st);
      if (opts.freshTaskManager) {
        spawnRole(st, "taskmanager");
        save(st);
      }
      // Otherwise the running TaskManager reconnects by itself once its heartbeat to the old one times out.
      await taskManagersRegistered(st, 1, 120_000);
    },
    async cancelAllJobs() {
      const st = load();
      const jobs: Array<{ jid: string; state: string }> = (await json(`${st.restUrl}/jobs/overview`)).jobs ?? [];
      const active = jobs.filter((j) => ACTIVE.includes(j.state));
      for (const j of active) await json(`${st.restUrl}/jobs/${j.jid}?mode=cancel`, { method: "PATCH" });
      for (const j of active) {
        await waitUntil(`job ${j.jid} cancelled`, async () => (ACTIVE.includes((await json(`${st.restUrl}/jobs/${j.jid}`)).state) ? undefined : true), 60_000);
      }
      await sleep(0);
    },
    logExcerpt: (pattern?: RegExp) => excerpt(s.logDir, { pattern }),
  };
}
