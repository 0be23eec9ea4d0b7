/**
 * The long-running and process-level behaviour: monitor modes, Ctrl+C summaries, --stack resolution via
 * a stand-in `pulumi` on PATH, and preflight wired to clients/preflight.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Interrupt } from "../../cli/context";
import { makePreflightCommand } from "../../cli/commands/preflight";
import { renderDashboard, sparkline } from "../../cli/dashboard";
import { Replication, startReplication } from "../helpers/replication";
import { runCli, runInProcess, spawnCli, waitForOutput } from "./run-cli";
import { main } from "../../cli/main";
import { FakeJob, FakeJobState, FlinkFake } from "../fakes/flink";
import { jobStates } from "../../cli/jobs";

let rep: Replication;
let env: Record<string, string>;

beforeAll(async () => {
  rep = await startReplication({ sampleRows: 3 });
  env = { CDC_SOURCE_URL: rep.sourceUrl, CDC_SINK_URL: rep.sinkUrl };
});
afterAll(async () => {
  await rep?.stop();
});

test("monitor --mode status: 0 while replicating, 1 when replication is stopped, 0 again after START SLAVE", async () => {
  const ok = await runCli(["monitor", "--mode", "status", "--max-latency", "10"], env);
  expect(ok.stderr).toBe("");
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/^fresh: probe visible in the sink after [\d.]+ ms \(limit 10 s\)\n$/);

  await rep.stopReplication();
  try {
    const stale = await runCli(["monitor", "--mode", "status", "--max-latency", "1"], env);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toBe("stale: probe not visible in the sink after 1 s\n");
    const staleJson = await runInProcess(["monitor", "--mode", "status", "--max-latency", "0.5", "--json"], env);
    expect(staleJson.code).toBe(1);
    expect(JSON.parse(staleJson.stdout)).toEqual({ status: "stale", latencyMs: null, maxLatencySeconds: 0.5 });
  } finally {
    await rep.startReplication();
  }
  const again = await runInProcess(["monitor", "--mode", "status", "--max-latency", "30", "--json"], env);
  expect(again.code).toBe(0);
  const d = JSON.parse(again.stdout);
  expect(d.status).toBe("fresh");
  expect(d.latencyMs).toBeGreaterThan(0);
});

test("monitor --mode status with the Flink REST URL: a table's job that is not RUNNING fails the check although the heartbeat is fresh", async () => {
  const flink = await new FlinkFake().start();
  const job = (name: string, state: FakeJobState, startTime: number): FakeJob => ({
    jid: `${name.length}${startTime}`.padEnd(32, "0"), name, state, startTime, endTime: -1, pollsUntilStarted: 0, failures: 0,
    statement: "", ddl: [], executionConfig: {}, vertices: [], exceptions: [], checkpoints: [],
  });
  try {
    for (const j of [job("starrocks-cdc-dev-cdc-cdc_heartbeat", "RUNNING", 1), job("starrocks-cdc-dev-cdc-orders", "FAILED", 1)]) flink.jobs.set(j.jid, j);
    const failing = await runInProcess(["monitor", "--mode", "status", "--max-latency", "10", "--tables", "orders", "--flink-url", flink.restUrl], env);
    expect([failing.code, failing.stderr]).toEqual([1, ""]);
    expect(failing.stdout).toMatch(/^failing: probe visible in the sink after [\d.]+ m?s \(limit 10 s\); 1 of 2 CDC job\(s\) not RUNNING: starrocks-cdc-dev-cdc-orders FAILED \(see the Flink UI; pulumi refresh shows it, pulumi up restores it\)\n$/);

    // The newest job of a name counts: the one up started after the failed one.
    const resumed = job("starrocks-cdc-dev-cdc-orders", "RUNNING", 2);
    flink.jobs.set(resumed.jid, resumed);
    const ok = await runInProcess(["monitor", "--mode", "status", "--max-latency", "10", "--tables", "orders", "--json"], { ...env, CDC_FLINK_URL: flink.restUrl });
    expect([ok.code, ok.stderr]).toEqual([0, ""]);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: "fresh", jobs: [{ name: "starrocks-cdc-dev-cdc-orders", state: "RUNNING" }, { name: "starrocks-cdc-dev-cdc-cdc_heartbeat", state: "RUNNING" }] });
  } finally {
    await flink.close();
  }
  // An unreachable JobManager is a connection error naming the URL, not a silent pass.
  const down = await runInProcess(["monitor", "--mode", "status", "--max-latency", "10", "--flink-url", "http://127.0.0.1:9"], env);
  expect(down.code).toBe(3);
  expect(down.stderr).toMatch(/cannot read the Flink jobs at http:\/\/127\.0\.0\.1:9 \(--flink-url\)/);
});

test("jobStates: the stack's job names when known (a missing one is MISSING), else every job named after a table", () => {
  const overview = [
    { jid: "a", name: "starrocks-cdc-dev-cdc-orders", state: "CANCELED" as const, "start-time": 1 },
    { jid: "b", name: "starrocks-cdc-dev-cdc-orders", state: "RUNNING" as const, "start-time": 2 },
    { jid: "c", name: "starrocks-cdc-prod-cdc-orders", state: "RESTARTING" as const, "start-time": 1 },
  ];
  expect(jobStates(overview, { jobs: ["starrocks-cdc-dev-cdc-orders", "starrocks-cdc-dev-cdc-cdc_heartbeat"] }, [])).toEqual([
    { name: "starrocks-cdc-dev-cdc-orders", state: "RUNNING", jobId: "b" },
    { name: "starrocks-cdc-dev-cdc-cdc_heartbeat", state: "MISSING" },
  ]);
  expect(jobStates(overview, {}, ["orders", "customers"])).toEqual([
    { name: "starrocks-cdc-dev-cdc-orders", state: "RUNNING", jobId: "b" },
    { name: "starrocks-cdc-prod-cdc-orders", state: "RESTARTING", jobId: "c" },
    { name: "*-cdc-customers", state: "MISSING" },
  ]);
});

test("monitor --mode json: one parseable object per probe; Ctrl+C ends it with exit 0 and a summary", async () => {
  const p = spawnCli(["monitor", "--mode", "json", "--interval", "0.2", "--counts-every", "0.5"], env);
  await waitForOutput(p, (out) => out.split("\n").filter(Boolean).length >= 3);
  p.child.kill("SIGINT");
  const r = await p.done;
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const snaps = lines.filter((l) => !l.summary);
  expect(snaps.length).toBeGreaterThanOrEqual(3);
  snaps.forEach((s, i) => {
    expect(s.probe).toBe(i + 1);
    expect(s.stale).toBe(false);
    expect(s.tables.map((t: { table: string }) => t.table)).toContain("orders");
  });
  expect(snaps.some((s) => s.latencyMs > 0)).toBe(true);
  const summary = lines[lines.length - 1].summary;
  expect(summary.probes).toBeGreaterThanOrEqual(snaps.length);
  expect(summary.latencyMs.count).toBe(summary.visible);
});

test("monitor --mode simple: one line per probe, rates appear from the second count", async () => {
  const interrupt = new Interrupt();
  let out = "";
  const running = main(["monitor", "--mode", "simple", "--interval", "0.2", "--counts-every", "0.1"], {
    out: { write: (s) => void (out += s), isTTY: false },
    err: { write: () => undefined, isTTY: false },
    env: { ...process.env, ...env },
    interrupt,
  });
  while (out.split("\n").filter((l) => l.includes("probe #")).length < 2) await new Promise((r) => setTimeout(r, 50));
  interrupt.trigger();
  expect(await running).toBe(0);
  const lines = out.trim().split("\n");
  expect(lines[0]).toMatch(/^\S+Z {2}probe #1 {2}latency [\d.]+ ms {2}freshness [\d.]+ ms {2}behind 0 rows {2}source 0\.0\/s {2}sink 0\.0\/s$/);
  expect(lines[1]).toMatch(/probe #2 .* source 0\.0\/s {2}sink 0\.0\/s$/);
  expect(lines[lines.length - 1]).toMatch(/^monitor stopped: \d+ probe\(s\), \d+ visible, 0 stale snapshot\(s\); latency over \d+ rows: p50/);
});

test("monitor --counts-every 0 never counts rows: lines without counts", async () => {
  const interrupt = new Interrupt();
  let out = "";
  const running = main(["monitor", "--mode", "json", "--interval", "0.2", "--counts-every", "0"], {
    out: { write: (s) => void (out += s), isTTY: false },
    err: { write: () => undefined, isTTY: false },
    env: { ...process.env, ...env },
    interrupt,
  });
  while (out.split("\n").filter(Boolean).length < 2) await new Promise((r) => setTimeout(r, 50));
  interrupt.trigger();
  expect(await running).toBe(0);
  const snaps = out.trim().split("\n").map((l) => JSON.parse(l)).filter((l) => !l.summary);
  for (const s of snaps) expect(s.tables).toEqual([]);
});

test("dashboard renders freshness, sparkline and per-table rates", () => {
  const text = renderDashboard(
    { time: "2026-01-01T00:00:00.000Z", probe: 7, latencyMs: 12.5, freshnessMs: 12.5, stale: false, tables: [{ table: "orders", source: 10, sink: 8, difference: 2, sourceRate: 5, sinkRate: 4 }] },
    [1, 5, 10],
    { maxLatencyS: 10, intervalS: 2, width: 80, source: "source u@h:1/db", sink: "sink u@h:2/db" },
  );
  expect(text).toContain("probe #7 every 2 s");
  expect(text).toContain("freshness \x1b[1;32m12.5 ms\x1b[0m (limit 10 s)");
  expect(text).toMatch(/orders\s+10\s+8\s+2\s+5\.0\/s\s+4\.0\/s/);
  expect(sparkline([0, 5, 10], 10)).toBe("▁▄█");
});

test("load --unlimited: Ctrl+C stops writing, prints the summary, exit 0", async () => {
  const p = spawnCli(["load", "--unlimited", "--rate", "400"], env);
  await waitForOutput(p, (_o, err) => /[1-9][\d,]* rows .*visible/.test(err));
  p.child.kill("SIGINT");
  const r = await p.done;
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/wrote [\d,]+ rows in [\d.]+ s .*, stopped by Ctrl\+C/);
  expect(r.stdout).toMatch(/latency over [\d,]+ rows: p50/);
});

test("bench parallel interrupted by Ctrl+C: partial summary, exit 130", async () => {
  const p = spawnCli(["bench", "parallel", "-d", "60", "-w", "2", "--json"], env);
  await waitForOutput(p, (_o, err) => /parallel: [1-9][\d,]* rows/.test(err));
  p.child.kill("SIGINT");
  const r = await p.done;
  expect(r.code).toBe(130);
  const d = JSON.parse(r.stdout);
  expect(d.interrupted).toBe(true);
  expect(d.rows).toBeGreaterThan(0);
  expect(d.insertSeconds).toBeLessThan(60);
  expect(d.latencyMs.count).toBe(d.visible);
});

test("--stack reads sourceUrl, sinkUrl and tables from `pulumi stack output`", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-fake-pulumi-"));
  const argsFile = path.join(dir, "args");
  const outputs = JSON.stringify({ sourceUrl: rep.sourceUrl, sinkUrl: rep.sinkUrl, tables: ["orders", "products"] });
  fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\necho "$@" > ${argsFile}\ncat <<'EOF'\n${outputs}\nEOF\n`, { mode: 0o755 });
  const r = await runCli(["counts", "--stack", "dev", "--json"], { CDC_PULUMI: path.join(dir, "pulumi") });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(fs.readFileSync(argsFile, "utf8").trim()).toBe("stack output --json --show-secrets --stack dev");
  expect(JSON.parse(r.stdout).tables.map((t: { table: string }) => t.table)).toEqual(["orders", "products"]);

  fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\necho "error: no stack named 'nope' found" >&2\nexit 255\n`, { mode: 0o755 });
  const bad = await runCli(["counts", "--stack", "nope"], { CDC_PULUMI: path.join(dir, "pulumi") });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toBe("cdc: --stack nope: pulumi stack output failed: error: no stack named 'nope' found\n");
});

test("preflight against the source: every check printed, exit 0; a failing expectation exits 1", async () => {
  const ok = await runCli(["preflight", "--source", rep.sourceUrl, "--min-binlog-retention", "0"]);
  expect(ok.code).toBe(0);
  for (const name of ["log_bin", "binlog_format", "binlog_row_image", "server_id", "binlog retention", "time_zone"]) expect(ok.stdout).toMatch(new RegExp(`^ok\\s+${name}\\s`, "m"));
  expect(ok.stdout).toMatch(/all checks passed\n$/);

  const bad = await runInProcess(["preflight", "--source", rep.sourceUrl, "--time-zone", "Asia/Tokyo", "--json"]);
  expect(bad.code).toBe(1);
  const d = JSON.parse(bad.stdout);
  expect(d.ok).toBe(false);
  const tz = d.checks.find((c: { name: string }) => c.name === "time_zone");
  expect(tz).toMatchObject({ ok: false, needed: "Asia/Tokyo" });
  expect(typeof tz.fix).toBe("string");
});

test("preflight renders whatever the checks return and maps their result to the exit code", async () => {
  const cmd = makePreflightCommand(async () => [
    { name: "log_bin", ok: true, found: "ON", needed: "ON" },
    { name: "binlog_format", ok: false, found: "MIXED", needed: "ROW", fix: "set binlog_format = ROW" },
  ]);
  const { Context } = await import("../../cli/context");
  const { Connections } = await import("../../cli/connections");
  const out = { write: () => undefined, isTTY: false };
  const ctx = new Context(new Connections({ source: rep.sourceUrl, env: {} }), { json: false }, out, out, new Interrupt());
  try {
    const res = await cmd.run(ctx, cmd.parse({ positionals: [], flags: {} }));
    expect(res.exitCode).toBe(1);
    expect(res.human).toContain("FAIL  binlog_format");
    expect(res.human).toContain("binlog_format: set binlog_format = ROW");
    expect(res.human).toMatch(/1 check\(s\) failed$/);
  } finally {
    await ctx.close();
  }
});
