/**
 * `cdc cleanup`: deletes every tool row (key >= TOOL_KEY_MIN) from the source in chunks of CLEANUP_CHUNK
 * rows. The deletes reach the sink through the pipeline like any other change; the sink is never written.
 */
import { HEARTBEAT_TABLE, findTable } from "../../catalog/tables";
import { writableTables } from "../context";
import { Command, CommandResult, JSON_FLAG } from "../command";
import { EXIT, UsageError } from "../errors";
import { num, table } from "../render";
import { CLEANUP_CHUNK, LIST_TABLES_SQL, TOOL_KEY_MIN, cleanupSql } from "../sql";

export interface CleanupData {
  keyFrom: string;
  tables: Array<{ table: string; deleted: number }>;
  deleted: number;
  interrupted: boolean;
}

export const cleanupCommand: Command<void> = {
  name: "cleanup",
  summary: `delete every row this tool wrote (keys >= ${TOOL_KEY_MIN}) from the source`,
  usage: ["cdc cleanup [--json]"],
  needs: ["source"],
  flags: [JSON_FLAG],
  parse(args) {
    if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`, true);
  },
  async run(ctx): Promise<CommandResult<CleanupData>> {
    const tables = [...(writableTables(await ctx.tables(false), "cleanup"))];
    const present = await ctx.query<{ name: string }>("source", LIST_TABLES_SQL);
    if (present.some((r) => r.name === HEARTBEAT_TABLE)) tables.push(findTable(HEARTBEAT_TABLE));
    const out: CleanupData["tables"] = [];
    for (const t of tables) {
      let deleted = 0;
      for (;;) {
        if (ctx.interrupt.requested) break;
        const n = await ctx.exec("source", cleanupSql(t));
        deleted += n;
        if (n < CLEANUP_CHUNK) break;
      }
      out.push({ table: t.name, deleted });
    }
    const data: CleanupData = {
      keyFrom: TOOL_KEY_MIN.toString(),
      tables: out,
      deleted: out.reduce((a, t) => a + t.deleted, 0),
      interrupted: ctx.interrupt.requested,
    };
    return { exitCode: data.interrupted ? EXIT.INTERRUPTED : EXIT.OK, data, human: renderCleanup(data) };
  },
};

export function renderCleanup(d: CleanupData): string {
  return [
    table(["table", "deleted"], d.tables.map((t) => [t.table, num(t.deleted)])),
    `deleted ${num(d.deleted)} tool row(s) from the source (keys >= ${d.keyFrom}); the deletes reach the sink through the pipeline`,
    ...(d.interrupted ? ["interrupted: run cleanup again to finish"] : []),
  ].join("\n");
}
