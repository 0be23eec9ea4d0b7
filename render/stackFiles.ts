/** Reads a stack's configuration from Pulumi.yaml and Pulumi.<stack>.yaml without the Pulumi CLI. */
import * as fs from "fs";
import * as path from "path";
import { RawConfig } from "../config";

export interface StackFiles {
  project: string;
  raw: RawConfig;
}

export function readStackFiles(projectDir: string, stack: string): StackFiles {
  const YAML = require("yaml");
  const projectFile = path.join(projectDir, "Pulumi.yaml");
  const project = YAML.parse(fs.readFileSync(projectFile, "utf8"));
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new Error(`no stack file ${stackFile}; create it with \`pulumi stack init ${stack}\` or copy Pulumi.dev.yaml`);
  const stackDoc = YAML.parse(fs.readFileSync(stackFile, "utf8")) ?? {};
  const raw: RawConfig = {};
  for (const [key, decl] of Object.entries<{ default?: unknown }>(project.config ?? {})) {
    if (decl && typeof decl === "object" && "default" in decl) raw[key] = decl.default;
  }
  for (const [fullKey, value] of Object.entries<unknown>(stackDoc.config ?? {})) {
    const [ns, key] = fullKey.includes(":") ? fullKey.split(/:(.*)/s, 2) : [project.name, fullKey];
    if (ns !== project.name) continue;
    // Secrets stay encrypted in the stack file; rendering only needs to know they are set.
    raw[key] = value && typeof value === "object" && "secure" in (value as object) ? "(secret)" : value;
  }
  return { project: project.name, raw };
}
