/** `cdc preflight` as a user runs it before deploying: a MariaDB with binlog off fails, a CDC-ready one passes. */
import { MariaDbServer, startMariaDb } from "../helpers/mariadb";
import { runCli } from "./run-cli";

let off: MariaDbServer;
let ready: MariaDbServer;
beforeAll(async () => {
  [off, ready] = await Promise.all([
    startMariaDb({ binlog: false }),
    startMariaDb({ binlog: true, binlogExpireSeconds: 7 * 86400, timeZone: "+00:00" }),
  ]);
});
afterAll(async () => {
  await Promise.all([off?.stop(), ready?.stop()]);
});

const url = (s: MariaDbServer) => `mysql://root@${s.host}:${s.port}/mysql`;

test("a MariaDB with binlog off fails: exit 1, log_bin named with what was found, what is needed and the fix", async () => {
  const r = await runCli(["preflight", "--source", url(off)]);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/^FAIL\s+log_bin\s+OFF\s+ON/m);
  expect(r.stdout).toMatch(/log[_-]bin/);
  expect(r.stdout + r.stderr).not.toMatch(/all checks passed/);

  const json = await runCli(["preflight", "--source", url(off), "--json"]);
  expect(json.code).toBe(1);
  const logBin = JSON.parse(json.stdout).checks.find((c: { name: string }) => c.name === "log_bin");
  expect(logBin).toMatchObject({ ok: false, found: "OFF", needed: "ON" });
  expect(logBin.fix).toMatch(/log[_-]bin/);
});

test("a correctly configured MariaDB passes every check: exit 0", async () => {
  const r = await runCli(["preflight", "--source", url(ready)]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/all checks passed\n$/);
});
