import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SECRET_NAMES, SecretName } from "../render/containers";

export interface StackSecretsArgs {
  /** Values given as secret config; each replaces the generated secret of that name. */
  overrides: Partial<Record<SecretName, pulumi.Input<string>>>;
  /** Whether the stack runs its own MySQL (and so needs a root password for it). */
  managedSource: boolean;
}

/**
 * Every password and key of the stack, generated with @pulumi/random and kept as Pulumi secrets.
 * Letters and digits only: the values travel through FLINK_PROPERTIES (which strips whitespace and
 * expands `$`) and mysql:// URLs.
 */
export class StackSecrets extends pulumi.ComponentResource {
  readonly values: Record<SecretName, pulumi.Output<string>>;

  constructor(name: string, args: StackSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("starrocks-cdc:index:StackSecrets", name, {}, opts);
    const gen = (key: string, length: number) =>
      new random.RandomPassword(`${name}-${key}`, { length, special: false, minLower: 2, minUpper: 2, minNumeric: 2 }, { parent: this }).result;
    const values = {} as Record<SecretName, pulumi.Output<string>>;
    for (const secret of SECRET_NAMES) {
      const key = secret.toLowerCase().replace(/_/g, "-");
      const override = args.overrides[secret];
      if (override !== undefined) {
        values[secret] = pulumi.secret(pulumi.output(override));
      } else if (secret === "MYSQL_ROOT_PASSWORD" && !args.managedSource) {
        continue;
      } else {
        // MinIO's access key is a user name; 20 characters keeps it readable in the console.
        values[secret] = pulumi.secret(gen(key, secret === "MINIO_ROOT_USER" ? 20 : 32));
      }
    }
    this.values = values;
    this.registerOutputs({});
  }
}
