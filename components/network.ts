import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface StackNetworkArgs {
  /** `<project>-<stack>`; the network is named `<prefix>-net`. */
  prefix: string;
}

/** The stack's own user-defined network: containers find each other by their DNS aliases on it. */
export class StackNetwork extends pulumi.ComponentResource {
  readonly network: docker.Network;
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: StackNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("starrocks-cdc:index:StackNetwork", name, {}, opts);
    this.network = new docker.Network(`${name}-net`, { name: `${args.prefix}-net`, driver: "bridge" }, { parent: this });
    this.name = this.network.name;
    this.registerOutputs({ name: this.name });
  }
}
