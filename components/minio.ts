import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec, SecretName } from "../render/containers";
import { specContainer, specVolumes } from "./container";

export interface MinioArgs {
  /** `<project>-<stack>` name prefix. */
  prefix: string;
  /** The MinIO container spec from renderContainerSpecs; undefined when no managed part needs MinIO. */
  spec?: ContainerSpec;
  networkName: pulumi.Input<string>;
  /** Needs MINIO_ROOT_USER and MINIO_ROOT_PASSWORD. */
  secrets: Partial<Record<SecretName, pulumi.Output<string>>>;
  /** Keep the data volume on destroy. */
  retainData: boolean;
}

/**
 * MinIO: the S3 object store holding StarRocks data and Flink checkpoints and savepoints. Declares nothing
 * when StarRocks and Flink are both external: their storage is their operators' business.
 */
export class Minio extends pulumi.ComponentResource {
  readonly container?: docker.Container;

  constructor(name: string, args: MinioArgs, opts?: pulumi.ComponentResourceOptions) {
    super("starrocks-cdc:index:Minio", name, {}, opts);
    if (args.spec) {
      const image = new docker.RemoteImage(`${name}-image`, { name: args.spec.image, keepLocally: true }, { parent: this });
      const volumes = specVolumes([args.spec], { prefix: args.prefix, retainData: args.retainData }, this);
      this.container = specContainer(args.spec, { prefix: args.prefix, networkName: args.networkName, image: image.imageId, volumes, secrets: args.secrets, parent: this });
    }
    this.registerOutputs({ containerName: this.container?.name });
  }
}
