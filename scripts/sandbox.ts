/**
 * A pipeline to develop against without Docker: the real tier's services as local processes on loopback,
 * and the real Pulumi engine deploying stacks to them.
 *
 *   npm run sandbox -- up                   start the services in the background (a supervisor process), write
 *                                           .sandbox/endpoints.json and an all-external Pulumi.sandbox.yaml
 *   npm run sandbox -- deploy --stack NAME  `pulumi up` of Pulumi.NAME.yaml with the real engine (scripts/engine.ts)
 *   npm run sandbox -- destroy --stack NAME `pulumi destroy` of that stack
 *   npm run sandbox -- status               the endpoints, or that the sandbox is down
 *   npm run sandbox -- down                 stop every service (Ctrl+C or SIGTERM to the supervisor does the same)
 *
 * Services: MariaDB as the source (binlog ROW/FULL, the catalog's demo schema with sample rows, the CDC
 * user), Flink 1.20 (JobManager, TaskManager, SQL Gateway) with checkpoints on a moto S3 server, and the
 * StarRocks STAND-IN (tests/standins/starrocks.ts: MySQL protocol and Stream Load, rows kept in MariaDB;
 * it is not StarRocks). They need what scripts/install-real-tier.sh installs, and the engine needs the CLI
 * of scripts/build-pulumi-cli.sh. Stacks live in the project's local backend (.pulumi-state/, the
 * passphrase in .pulumi-state/passphrase), so `npm run pulumi -- stack output --stack sandbox` and
 * `npm run cdc -- counts --stack sandbox` read them as any other stack.
 */
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ROOT, configureStack, engineContext, runOperation } from "./engine";

const DIR = path.join(ROOT, ".sandbox");
const ENDPOINTS = path.join(DIR, "endpoints.json");
const LOG = path.join(DIR, "sandbox.log");
const STATE = path.join(ROOT, ".pulumi-state");

export interface SandboxEndpoints {
  /** The supervisor process; SIGTERM stops everything. */
  pid: number;
  startedAt: string;
  source: { host: string; port: number; database: string; user: string; rootUser: string };
  starrocks: { host: string; queryPort: number; httpPort: number; adminUser: string };
  flink: { restUrl: string; sqlGatewayUrl: string; logDir: string };
  s3: { endpoint: string; bucket: string; accessKey: string; region: string };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function readEndpoints(): SandboxEndpoints | undefined {
  if (!fs.existsSync(ENDPOINTS)) return undefined;
  const e = JSON.parse(fs.readFileSync(ENDPOINTS, "utf8")) as SandboxEndpoints;
  return alive(e.pid) ? e : undefined;
}

/** The project's local backend and its passphrase (created as scripts/pulumi.sh creates it). */
function context() {
  fs.mkdirSync(STATE, { recursive: true });
  const file = path.join(STATE, "passphrase");
  if (!fs.existsSync(file) || !fs.readFileSync(file, "utf8").trim()) fs.writeFileSync(file, crypto.randomBytes(24).toString("hex"), { mode: 0o600 });
  const passphrase = process.env.PULUMI_CONFIG_PASSPHRASE ?? fs.readFileSync(file, "utf8").trim();
  const ctx = engineContext({ workDir: ROOT, backendDir: STATE, passphrase });
  if (process.env.PULUMI_BACKEND_URL) ctx.backendUrl = process.env.PULUMI_BACKEND_URL;
  return ctx;
}

// ─────────────────────────────────────────────────────────────── the supervisor (`serve`)

/** Starts every service, writes the endpoints and Pulumi.sandbox.yaml, and stops everything on SIGINT/SIGTERM. */
async function serve(): Promise<void> {
  /* eslint-disable @typescript-eslint/no-var-requires */
  const cluster = require("../tests/real/harness/cluster") as typeof import("../tests/real/harness/cluster");
  const { startMariaDb } = require("../tests/helpers/mariadb") as typeof import("../tests/helpers/mariadb");
  const { startStarRocksStandIn } = require("../tests/standins/starrocks") as typeof import("../tests/standins/starrocks");
  const { sourceSetupSql } = require("../tests/real/harness/source") as typeof import("../tests/real/harness/source");
  const { TABLES } = require("../catalog/tables") as typeof import("../catalog/tables");
  const { onExitSignals, stopTrackedProcesses } = require("../tests/helpers/processRegistry") as typeof import("../tests/helpers/processRegistry");
  const mysql = require("mysql2/promise");
  /* eslint-enable @typescript-eslint/no-var-requires */

  // Each service's stop, newest first, on SIGINT/SIGTERM/SIGHUP (`down` sends SIGTERM); the process registry
  // (tests/helpers/processRegistry.ts) then stops any MariaDB, Flink or moto process still alive, and kills them
  // on any other exit, so nothing outlives the supervisor.
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    fs.rmSync(ENDPOINTS, { force: true });
    for (const stop of [...stops].reverse()) await stop().catch((err) => console.error(`sandbox: ${(err as Error).message}`));
    console.log("sandbox: stopped");
  };
  onExitSignals(stopAll, { label: "sandbox" });
  const shutdown = async (why: string, code = 0) => {
    console.log(`sandbox: stopping (${why})`);
    await stopAll();
    await stopTrackedProcesses();
    process.exit(code);
  };

