import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec, SecretName } from "../render/containers";
import { specContainer } from "./container";

export interface FlinkArgs {
  /** `<project>-<stack>` name prefix. */
  prefix: string;
  /** Local tag of the connector image, e.g. `<prefix>-flink:1.20.3-cdc`. */
  imageTag: string;
  /** Base Flink image the connector image is built FROM (a pinned 1.20.x Java 17 tag). */
  baseImage: string;
  /** The cluster's specs; none in external mode, where nothing runs. */
  jobManagerSpec?: ContainerSpec;
  taskManagerSpecs: ContainerSpec[];
  gatewaySpec?: ContainerSpec;
  networkName: pulumi.Input<string>;
  /** MINIO_ROOT_USER and MINIO_ROOT_PASSWORD for checkpoint storage. */
  secrets: Partial<Record<SecretName, pulumi.Output<string>>>;
  /** Resources the JobManager waits for (MinIO, where checkpoints live). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Directory of the Dockerfile, relative to the project so the build context is stable across machines. */
export const FLINK_IMAGE_CONTEXT = "assets/flink";

/**
 * Flink 1.20 session cluster: the connector image (built from assets/flink), one JobManager,
 * N TaskManagers and the SQL Gateway that the CdcJob resources submit through. In external mode the
 * component declares nothing (no image either): the jobs go to an existing cluster's SQL Gateway.
 */
export class Flink extends pulumi.ComponentResource {
  readonly jobManager?: docker.Container;
  readonly taskManagers: docker.Container[] = [];
  readonly gateway?: docker.Container;

  constructor(name: string, args: FlinkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("starrocks-cdc:index:Flink", name, {}, opts);
    if (!args.jobManagerSpec || !args.gatewaySpec) {
      this.registerOutputs({});
      return;
    }
    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: args.imageTag,
        build: { context: FLINK_IMAGE_CONTEXT, dockerfile: `${FLINK_IMAGE_CONTEXT}/Dockerfile`, args: { FLINK_IMAGE: args.baseImage } },
        skipPush: true,
      },
      { parent: this },
    );
    // For a local image repoDigest is the built image's id, so containers change only when the build does.
    const common = { prefix: args.prefix, networkName: args.networkName, image: image.repoDigest, volumes: {}, secrets: args.secrets, parent: this };
    const jobManager = specContainer(args.jobManagerSpec, { ...common, dependsOn: args.dependsOn });
    this.jobManager = jobManager;
    this.taskManagers = args.taskManagerSpecs.map((spec) => specContainer(spec, { ...common, dependsOn: [jobManager] }));
    this.gateway = specContainer(args.gatewaySpec, { ...common, dependsOn: [jobManager] });
    this.registerOutputs({ jobManagerName: jobManager.name });
  }
}
