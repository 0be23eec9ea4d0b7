/** Reads the stack's Pulumi config into the validated StackConfig (the only Pulumi-aware part of configuration). */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_SCHEMA, RawConfig, StackConfig, resolveConfig } from "../config";

export interface LoadedConfig {
  config: StackConfig;
  /** External mode only: the CDC user's password from `pulumi config set --secret sourcePassword`. */
  sourcePassword?: pulumi.Output<string>;
}

export function loadStackConfig(): LoadedConfig {
  const pc = new pulumi.Config();
  const raw: RawConfig = {};
  for (const key of Object.keys(CONFIG_SCHEMA)) {
    const v = pc.get(key);
    if (v !== undefined) raw[key] = v;
  }
  const sourcePassword = pc.getSecret("sourcePassword");
  // Validation only needs to know that it is set; the value stays a secret Output.
  if (sourcePassword !== undefined) raw.sourcePassword = "(set)";
  const config = resolveConfig(raw, { project: pulumi.getProject(), stack: pulumi.getStack() });
  return { config, sourcePassword };
}
