/**
 * `cdc`: parses arguments, resolves connections, dispatches to one command, renders its data (human or
 * --json), and maps every failure to a one-line message and a documented exit code (see errors.ts).
 */
import { FlagSpec, formatFlags, parseArgs } from "./args";
import { Command } from "./command";
import { benchCommand } from "./commands/bench";
import { catalogCommand } from "./commands/catalog";
import { cleanupCommand } from "./commands/cleanup";
import { countsCommand } from "./commands/counts";
import { latencyCommand } from "./commands/latency";
import { loadCommand } from "./commands/load";
import { monitorCommand } from "./commands/monitor";
import { preflightCommand } from "./commands/preflight";
import { Connections, StackReader } from "./connections";
import { Context, Interrupt, Output } from "./context";
import { EXIT, UsageError, classify } from "./errors";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: readonly Command<any>[] = [latencyCommand, loadCommand, countsCommand, cleanupCommand, benchCommand, monitorCommand, preflightCommand, catalogCommand];

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: "source", type: "string", value: "URL", help: "source MySQL, mysql://user:password@host:port/db (or CDC_SOURCE_URL)" },
  { name: "sink", type: "string", value: "URL", help: "sink StarRocks, mysql://user:password@host:port/db (or CDC_SINK_URL)" },
  { name: "stack", type: "string", value: "NAME", help: "read sourceUrl, sinkUrl and tables from `pulumi stack output`" },
  { name: "tables", type: "string", value: "A,B", help: "replicated tables (default: the stack's, else catalog tables found in both)" },
  { name: "help", type: "boolean", short: "h", help: "show help" },
];

export function usage(cmd?: Command<unknown>): string {
  if (cmd) {
    return [`usage: ${cmd.usage.join("\n       ")}`, "", cmd.summary, "", "options:", ...formatFlags(cmd.flags), ...formatFlags(GLOBAL_FLAGS)].join("\n");
  }
  return [
    "usage: cdc <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    "",
    "connection options (every command):",
    ...formatFlags(GLOBAL_FLAGS),
    "",
    "exit codes: 0 ok, 1 check failed, 2 usage or configuration error, 3 connection error,",
    "            4 unexpected error, 130 interrupted (Ctrl+C) before a bounded run finished",
    "run `cdc <command> --help` for a command's options",
  ].join("\n");
}

export interface MainIO {
  out: Output;
  err: Output;
  env: NodeJS.ProcessEnv;
  interrupt?: Interrupt;
  readStack?: StackReader;
}

/** Runs the CLI and returns its exit code; never throws. */
export async function main(argv: readonly string[], io: MainIO): Promise<number> {
  const at = commandIndex(argv);
  const name = at < 0 ? undefined : argv[at];
  const cmd = COMMANDS.find((c) => c.name === name);
  let secrets: string[] = [];
  try {
    if (!name) {
      if (argv.includes("--help") || argv.includes("-h")) {
        io.out.write(usage() + "\n");
        return EXIT.OK;
      }
      throw new UsageError("no command given", true);
    }
    if (!cmd) throw new UsageError(`unknown command "${name}"`, true);
    const rest = [...argv];
    rest.splice(at, 1);
    const parsed = parseArgs(rest, [...cmd.flags, ...GLOBAL_FLAGS]);
    if (parsed.flags.help) {
      io.out.write(usage(cmd) + "\n");
      return EXIT.OK;
    }
    const opts = cmd.parse(parsed);
    const connections = new Connections({
      source: parsed.flags.source as string | undefined,
      sink: parsed.flags.sink as string | undefined,
      stack: parsed.flags.stack as string | undefined,
      env: io.env,
      readStack: io.readStack,
    });
    const ctx = new Context(connections, { json: parsed.flags.json === true, tables: parsed.flags.tables as string | undefined }, io.out, io.err, io.interrupt ?? new Interrupt());
    for (const role of cmd.needs) ctx.endpoint(role); // usage error (2) for a missing endpoint, before connecting
    try {
      const result = await cmd.run(ctx, opts);
      if (parsed.flags.json === true) io.out.write(JSON.stringify(result.data, jsonReplacer) + "\n");
      else if (result.human) io.out.write(result.human + "\n");
      return result.exitCode;
    } finally {
      secrets = connections.secrets();
      await ctx.close();
    }
  } catch (err) {
    const { exitCode, message } = classify(err, secrets);
    io.err.write(`cdc: ${message}\n`);
    if (err instanceof UsageError && err.showUsage) io.err.write("\n" + usage(cmd) + "\n");
    if (io.env.CDC_DEBUG && err instanceof Error && err.stack) io.err.write(err.stack + "\n");
    return exitCode;
  }
}

/** Index of the first word that is neither an option nor an option's value (`cdc --source URL latency single`), or -1. */
export function commandIndex(argv: readonly string[]): number {
  const specs = [...GLOBAL_FLAGS, ...COMMANDS.flatMap((c) => c.flags)];
  const takesValue = (a: string) => {
    const s = a.startsWith("--") ? specs.find((x) => x.name === a.slice(2)) : specs.find((x) => x.short === a.slice(1));
    return s !== undefined && s.type !== "boolean";
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-")) return i;
    if (!a.includes("=") && takesValue(a)) i++;
  }
  return -1;
}

/** BigInt keys print as strings in JSON. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

function streamOutput(s: NodeJS.WriteStream): Output {
  return {
    write: (text) => void s.write(text),
    get isTTY() {
      return Boolean(s.isTTY);
    },
    get columns() {
      return s.columns;
    },
    get rows() {
      return s.rows;
    },
  };
}

/** Process entry: wires stdout/stderr and Ctrl+C, then exits with main's code. */
export function runProcess(): void {
  const interrupt = new Interrupt();
  process.on("SIGINT", () => {
    if (interrupt.requested) {
      process.stderr.write("\ncdc: interrupted again, exiting without summary\n");
      process.exit(EXIT.INTERRUPTED);
    }
    interrupt.trigger();
  });
  process.stdout.on("error", () => undefined); // e.g. `cdc ... | head`
  main(process.argv.slice(2), { out: streamOutput(process.stdout), err: streamOutput(process.stderr), env: process.env, interrupt }).then(
    (code) => {
      process.exitCode = code;
      // Let stdout drain, then leave even if a stray socket lingers.
      setTimeout(() => process.exit(code), 50).unref();
    },
  );
}

if (require.main === module) runProcess();
