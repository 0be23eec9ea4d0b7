/** Reads the stack's Pulumi config into the validated StackConfig (the only Pulumi-aware part of configuration). */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_SCHEMA, RawConfig, SECRET_CONFIG_KEYS, StackConfig, resolveConfig } from "../config";
import { SecretName } from "../render/containers";

export interface LoadedConfig {
  config: StackConfig;
  /** Credentials set as secret config (SECRET_CONFIG_KEYS); each replaces the generated one. */
  secretOverrides: Partial<Record<SecretName, pulumi.Output<string>>>;
}

export function loadStackConfig(): LoadedConfig {
  const pc = new pulumi.Config();
  const raw: RawConfig = {};
  for (const key of Object.keys(CONFIG_SCHEMA)) {
    const v = pc.get(key);
    if (v !== undefined) raw[key] = v;
  }
  const secretOverrides: Partial<Record<SecretName, pulumi.Output<string>>> = {};
  for (const [secret, key] of Object.entries(SECRET_CONFIG_KEYS) as Array<[SecretName, string]>) {
    const value = pc.getSecret(key);
    if (value === undefined) continue;
    secretOverrides[secret] = value;
    // Validation only needs to know that it is set; the value stays a secret Output.
    raw[key] = "(set)";
  }
  const config = resolveConfig(raw, { project: pulumi.getProject(), stack: pulumi.getStack() });
  return { config, secretOverrides };
}
