/**
 * `npm run render -- --stack dev --out DIR`: writes every generated artifact of a stack, like
 * `helm template`, without Docker or the Pulumi CLI. Secrets appear as ${NAME} placeholders.
 */
import * as fs from "fs";
import * as path from "path";
import { CatalogError, refusals } from "../catalog/source";
import { SourceUnreachableError, demoCatalog, readSourceCatalog } from "../catalog/load";
import { ConfigError, StackConfig, resolveConfig } from "../config";
import { renderAll } from "./all";
import { readStackFiles } from "./stackFiles";

const USAGE = "usage: npm run render -- [--stack NAME] [--out DIR] [--project-dir DIR] [--source mysql://user:pass@host:port]\n" +
  "  (catalog: source reads the source's tables: --source, or CDC_SOURCE_URL, gives the login; default: sourceUser at sourceHostFromHost)";

function parseArgs(argv: string[]): { stack: string; out: string; projectDir: string; source?: string } {
  let source = process.env.CDC_SOURCE_URL || undefined;
  let stack = "dev";
  let out = "out";
  let projectDir = path.resolve(__dirname, "..");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack") stack = argv[++i];
    else if (a === "--out") out = argv[++i];
    else if (a === "--project-dir") projectDir = path.resolve(argv[++i]);
    else if (a === "--source") source = argv[++i];
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`render: unknown argument ${a}\n${USAGE}`);
      process.exit(2);
    }
  }
  if (!stack || !out || !projectDir) {
    console.error(`render: --stack, --out and --project-dir need a value\n${USAGE}`);
    process.exit(2);
  }
  return { stack, out, projectDir, source };
}

/** The catalog to render: the demo tables, or the source's tables read with the --source login. */
async function catalogTables(cfg: StackConfig, source: string | undefined) {
  if (cfg.catalog.kind === "demo") return demoCatalog(cfg).tables;
  if (!source) throw new Error(`stack ${cfg.stack} replicates the source's own tables (catalog: source): pass --source mysql://user:pass@host:port (or set CDC_SOURCE_URL) to read them`);
  const u = new URL(source);
  if (u.protocol !== "mysql:") throw new Error(`--source: expected a mysql:// URL`);
  const catalog = await readSourceCatalog(cfg, decodeURIComponent(u.password), {
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username),
  });
  const refused = refusals(catalog);
  if (refused.length) throw new CatalogError(refused, cfg.source.database);
  for (const i of catalog.issues) console.error(`warning: ${i.message}`);
  return catalog.tables;
}

async function main(): Promise<void> {
  const { stack, out, projectDir, source } = parseArgs(process.argv.slice(2));
  try {
    const { project, raw } = readStackFiles(projectDir, stack);
    const cfg = resolveConfig(raw, { project, stack });
    const files = renderAll(cfg, await catalogTables(cfg, source));
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(out, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
    console.log(`rendered ${Object.keys(files).length} files for stack ${stack} into ${out}`);
  } catch (err) {
    const known = err instanceof ConfigError || err instanceof CatalogError || err instanceof SourceUnreachableError;
    console.error(known ? (err as Error).message : `render: ${(err as Error).message}`);
    process.exit(err instanceof ConfigError || err instanceof CatalogError ? 2 : 1);
  }
}

void main();