  try {
    const flinkHome = cluster.locateFlinkHome();
    const missing = cluster.missingPrerequisite(flinkHome);
    if (missing) throw new Error(`the Flink tier is not installed: ${missing}`);
    const secrets = { cdc: rand(), admin: rand(), loader: rand() };

    // Source: MariaDB with the demo schema and the CDC user.
    const db = await startMariaDb({ binlog: true, binlogFormat: "ROW", binlogRowImage: "FULL" });
    stops.push(() => db.stop());
    const root = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, multipleStatements: true });
    await root.query(sourceSetupSql("shop", TABLES.filter((t) => !t.internal).map((t) => t.name), 100, "flink_cdc", secrets.cdc).join(";\n"));
    await root.end();
    console.log(`sandbox: MariaDB source on 127.0.0.1:${db.port}`);

    // The StarRocks stand-in, as a cluster its operator set up (an alive compute node, a default volume).
    const sink = await startStarRocksStandIn({ preset: "ready", rootPassword: secrets.admin });
    stops.push(() => sink.stop());
    console.log(`sandbox: StarRocks stand-in on 127.0.0.1:${sink.queryPort} (query) / ${sink.httpPort} (http)`);

    // Flink: S3 (moto), JobManager, TaskManager, SQL Gateway, from the tier's own start-up code.
    const runDir = path.join(DIR, "flink");
    fs.rmSync(runDir, { recursive: true, force: true });
    const ports = await cluster.allocatePorts();
    const s3 = { endpoint: `http://127.0.0.1:${ports.s3}`, accessKey: "sandbox-access", secretKey: rand(), region: "us-east-1", bucket: "starrocks-cdc", server: "moto" };
    const conf = cluster.tierConfigYaml({ flinkHome: flinkHome!, ports, s3 });
    const state = {
      flinkHome: flinkHome!, runDir, confDir: path.join(runDir, "conf"), logDir: path.join(runDir, "log"), pidDir: path.join(runDir, "pid"),
      restUrl: `http://127.0.0.1:${ports.rest}`, gatewayUrl: `http://127.0.0.1:${ports.gateway}`, ports, s3,
      checkpointDir: conf.checkpointDir, savepointDir: conf.savepointDir, processes: {}, ownerPid: process.pid, startupSeconds: 0,
    };
    fs.mkdirSync(state.logDir, { recursive: true });
    fs.mkdirSync(state.pidDir, { recursive: true });
    cluster.writeConfDir(state.confDir, state.flinkHome, conf.text);
    stops.push(async () => {
      for (const p of ["sql-gateway", "taskmanager", "jobmanager", "s3"] as const) await cluster.stopProcess(state, p);
      for (const pid of cluster.processesIn(runDir)) process.kill(pid, "SIGKILL");
    });
    cluster.spawnS3Server(state, cluster.locateMotoServer()!);
    await cluster.s3Ready(state);
    cluster.spawnRole(state, "jobmanager");
    await cluster.jobManagerReady(state);
    cluster.spawnRole(state, "taskmanager");
    cluster.spawnRole(state, "sql-gateway");
    await Promise.all([cluster.taskManagersRegistered(state), cluster.gatewayReady(state)]);
    console.log(`sandbox: Flink REST ${state.restUrl}, SQL Gateway ${state.gatewayUrl}, S3 ${s3.endpoint}`);

    // A ready all-external stack config: Pulumi.sandbox.yaml (secrets encrypted with the local backend's passphrase).
    const ctx = context();
    configureStack(ctx, "sandbox", {
      sourceMode: "external", sourceHost: "127.0.0.1", sourcePort: db.port, sourceUser: "flink_cdc", sourceDatabase: "shop", sourcePassword: secrets.cdc,
      minBinlogRetentionSeconds: 0,
      starrocksMode: "external", starrocksHost: "127.0.0.1", starrocksQueryPort: sink.queryPort, starrocksHttpPort: sink.httpPort,
      starrocksAdminUser: "root", starrocksAdminPassword: secrets.admin, loaderPassword: secrets.loader,
      flinkMode: "external", flinkRestUrl: state.restUrl, flinkSqlGatewayUrl: state.gatewayUrl,
      flinkCheckpointDir: `s3://${s3.bucket}/sandbox/checkpoints`, flinkSavepointDir: `s3://${s3.bucket}/sandbox/savepoints`,
      flinkS3Endpoint: s3.endpoint, flinkS3AccessKey: s3.accessKey, flinkS3SecretKey: s3.secretKey, s3Region: s3.region,
      checkpointInterval: "5s",
    }, ["sourcePassword", "starrocksAdminPassword", "loaderPassword", "flinkS3SecretKey"]);

    const endpoints: SandboxEndpoints = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      source: { host: "127.0.0.1", port: db.port, database: "shop", user: "flink_cdc", rootUser: "root" },
      starrocks: { host: "127.0.0.1", queryPort: sink.queryPort, httpPort: sink.httpPort, adminUser: "root" },
      flink: { restUrl: state.restUrl, sqlGatewayUrl: state.gatewayUrl, logDir: state.logDir },
      s3: { endpoint: s3.endpoint, bucket: s3.bucket, accessKey: s3.accessKey, region: s3.region },
    };
    fs.writeFileSync(ENDPOINTS, JSON.stringify(endpoints, null, 2) + "\n");
    console.log(`sandbox: ready (${ENDPOINTS}, Pulumi.sandbox.yaml)`);
    // Stays up until a signal: the stand-in lives in this process.
    setInterval(() => undefined, 1 << 30);
  } catch (err) {
    console.error(`sandbox: start failed: ${(err as Error).message}`);
    await shutdown("start failed", 1);
  }
}

