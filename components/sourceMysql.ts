import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec, SecretName } from "../render/containers";
import { specContainer, specVolumes } from "./container";

export interface SourceMysqlArgs {
  /** `<project>-<stack>` name prefix. */
  prefix: string;
  /** The MySQL container spec (managed mode); undefined in external mode, where nothing runs. */
  spec?: ContainerSpec;
  networkName: pulumi.Input<string>;
  /** Needs MYSQL_ROOT_PASSWORD in managed mode. */
  secrets: Partial<Record<SecretName, pulumi.Output<string>>>;
  /** Keep the data volume on destroy. */
  retainData: boolean;
}

/**
 * The source MySQL 8 with binlog settings mysql-cdc requires. In external mode the component declares
 * nothing: the existing server is checked by the SourcePreflight resource instead.
 */
export class SourceMysql extends pulumi.ComponentResource {
  readonly container?: docker.Container;

  constructor(name: string, args: SourceMysqlArgs, opts?: pulumi.ComponentResourceOptions) {
    super("starrocks-cdc:index:SourceMysql", name, {}, opts);
    if (args.spec) {
      const image = new docker.RemoteImage(`${name}-image`, { name: args.spec.image, keepLocally: true }, { parent: this });
      const volumes = specVolumes([args.spec], { prefix: args.prefix, retainData: args.retainData }, this);
      this.container = specContainer(args.spec, { prefix: args.prefix, networkName: args.networkName, image: image.imageId, volumes, secrets: args.secrets, parent: this });
    }
    this.registerOutputs({ containerName: this.container?.name });
  }
}
