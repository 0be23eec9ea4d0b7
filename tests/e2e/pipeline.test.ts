/**
 * The user's verbs on the real Pulumi engine for the managed stack on a real Docker host: the same suite
 * as the real tier's (tests/engine/verbs.ts), with this target's setup: every part managed (MySQL,
 * StarRocks, MinIO, Flink as containers, passwords from @pulumi/random), ports offset by 300 so it runs
 * beside a dev stack, the Pulumi CLI of the npm package `pulumi` (which downloads the CLI and the docker and
 * random plugins).
 *
 * Runs only when CDC_E2E=1 and a Docker daemon answers; otherwise it is skipped with the reason.
 * Run it with: CDC_E2E=1 npm run test:e2e
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as mysql from "mysql2/promise";
import { ROOT, engineContext, pulumiCli } from "../../scripts/engine";
import { describeVerbs } from "../engine/verbs";
import { EngineTarget, StartedTarget } from "../engine/target";

const PORT_OFFSET = 300;

function skipReason(): string | undefined {
  if (process.env.CDC_E2E !== "1") return "CDC_E2E=1 is not set; run CDC_E2E=1 npm run test:e2e on a Docker host";
  if (spawnSync("docker", ["info"], { stdio: "ignore" }).status !== 0) return "no Docker daemon answers `docker info`";
  return undefined;
}

/** The npm package's CLI (downloaded on first use); its bin folder also holds pulumi-resource-pulumi-nodejs. */
function npmCliBin(): string {
  const r = spawnSync(process.execPath, ["-e", "require('pulumi/lib/resolve').resolve().then((b) => console.log(b))"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`the npm package pulumi has no CLI: ${r.stderr}`);
  return path.dirname(r.stdout.trim());
}

async function start(): Promise<StartedTarget> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "starrocks-cdc-e2e-"));
  const backendDir = path.join(base, "state");
  const ctx = { ...engineContext({ workDir: path.join(base, "work"), backendDir, passphrase: "e2e-only", cliBin: npmCliBin() }), pluginAcquisition: true };
  const outputs = (stack = "verbs") => JSON.parse(pulumiCli(ctx, ["stack", "output", "--json", "--show-secrets", "--stack", stack]));
  const root = async (sql: string) => {
    const o = outputs();
    const c = await mysql.createConnection({ host: "127.0.0.1", port: 9030 + PORT_OFFSET, user: "root", password: o.starrocksRootPassword });
    try {
      return (await c.query(sql))[0] as Array<Record<string, unknown>>;
    } finally {
      await c.end();
    }
  };
  const docker = (...args: string[]) => {
    const r = spawnSync("docker", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr}`);
  };
  return {
    ctx,
    backendDir,
    config: () => ({ portOffset: PORT_OFFSET, sampleRows: 10, tables: ["orders"], checkpointInterval: "3s" }),
    secretKeys: [],
    secretValues: () => {
      const o = outputs();
      return [o.mysqlRootPassword, o.starrocksRootPassword, o.minioRootPassword].filter(Boolean);
    },
    sourceSql: async <T>(sql: string) => {
      const c = await mysql.createConnection({ uri: outputs().sourceUrl });
      try {
        return (await c.query(sql))[0] as T[];
      } finally {
        await c.end();
      }
    },
    flinkRestUrl: `http://127.0.0.1:${8081 + PORT_OFFSET}`,
    killTaskManager: async () => docker("kill", "starrocks-cdc-verbs-taskmanager-0"),
    startTaskManager: async () => docker("start", "starrocks-cdc-verbs-taskmanager-0"),
    sinkHasDatabase: async (db: string) => (await root("SHOW DATABASES")).some((r) => Object.values(r)[0] === db),
    sinkHasUser: async (user: string) => (await root("SHOW USERS")).some((r) => String(Object.values(r)[0]).includes(`'${user}'`)),
    // The FE (and its metadata) goes with the stack; retained data stays on its volume, not reachable here.
    sinkGoneWithStack: true,
    stop: async () => undefined,
  };
}

const dockerTarget: EngineTarget = {
  title: "a Docker host (managed stack)",
  skipReason,
  start,
};

describeVerbs(dockerTarget);
