/**
 * The real Pulumi engine for this program, without the nodejs language host: each operation (up, preview,
 * refresh, destroy) runs the Automation API with an inline program that evaluates index.ts, in a Node
 * process of its own. The CLI (scripts/build-pulumi-cli.sh, or the npm package's) connects to that process
 * (`--client … --exec-kind auto.inline`), and launches the dynamic providers through the
 * `pulumi-resource-pulumi-nodejs` script beside it.
 *
 * One process per operation, because an inline program that `require`s index.ts is evaluated once per
 * process: a second operation in the same process would see an empty program and plan to delete everything.
 *
 * Used by the real-engine tests (tests/engine) and the sandbox (scripts/sandbox.ts):
 *
 *   const ctx = engineContext({ workDir, backendDir, passphrase });
 *   configureStack(ctx, "dev", { tables: ["orders"], ... }, ["sourcePassword"]);
 *   const r = await runOperation(ctx, "up", "dev");           // r.ok, r.summary, r.stdout, r.events, r.error
 *
 * As a command: node -r ts-node/register/transpile-only scripts/engine.ts <op> --stack NAME --work-dir DIR
 *   [--result FILE] [--diff] [--expect-no-changes] [--reference org/project/stack]
 * with PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE(_FILE) and PATH (the CLI's bin dir) in the environment.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..");
export const PROJECT = "starrocks-cdc";
export type Operation = "up" | "preview" | "refresh" | "destroy";

/** Where and how the engine runs: the project folder with Pulumi.yaml, the state backend, the passphrase, the CLI. */
export interface EngineContext {
  /** Holds Pulumi.yaml (the project's, for its config schema) and the Pulumi.<stack>.yaml files. */
  workDir: string;
  /** PULUMI_BACKEND_URL, e.g. file:///tmp/x. */
  backendUrl: string;
  /** The stacks' passphrase (PULUMI_CONFIG_PASSPHRASE). */
  passphrase: string;
  /** Folder holding `pulumi` and `pulumi-resource-pulumi-nodejs`. */
  cliBin: string;
  /** Let the CLI download resource plugins (docker, random: a managed stack on a Docker host). Default false. */
  pluginAcquisition?: boolean;
}

/** One step the engine reported (`resourcePreEvent`: what it is about to do to a resource). */
export interface EngineStep {
  op: string;
  urn: string;
  type: string;
  /** The resource's name (last URN part). */
  name: string;
  /** "pre" when the step starts, "done" when its outputs are recorded, "failed" on a failure diagnostic. */
  phase: "pre" | "done";
  /** Properties the engine found changed (refresh drift, update diffs). */
  diffs?: string[];
}

export interface OperationResult {
  ok: boolean;
  op: Operation;
  stack: string;
  /** The engine's change summary: `summary.resourceChanges` (up/refresh/destroy) or `changeSummary` (preview). */
  changes: Record<string, number>;
  stdout: string;
  stderr: string;
  /** Stack outputs after `up` (secret values kept as returned, with their `secret` flag). */
  outputs?: Record<string, { value: unknown; secret: boolean }>;
  steps: EngineStep[];
  /** Error diagnostics the engine printed (`diagnosticEvent` with severity error). */
  diagnostics: string[];
  /** The failure message (the CLI's stderr) when `ok` is false. */
  error?: string;
  durationMs: number;
}

const CACHE = process.env.STARROCKS_CDC_CACHE ?? path.join(os.homedir(), ".cache", "starrocks-cdc");

/**
 * The bin folder of a Pulumi CLI that can run the engine here: $PULUMI_CLI_BIN, else the one
 * scripts/build-pulumi-cli.sh recorded; undefined when neither has a working `pulumi` and the plugin script.
 */
export function locatePulumiCli(): string | undefined {
  const marker = path.join(CACHE, "pulumi-cli-bin");
  const bin = process.env.PULUMI_CLI_BIN ?? (fs.existsSync(marker) ? fs.readFileSync(marker, "utf8").trim() : undefined);
  if (!bin) return undefined;
  const ok = ["pulumi", "pulumi-resource-pulumi-nodejs"].every((f) => fs.existsSync(path.join(bin, f)));
  return ok ? bin : undefined;
}

