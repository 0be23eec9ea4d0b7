/**
 * `npm run render -- --stack dev --out DIR`: writes every generated artifact of a stack, like
 * `helm template`, without Docker or the Pulumi CLI. Secrets appear as ${NAME} placeholders.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError, resolveConfig } from "../config";
import { renderAll } from "./all";
import { readStackFiles } from "./stackFiles";

const USAGE = "usage: npm run render -- [--stack NAME] [--out DIR] [--project-dir DIR]";

function parseArgs(argv: string[]): { stack: string; out: string; projectDir: string } {
  let stack = "dev";
  let out = "out";
  let projectDir = path.resolve(__dirname, "..");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack") stack = argv[++i];
    else if (a === "--out") out = argv[++i];
    else if (a === "--project-dir") projectDir = path.resolve(argv[++i]);
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
  return { stack, out, projectDir };
}

function main(): void {
  const { stack, out, projectDir } = parseArgs(process.argv.slice(2));
  try {
    const { project, raw } = readStackFiles(projectDir, stack);
    const cfg = resolveConfig(raw, { project, stack });
    const files = renderAll(cfg);
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(out, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
    console.log(`rendered ${Object.keys(files).length} files for stack ${stack} into ${out}`);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `render: ${(err as Error).message}`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
}

main();
