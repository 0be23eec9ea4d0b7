/**
 * The CdcJob planner as a pure function: observed job + what changed -> one action. No Flink, fake or real:
 * the branches the real-tier tests exercise end to end (savepoint upgrade, restore after a failure, rollback)
 * are pinned here by their decisions.
 */
import type { JobDetails } from "../../clients/flink";
import type { ObservedJob } from "../../providers/cdcJobObserver";
import { planCreate, planUpdate, updateActions } from "../../providers/cdcJobPlanner";

const running: JobDetails = { jid: "a".repeat(32), name: "p", state: "RUNNING", vertices: [{ id: "v", name: "v", status: "RUNNING" }] };
const healthy: ObservedJob = { job: running, tasksRunning: true, lastCheckpointAt: 100, seenUntil: 0 };
const restarting: ObservedJob = { job: { ...running, state: "RESTARTING" }, tasksRunning: false, seenUntil: 0 };
const gone: ObservedJob = { tasksRunning: false, seenUntil: 0 };
const savepointMode = { restart: false, nonce: false, upgradeMode: "savepoint" as const };

describe("planUpdate", () => {
  test("a healthy job with only recorded options changed is left alone", () => {
    expect(planUpdate(healthy, savepointMode)).toMatchObject({ action: "none", planFirst: false, cancelFirst: false });
  });

  test("a changed nonce takes a one-off savepoint and keeps the job", () => {
    expect(planUpdate(healthy, { ...savepointMode, nonce: true }).action).toBe("savepoint");
  });

  test("changed statements on a healthy job: plan first, stop with a savepoint, roll back on failure", () => {
    expect(planUpdate(healthy, { ...savepointMode, restart: true })).toMatchObject({ action: "savepoint-upgrade", planFirst: true, rollbackOnFailure: true, resetHistory: false });
  });

  test("stateless mode cancels and starts fresh, forgetting older jobs' state", () => {
    expect(planUpdate(healthy, { ...savepointMode, restart: true, upgradeMode: "stateless" })).toMatchObject({ action: "stateless-restart", resetHistory: true, rollbackOnFailure: true });
  });

  test("a job that is not fully running cannot take a savepoint: cancel and restore from retained state", () => {
    expect(planUpdate(restarting, { ...savepointMode, restart: true })).toMatchObject({ action: "restore-from-checkpoint", cancelFirst: true, planFirst: true });
    expect(planUpdate(restarting, savepointMode)).toMatchObject({ action: "restore-from-checkpoint", cancelFirst: true, planFirst: false, rollbackOnFailure: false });
  });

  test("a gone job is resubmitted from retained state (nothing to cancel, nothing to roll back to)", () => {
    expect(planUpdate(gone, { ...savepointMode, restart: true })).toMatchObject({ action: "restore-from-checkpoint", cancelFirst: false, planFirst: false, rollbackOnFailure: false });
    expect(planUpdate(gone, { ...savepointMode, upgradeMode: "stateless" })).toMatchObject({ action: "fresh-start", resetHistory: true });
  });

  test("a failure since the job was last ready makes it unhealthy unless it checkpointed after the failure", () => {
    const failed: ObservedJob = { ...healthy, failure: { timestamp: 200, text: "boom" }, lastCheckpointAt: 150 };
    expect(planUpdate(failed, savepointMode)).toMatchObject({ action: "restore-from-checkpoint", cancelFirst: true });
    const recovered: ObservedJob = { ...failed, lastCheckpointAt: 250 };
    expect(planUpdate(recovered, savepointMode)).toMatchObject({ action: "none", seenUntil: 200, recovered: { text: "boom" } });
  });

  test("a schema change that needs a re-snapshot wins over every other change", () => {
    expect(planUpdate(healthy, { ...savepointMode, restart: true, resnapshot: true })).toMatchObject({ action: "re-snapshot", cancelFirst: false, planFirst: true, resetHistory: true, rollbackOnFailure: false });
    expect(planUpdate(restarting, { ...savepointMode, resnapshot: true })).toMatchObject({ action: "re-snapshot", cancelFirst: true });
    expect(planUpdate(gone, { ...savepointMode, resnapshot: true })).toMatchObject({ action: "re-snapshot", cancelFirst: false, planFirst: false });
  });
});

describe("updateActions", () => {
  test("statements restart, the nonce takes a savepoint, an added or dropped column re-snapshots, other keys only record", () => {
    expect(updateActions({ statements: ["a"] }, { statements: ["b"] })).toEqual({ restart: true, savepoint: false, resnapshot: false });
    expect(updateActions({ savepointNonce: "1" }, { savepointNonce: "2" })).toEqual({ restart: false, savepoint: true, resnapshot: false });
    expect(updateActions({ statements: ["a"], columns: ["id", "x"] }, { statements: ["b"], columns: ["id", "y", "x"] })).toEqual({ restart: true, savepoint: false, resnapshot: true });
    // A dropped column too: mysql-cdc state restored across it fails on the binlog's shorter rows (real tier).
    expect(updateActions({ statements: ["a"], columns: ["id", "x"] }, { statements: ["b"], columns: ["id"] })).toEqual({ restart: true, savepoint: false, resnapshot: true });
    expect(updateActions({ statements: ["a"], columns: ["id", "x"] }, { statements: ["b"], columns: ["id", "x"] })).toEqual({ restart: true, savepoint: false, resnapshot: false });
    // Outputs recorded before `columns` existed lack it: no re-snapshot on the first up with the new code.
    expect(updateActions({ statements: ["a"] }, { statements: ["a"], columns: ["id", "x"] })).toEqual({ restart: false, savepoint: false, resnapshot: false });
    expect(updateActions({ statements: ["a"] }, { statements: ["a"] })).toEqual({ restart: false, savepoint: false, resnapshot: false });
  });

  test("a column whose Flink type changed (INT -> BIGINT) re-snapshots; types recorded on one side only do not", () => {
    const was = { statements: ["a"], columns: ["id", "qty"], columnTypes: ["BIGINT", "INT"] };
    expect(updateActions(was, { statements: ["b"], columns: ["id", "qty"], columnTypes: ["BIGINT", "BIGINT"] })).toEqual({ restart: true, savepoint: false, resnapshot: true });
    expect(updateActions(was, { statements: ["b"], columns: ["id", "qty"], columnTypes: ["BIGINT", "INT"] })).toEqual({ restart: true, savepoint: false, resnapshot: false });
    // Outputs recorded before `columnTypes` existed: the first up with the new code re-snapshots nothing.
    expect(updateActions({ statements: ["a"], columns: ["id", "qty"] }, { statements: ["a"], columns: ["id", "qty"], columnTypes: ["BIGINT", "BIGINT"] })).toEqual({ restart: false, savepoint: false, resnapshot: false });
  });
});

describe("planCreate", () => {
  test("adopts an active job, else restores retained state, else submits fresh", () => {
    const retained = { path: "s3://b/cp/x/chk-1", kind: "checkpoint" as const, jobId: "x", lastModified: new Date(0) };
    expect(planCreate("j1", retained)).toEqual({ action: "adopt", jobId: "j1" });
    expect(planCreate(undefined, retained)).toEqual({ action: "restore", retained });
    expect(planCreate(undefined, undefined)).toEqual({ action: "submit" });
  });
});