/** Why the real engine cannot run on this machine, or undefined when it can. */
export function missingEngine(): string | undefined {
  const bin = locatePulumiCli();
  if (!bin) return "no Pulumi CLI built (run scripts/build-pulumi-cli.sh)";
  const v = spawnSync(path.join(bin, "pulumi"), ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
  if (v.status !== 0) return `${bin}/pulumi does not run: ${(v.stderr || v.stdout || "").trim().split("\n")[0]}`;
  return undefined;
}

/**
 * A context with the project's Pulumi.yaml copied into `workDir` (unless it is the project folder itself)
 * and a file backend at `backendDir`.
 */
export function engineContext(opts: { workDir: string; backendDir: string; passphrase: string; cliBin?: string }): EngineContext {
  const cliBin = opts.cliBin ?? locatePulumiCli();
  if (!cliBin) throw new Error("no Pulumi CLI: run scripts/build-pulumi-cli.sh (or set PULUMI_CLI_BIN to a folder with pulumi and pulumi-resource-pulumi-nodejs)");
  fs.mkdirSync(opts.workDir, { recursive: true });
  fs.mkdirSync(opts.backendDir, { recursive: true });
  if (path.resolve(opts.workDir) !== ROOT) {
    // The project's settings and config schema; without `main`, which the CLI checks exists in the folder
    // (the program itself is served inline).
    const YAML = require("yaml");
    const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    delete project.main;
    fs.writeFileSync(path.join(opts.workDir, "Pulumi.yaml"), YAML.stringify(project));
    // The provider host runs in this folder: serialized providers `require` their drivers (mysql2, …) from here.
    const modules = path.join(opts.workDir, "node_modules");
    if (!fs.existsSync(modules)) fs.symlinkSync(path.join(ROOT, "node_modules"), modules);
  }
  return { workDir: opts.workDir, backendUrl: `file://${path.resolve(opts.backendDir)}`, passphrase: opts.passphrase, cliBin };
}

/** The environment every engine command gets. */
export function engineEnv(ctx: EngineContext, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...base,
    PATH: `${ctx.cliBin}:${path.dirname(process.execPath)}:${base.PATH ?? ""}`,
    PULUMI_BACKEND_URL: ctx.backendUrl,
    PULUMI_CONFIG_PASSPHRASE: ctx.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    // No plugin download: an all-external stack registers only dynamic resources (and StackReferences, built in).
    ...(ctx.pluginAcquisition ? {} : { PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" }),
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
  delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
  return env;
}

/** Runs the built CLI synchronously in the work dir; throws with its stderr when it fails. */
export function pulumiCli(ctx: EngineContext, args: string[], opts: { input?: string } = {}): string {
  const r = spawnSync(path.join(ctx.cliBin, "pulumi"), [...args, "--non-interactive"], { cwd: ctx.workDir, env: engineEnv(ctx), encoding: "utf8", input: opts.input, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed (exit ${r.status}): ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  return r.stdout;
}

/**
 * Creates the stack (if new) and sets its config: plain values and secrets, arrays by path
 * (`tables[0]`, …), since the project declares `tables` as `type: array` and a JSON string is refused.
 */
export function configureStack(ctx: EngineContext, stack: string, config: Record<string, unknown>, secretKeys: readonly string[] = []): void {
  const exists = pulumiCli(ctx, ["stack", "ls", "--json"]);
  if (!(JSON.parse(exists) as Array<{ name: string }>).some((s) => s.name === stack || s.name.endsWith(`/${stack}`))) {
    pulumiCli(ctx, ["stack", "init", stack, "--secrets-provider", "passphrase"]);
  }
  setConfig(ctx, stack, config, secretKeys);
}

/** Sets config keys of an existing stack (one `pulumi config set-all` call). */
export function setConfig(ctx: EngineContext, stack: string, config: Record<string, unknown>, secretKeys: readonly string[] = []): void {
  const args = ["config", "set-all", "--path", "--stack", stack];
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const flag = secretKeys.includes(key) ? "--secret" : "--plaintext";
    const full = `${PROJECT}:${key}`;
    if (Array.isArray(value)) {
      // Clear the old list first: set-all --path only overwrites the indexes it is given.
      try {
        pulumiCli(ctx, ["config", "rm", "--stack", stack, key]);
      } catch {
        /* not set */
      }
      value.forEach((v, i) => args.push(flag, `${full}[${i}]=${String(v)}`));
    } else {
      args.push(flag, `${full}=${String(value)}`);
    }
  }
  if (args.length > 5) pulumiCli(ctx, args);
}

/** Runs one engine operation in a child process (a fresh evaluation of index.ts); never throws for an engine failure. */
export async function runOperation(
  ctx: EngineContext,
  op: Operation,
  stack: string,
  opts: { diff?: boolean; expectNoChanges?: boolean; reference?: string; echo?: boolean; timeoutMs?: number } = {},
): Promise<OperationResult> {
  const resultFile = path.join(os.tmpdir(), `starrocks-cdc-engine-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const args = ["-r", "ts-node/register/transpile-only", __filename, op, "--stack", stack, "--work-dir", ctx.workDir, "--result", resultFile];
  if (opts.diff) args.push("--diff");
  if (opts.expectNoChanges) args.push("--expect-no-changes");
  if (opts.reference) args.push("--reference", opts.reference);
  const started = Date.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: engineEnv(ctx), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
    if (opts.echo) process.stdout.write(d);
  });
  child.stderr.on("data", (d) => {
    output += d;
    if (opts.echo) process.stderr.write(d);
  });
  const timer = setTimeout(() => {
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 30_000).unref();
  }, opts.timeoutMs ?? 900_000);
  const code: number = await new Promise((resolve) => child.on("exit", (c, signal) => resolve(c ?? (signal ? 128 : 1))));
  clearTimeout(timer);
  if (!fs.existsSync(resultFile)) {
    return { ok: false, op, stack, changes: {}, stdout: output, stderr: "", steps: [], diagnostics: [], error: `engine process exited ${code} without a result:\n${output.slice(-4000)}`, durationMs: Date.now() - started };
  }
  const result = JSON.parse(fs.readFileSync(resultFile, "utf8")) as OperationResult;
  fs.rmSync(resultFile, { force: true });
  return result;
}

// ─────────────────────────────────────────────────────────────── the child process

/** Removes this project's modules (not node_modules) from require.cache, so index.ts is evaluated afresh. */
function forgetProjectModules(): void {
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(ROOT + path.sep) && !key.includes(`${path.sep}node_modules${path.sep}`) && key !== __filename) delete require.cache[key];
  }
}

async function main(argv: string[]): Promise<void> {
  const op = argv[0] as Operation;
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const stackName = flag("--stack");
  const workDir = flag("--work-dir") ?? ROOT;
  const resultFile = flag("--result");
  const reference = flag("--reference");
  if (!["up", "preview", "refresh", "destroy"].includes(op) || !stackName) {
    console.error("usage: engine.ts up|preview|refresh|destroy --stack NAME [--work-dir DIR] [--result FILE] [--diff] [--expect-no-changes] [--reference org/project/stack]");
    process.exit(2);
  }
  const started = Date.now();
  // Ends with the process that started it (a test run killed mid-operation leaves no engine behind); the
  // CLI then loses its program connection and stops too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
  }, 2000).unref();
  const auto = await import("@pulumi/pulumi/automation");
  // The program: index.ts, or (with --reference) a consumer that reads another stack's outputs.
  const program = reference
    ? async () => {
      const pulumi = await import("@pulumi/pulumi");
      const ref = new pulumi.StackReference(reference);
      return {
        endpoints: ref.getOutput("endpoints"),
        sinkDatabase: ref.getOutput("sinkDatabase"),
        tables: ref.getOutput("tables"),
        sinkUrl: ref.requireOutput("sinkUrl"),
      };
    }
    : async () => {
      forgetProjectModules();
      // index.ts exports its async program function (`export = main`), which returns the stack outputs.
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const program = require(path.join(ROOT, "index.ts"));
      return typeof program === "function" ? await program() : { ...program };
    };
  const pulumiCommand = await auto.PulumiCommand.get({ skipVersionCheck: true });
  const stack = await auto.LocalWorkspace.createOrSelectStack({ stackName, projectName: PROJECT, program }, { workDir, pulumiCommand });

  const steps: EngineStep[] = [];
  const diagnostics: string[] = [];
  const onEvent = (e: any) => {
    const meta = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
    if (meta) {
      const urn: string = meta.urn;
      steps.push({ op: meta.op, urn, type: meta.type, name: urn.split("::").pop() ?? urn, phase: e.resourcePreEvent ? "pre" : "done", diffs: meta.diffs });
    }
    if (e.diagnosticEvent && e.diagnosticEvent.severity === "error") diagnostics.push(`${e.diagnosticEvent.urn ?? ""} ${e.diagnosticEvent.message}`.trim());
  };
  const onOutput = (s: string) => process.stdout.write(s);
  const result: OperationResult = { ok: false, op, stack: stackName, changes: {}, stdout: "", stderr: "", steps, diagnostics, durationMs: 0 };
  try {
    const common = { onOutput, onEvent, color: "never" as const };
    if (op === "up") {
      const r = await stack.up({ ...common, diff: argv.includes("--diff"), expectNoChanges: argv.includes("--expect-no-changes") });
      Object.assign(result, { stdout: r.stdout, stderr: r.stderr, changes: r.summary.resourceChanges ?? {}, outputs: r.outputs });
    } else if (op === "preview") {
      const r = await stack.preview({ ...common, diff: argv.includes("--diff"), expectNoChanges: argv.includes("--expect-no-changes") });
      Object.assign(result, { stdout: r.stdout, stderr: r.stderr, changes: r.changeSummary ?? {} });
    } else if (op === "refresh") {
      const r = await stack.refresh({ ...common });
      Object.assign(result, { stdout: r.stdout, stderr: r.stderr, changes: r.summary.resourceChanges ?? {} });
    } else {
      const r = await stack.destroy({ ...common });
      Object.assign(result, { stdout: r.stdout, stderr: r.stderr, changes: r.summary.resourceChanges ?? {} });
    }
    result.ok = true;
  } catch (err) {
    const cr = (err as { commandResult?: { stdout: string; stderr: string } }).commandResult;
    result.stdout = cr?.stdout ?? "";
    result.stderr = cr?.stderr ?? "";
    result.error = cr ? `${cr.stderr}\n${cr.stdout}`.trim() : String((err as Error).stack ?? err);
  }
  result.durationMs = Date.now() - started;
  if (resultFile) fs.writeFileSync(resultFile, JSON.stringify(result));
  else console.log(JSON.stringify({ ok: result.ok, changes: result.changes, error: result.error }));
  process.exit(result.ok ? 0 : 1);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`engine: ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
}
