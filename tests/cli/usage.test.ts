/**
 * Golden tests of the process interface: usage errors, missing and unreachable endpoints, exit codes.
 * These spawn the real binary, so what is checked is what an operator sees.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePort } from "../helpers/mariadb";
import { runCli, runInProcess } from "./run-cli";

test("no arguments: usage on stderr, exit 2", async () => {
  const r = await runCli([]);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr.split("\n")[0]).toBe("cdc: no command given");
  expect(r.stderr).toContain("usage: cdc <command> [options]");
});

test("unknown command: one line naming it, then usage, exit 2", async () => {
  const r = await runCli(["frobnicate"]);
  expect(r.code).toBe(2);
  expect(r.stderr.split("\n")[0]).toBe('cdc: unknown command "frobnicate"');
  for (const c of ["latency", "load", "counts", "cleanup", "bench", "monitor", "preflight", "catalog"]) expect(r.stderr).toMatch(new RegExp(`^  ${c} `, "m"));
  expect(r.stderr).toContain("exit codes: 0 ok, 1 check failed, 2 usage or configuration error, 3 connection error");
});

test("--help prints usage on stdout and exits 0", async () => {
  const r = await runCli(["bench", "--help"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("usage: cdc bench parallel -d SECONDS -w WORKERS [--batch B] [--json] [--report FILE.html]");
  expect(r.stderr).toBe("");
});

test("missing endpoint: exactly one line, exit 2, no stack trace", async () => {
  const r = await runCli(["latency", "single"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe("cdc: no source: pass --source mysql://user:password@host:port/database, set CDC_SOURCE_URL, or pass --stack NAME\n");
});

test("missing sink while the source is given: exit 2 naming the sink", async () => {
  const r = await runCli(["counts", "--source", "mysql://root@127.0.0.1:1/shop"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe("cdc: no sink: pass --sink mysql://user:password@host:port/database, set CDC_SINK_URL, or pass --stack NAME\n");
});

test("unreachable endpoint: one line naming it without the password, exit 3", async () => {
  const port = await freePort();
  const r = await runCli(["counts"], { CDC_SOURCE_URL: `mysql://admin:Sup3r%2Fsecret@127.0.0.1:${port}/shop`, CDC_SINK_URL: `mysql://admin:x@127.0.0.1:${port}/shop` });
  expect(r.code).toBe(3);
  expect(r.stderr).toBe(`cdc: cannot connect to source admin@127.0.0.1:${port}/shop: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  expect(r.stderr).not.toMatch(/Sup3r|secret/);
});

test.each([
  [["latency"], "cdc: latency needs a mode: single, multi, batch"],
  [["latency", "single", "--rows", "5"], "cdc: --rows applies to latency batch only"],
  [["bench", "parallel", "-d", "soon"], 'cdc: --duration must be a non-negative number; got "soon"'],
  [["bench", "burst", "-d", "3"], "cdc: --duration does not apply to bench burst"],
  [["monitor", "--mode", "fancy"], 'cdc: --mode must be one of dashboard, simple, json, status; got "fancy"'],
  [["load", "--bogus"], "cdc: unknown option --bogus"],
  [["latency", "single", "--source", "postgres://u@h/db"], "cdc: --source: scheme must be mysql://, got postgres://"],
])("usage error %j -> exit 2 (in process)", async (args, line) => {
  const r = await runInProcess(args, { CDC_SINK_URL: "mysql://root@127.0.0.1:1/shop" });
  expect(r.code).toBe(2);
  expect(r.stderr.split("\n")[0]).toBe(line);
});

test("--stack without the pulumi CLI is a configuration error (exit 2)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-nopulumi-"));
  const missing = path.join(dir, "pulumi");
  const r = await runCli(["counts", "--stack", "dev"], { CDC_PULUMI: missing });
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`cdc: --stack dev: the pulumi CLI (${missing}) was not found; run npm install, or set CDC_PULUMI\n`);
});

test("--stack goes through the project's pulumi wrapper by default", () => {
  const { pulumiCommand } = require("../../cli/connections");
  expect(pulumiCommand({})).toBe(path.resolve(__dirname, "../../scripts/pulumi.sh"));
  expect(pulumiCommand({ CDC_PULUMI: "/opt/pulumi" })).toBe("/opt/pulumi");
});
