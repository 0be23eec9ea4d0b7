/**
 * `cdc preflight`: is the source MySQL ready for mysql-cdc (binlog settings, retention, time zone, the
 * CDC user's grants)? The checks live in clients/preflight.ts, shared with the stack's SourcePreflight.
 */
import { CONFIG_SCHEMA } from "../../config";
import { PreflightCheck, runPreflightChecks } from "../../clients/preflight";
import { AccessDeniedError } from "../../clients/mysql";
import { WaitTimeoutError } from "../../clients/wait";
import { Command, CommandResult, JSON_FLAG } from "../command";
import { describeEndpoint } from "../connections";
import { ConnectionError, EXIT, UsageError } from "../errors";
import { table } from "../render";

export interface PreflightData {
  source: string;
  ok: boolean;
  checks: PreflightCheck[];
}

/** Injectable for tests. */
export type PreflightRunner = typeof runPreflightChecks;

interface PreflightOptions {
  timeZone: string;
  minBinlogRetentionSeconds: number;
  cdcUser?: string;
}

export function makePreflightCommand(runChecks: PreflightRunner = runPreflightChecks): Command<PreflightOptions> {
  return {
    name: "preflight",
    summary: "check that the source MySQL is ready for CDC (binlog, retention, time zone, grants)",
    usage: ["cdc preflight --source mysql://… [--json] [--time-zone TZ] [--min-binlog-retention SECONDS] [--cdc-user USER]"],
    needs: ["source"],
    flags: [
      { name: "time-zone", type: "string", value: "TZ", help: `time zone the server must use (default ${CONFIG_SCHEMA.sourceTimeZone.default})` },
      { name: "min-binlog-retention", type: "integer", value: "SECONDS", help: `smallest binlog retention accepted (default ${CONFIG_SCHEMA.minBinlogRetentionSeconds.default})` },
      { name: "cdc-user", type: "string", value: "USER", help: "user whose grants to check (default: the user in the URL)" },
      JSON_FLAG,
    ],
    parse(args) {
      if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`, true);
      return {
        timeZone: (args.flags["time-zone"] as string | undefined) ?? CONFIG_SCHEMA.sourceTimeZone.default,
        minBinlogRetentionSeconds: (args.flags["min-binlog-retention"] as number | undefined) ?? CONFIG_SCHEMA.minBinlogRetentionSeconds.default,
        cdcUser: args.flags["cdc-user"] as string | undefined,
      };
    },
    async run(ctx, expect): Promise<CommandResult<PreflightData>> {
      const ep = ctx.endpoint("source");
      await ctx.conn("source"); // fails fast (exit 3) with the endpoint named when unreachable
      let checks: PreflightCheck[];
      try {
        checks = await runChecks(
          { host: ep.host, port: ep.port, user: ep.user, password: ep.password, database: ep.database },
          expect,
          { service: "source", timeoutMs: 5000 },
        );
      } catch (err) {
        if (err instanceof AccessDeniedError || err instanceof WaitTimeoutError) throw new ConnectionError(`cannot connect to ${describeEndpoint(ep)}: ${err.message}`);
        throw err;
      }
      const data: PreflightData = { source: describeEndpoint(ep), ok: checks.every((c) => c.ok), checks };
      return { exitCode: data.ok ? EXIT.OK : EXIT.CHECK_FAILED, data, human: renderPreflight(data) };
    },
  };
}

export const preflightCommand = makePreflightCommand();

export function renderPreflight(d: PreflightData): string {
  const rows = d.checks.map((c) => [c.ok ? "ok" : "FAIL", c.name, c.found, c.needed]);
  const fixes = d.checks.filter((c) => !c.ok && c.fix).map((c) => `  ${c.name}: ${c.fix}`);
  return [
    `preflight of ${d.source}`,
    table(["", "check", "found", "needed"], rows),
    ...(fixes.length ? ["", "fixes:", ...fixes] : []),
    "",
    d.ok ? "all checks passed" : `${d.checks.filter((c) => !c.ok).length} check(s) failed`,
  ].join("\n");
}
