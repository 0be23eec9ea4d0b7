#!/usr/bin/env node
// Launcher for the `cdc` operator CLI (cli/main.ts). Runs the TypeScript sources through ts-node in
// transpile-only mode with the repo's tsconfig, so `npx cdc` and `npm run cdc -- ...` work after `npm ci`.
"use strict";
const path = require("path");
const root = path.join(__dirname, "..");
require("./node-version").requireSupportedNode("cdc");
require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
require(path.join(root, "cli", "main.ts")).runProcess();
