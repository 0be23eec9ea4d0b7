import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CONFIG_ONLY_SECRETS, SecretName } from "../render/containers";

export interface StackSecretsArgs {
  /** Values given as secret config; each replaces the generated secret of that name. */
  overrides: Partial<Record<SecretName, pulumi.Input<string>>>;
  /** The secrets this stack uses (stackSecretNames): by its modes, e.g. no MySQL root password for an external source. */
  names: readonly SecretName[];
}

/**
 * Every password and key of the stack, generated with @pulumi/random and kept as Pulumi secrets.
 * Letters and digits only: the values travel through FLINK_PROPERTIES (which strips whitespace and
 * expands `$`) and mysql:// URLs.
 */
export class StackSecrets extends pulumi.ComponentResource {
  /** Only the secrets named in `names`. */
  readonly values: Partial<Record<SecretName, pulumi.Output<string>>>;

  constructor(name: string, args: StackSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("starrocks-cdc:index:StackSecrets", name, {}, opts);
    const gen = (key: string, length: number) =>
      new random.RandomPassword(`${name}-${key}`, { length, special: false, minLower: 2, minUpper: 2, minNumeric: 2 }, { parent: this }).result;
    const values: Partial<Record<SecretName, pulumi.Output<string>>> = {};
    for (const secret of args.names) {
      const key = secret.toLowerCase().replace(/_/g, "-");
      const override = args.overrides[secret];
      if (override !== undefined) {
        values[secret] = pulumi.secret(pulumi.output(override));
      } else if (CONFIG_ONLY_SECRETS.includes(secret)) {
        // Config validation requires these; reaching here means a caller skipped it.
        throw new Error(`secret ${secret} has no value: it belongs to an external system and comes only from secret config`);
      } else {
        // MinIO's access key is a user name; 20 characters keeps it readable in the console.
        values[secret] = pulumi.secret(gen(key, secret === "MINIO_ROOT_USER" ? 20 : 32));
      }
    }
    this.values = values;
    this.registerOutputs({});
  }
}
