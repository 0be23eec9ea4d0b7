import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec, SecretName } from "../render/containers";
import { specContainer, specVolumes } from "./container";

export interface StarRocksArgs {
  /** `<project>-<stack>` name prefix. */
  prefix: string;
  /** FE spec, then one spec per CN (renderContainerSpecs order); none in external mode, where nothing runs. */
  feSpec?: ContainerSpec;
  cnSpecs: ContainerSpec[];
  networkName: pulumi.Input<string>;
  secrets: Partial<Record<SecretName, pulumi.Output<string>>>;
  /** Keep the FE meta volume on destroy (CN volumes are caches and always go). */
  retainData: boolean;
  /** Resources the FE waits for (MinIO). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * StarRocks shared-data: one FE (FQDN mode, meta on a volume) and N compute nodes, each with its own
 * cache volume. The CNs join the cluster through the ComputeNode resources, not by themselves. In external
 * mode the component declares nothing: the cluster and its compute nodes belong to its operator.
 */
export class StarRocks extends pulumi.ComponentResource {
  readonly fe?: docker.Container;
  readonly cns: docker.Container[] = [];

  constructor(name: string, args: StarRocksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("starrocks-cdc:index:StarRocks", name, {}, opts);
    if (!args.feSpec) {
      this.registerOutputs({});
      return;
    }
    const feImage = new docker.RemoteImage(`${name}-fe-image`, { name: args.feSpec.image, keepLocally: true }, { parent: this });
    const cnImage = new docker.RemoteImage(`${name}-cn-image`, { name: args.cnSpecs[0].image, keepLocally: true }, { parent: this });
    const volumes = specVolumes([args.feSpec, ...args.cnSpecs], { prefix: args.prefix, retainData: args.retainData }, this);
    const common = { prefix: args.prefix, networkName: args.networkName, volumes, secrets: args.secrets, parent: this };
    const fe = specContainer(args.feSpec, { ...common, image: feImage.imageId, dependsOn: args.dependsOn });
    this.fe = fe;
    this.cns = args.cnSpecs.map((spec) => specContainer(spec, { ...common, image: cnImage.imageId, dependsOn: [fe] }));
    this.registerOutputs({ feName: fe.name, cnNames: this.cns.map((c) => c.name) });
  }
}