function rand(): string {
  return crypto.randomBytes(12).toString("hex");
}

// ─────────────────────────────────────────────────────────────── the commands

async function up(): Promise<number> {
  const running = readEndpoints();
  if (running) {
    console.log(`sandbox: already up (supervisor pid ${running.pid}); endpoints in ${ENDPOINTS}`);
    return 0;
  }
  fs.mkdirSync(DIR, { recursive: true });
  fs.rmSync(ENDPOINTS, { force: true });
  const out = fs.openSync(LOG, "w");
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, "serve"], { cwd: ROOT, detached: true, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  child.unref();
  console.log(`sandbox: starting (supervisor pid ${child.pid}, log ${LOG}); this takes a minute or two`);
  // Ctrl+C while starting stops what has started.
  const abort = () => {
    try {
      process.kill(child.pid!, "SIGTERM");
    } catch {
      /* gone */
    }
    process.exit(130);
  };
  process.on("SIGINT", abort);
  process.on("SIGTERM", abort);
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    if (readEndpoints()) {
      console.log(fs.readFileSync(LOG, "utf8").trim());
      console.log(`\nnext: npm run sandbox -- deploy --stack sandbox, then npm run cdc -- counts --stack sandbox`);
      return 0;
    }
    if (!alive(child.pid!)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.error(`sandbox: did not start:\n${fs.readFileSync(LOG, "utf8").trim().split("\n").slice(-30).join("\n")}`);
  if (alive(child.pid!)) process.kill(child.pid!, "SIGTERM");
  return 1;
}

async function down(): Promise<number> {
  const e = readEndpoints();
  const pid = e?.pid ?? (fs.existsSync(ENDPOINTS) ? (JSON.parse(fs.readFileSync(ENDPOINTS, "utf8")) as SandboxEndpoints).pid : undefined);
  if (!pid || !alive(pid)) {
    fs.rmSync(ENDPOINTS, { force: true });
    console.log("sandbox: not running");
    return 0;
  }
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 120_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
  if (alive(pid)) {
    console.error(`sandbox: supervisor ${pid} did not stop within 120 s; see ${LOG}`);
    return 1;
  }
  console.log("sandbox: down (stacks deployed to it keep their state: destroy them before `down`, or `npm run pulumi -- stack rm --force --stack NAME`)");
  return 0;
}

async function engineOp(op: "up" | "destroy", stack: string | undefined): Promise<number> {
  if (!stack) {
    console.error(`sandbox: ${op === "up" ? "deploy" : "destroy"} needs --stack NAME`);
    return 2;
  }
  if (!readEndpoints()) {
    console.error("sandbox: not running; start it with `npm run sandbox -- up`");
    return 1;
  }
  if (!fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`))) {
    console.error(`sandbox: no Pulumi.${stack}.yaml (Pulumi.sandbox.yaml is the sandbox's ready one; copy it to start another)`);
    return 2;
  }
  const ctx = context();
  configureStack(ctx, stack, {});
  const r = await runOperation(ctx, op, stack, { echo: true });
  if (!r.ok) console.error(`sandbox: pulumi ${op} of ${stack} failed:\n${r.error}`);
  return r.ok ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [cmd] = argv;
  const i = argv.indexOf("--stack");
  const stack = i >= 0 ? argv[i + 1] : undefined;
  switch (cmd) {
    case "serve":
      await serve();
      return new Promise(() => undefined);
    case "up":
      return up();
    case "deploy":
      return engineOp("up", stack);
    case "destroy":
      return engineOp("destroy", stack);
    case "down":
      return down();
    case "status": {
      const e = readEndpoints();
      console.log(e ? JSON.stringify(e, null, 2) : "sandbox: not running");
      return e ? 0 : 1;
    }
    default:
      console.error("usage: npm run sandbox -- up | deploy --stack NAME | destroy --stack NAME | status | down");
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
    console.error(`sandbox: ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
}
