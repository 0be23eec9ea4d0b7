/** The shape every command under cli/commands/ has: flags, then run() computing data, then a renderer. */
import { FlagSpec, Parsed } from "./args";
import { Context } from "./context";
import { UsageError } from "./errors";

export interface CommandResult<T = unknown> {
  exitCode: number;
  /** What --json prints. */
  data: T;
  /** Human rendering of the same data (omit for commands that streamed their output). */
  human?: string;
}

/**
 * parse() validates arguments without touching the network (usage errors come first, exit 2); main then
 * resolves the endpoints in `needs`, and run() does the work.
 */
export interface Command<O = unknown> {
  name: string;
  summary: string;
  usage: string[];
  flags: FlagSpec[];
  /** Endpoints resolved before run(), so a missing one is a usage error (2) before any connection error (3). */
  needs: Array<"source" | "sink">;
  parse(args: Parsed): O;
  run(ctx: Context, opts: O): Promise<CommandResult>;
  /** Commands reached as `cdc <name> <sub>` (e.g. `cdc catalog diff`); the word after the name picks one. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  subcommands?: readonly Command<any>[];
}

export const TIMEOUT_FLAG: FlagSpec = { name: "timeout", type: "number", value: "SECONDS", help: "how long to wait for rows to appear in the sink (default 60)" };
export const JSON_FLAG: FlagSpec = { name: "json", type: "boolean", help: "print the result as JSON" };
export const POLL_FLAG: FlagSpec = { name: "poll-ms", type: "integer", value: "MS", help: "sink poll interval, 5-100 ms (default 50): the resolution of every latency figure" };

/** --poll-ms, validated. */
export function pollInterval(v: unknown): number {
  const ms = (v as number | undefined) ?? 50;
  if (ms < 5 || ms > 100) throw new UsageError("--poll-ms must be between 5 and 100");
  return ms;
}
