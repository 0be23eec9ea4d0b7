/**
 * Turns a ContainerSpec (render/containers.ts) into a docker.Container, and its volumes into
 * docker.Volumes. Shared by every component so naming, health waits, secrets and data safety are
 * handled once.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec, SecretName, fillSecrets, usesSecrets } from "../render/containers";

export interface SpecContainerDeps {
  prefix: string;
  networkName: pulumi.Input<string>;
  /** Image id (RemoteImage.imageId or the built image's id): a tag would show a diff on every run. */
  image: pulumi.Input<string>;
  volumes: Record<string, docker.Volume>;
  secrets: Partial<Record<SecretName, pulumi.Output<string>>>;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  parent: pulumi.Resource;
}

/** Environment entries; any entry that uses a secret becomes a secret Output. */
export function specEnvs(spec: ContainerSpec, secrets: Partial<Record<SecretName, pulumi.Output<string>>>): pulumi.Input<string>[] {
  return spec.env.map(([key, value]) => {
    const needed = usesSecrets(value);
    if (needed.length === 0) return `${key}=${value}`;
    const outputs = needed.map((n) => {
      const o = secrets[n];
      if (!o) throw new Error(`container ${spec.name}: secret ${n} is not available in this stack`);
      return o;
    });
    return pulumi.secret(pulumi.all(outputs).apply((vals) => {
      const map: Partial<Record<SecretName, string>> = {};
      needed.forEach((n, i) => (map[n] = vals[i]));
      return `${key}=${fillSecrets(value, map)}`;
    }));
  });
}

export function specContainer(spec: ContainerSpec, deps: SpecContainerDeps): docker.Container {
  return new docker.Container(
    spec.role,
    {
      name: spec.name,
      image: deps.image,
      hostname: spec.hostname,
      command: spec.command,
      user: spec.user,
      envs: specEnvs(spec, deps.secrets),
      networksAdvanced: [{ name: deps.networkName, aliases: spec.aliases }],
      ports: spec.ports.map((p) => ({ internal: p.containerPort, external: p.hostPort, ip: p.hostIp, protocol: "tcp" })),
      volumes: spec.volumes.map((v) => {
        const vol = deps.volumes[v.volume];
        if (!vol) throw new Error(`container ${spec.name}: volume ${v.volume} was not declared`);
        // The volume's name output (not a literal) orders deletes: container first, then volume.
        return { volumeName: vol.name, containerPath: v.containerPath };
      }),
      uploads: spec.uploads.map((u) => ({ file: u.path, content: u.content })),
      healthcheck: {
        tests: spec.healthcheck.test,
        interval: spec.healthcheck.interval,
        timeout: spec.healthcheck.timeout,
        startPeriod: spec.healthcheck.startPeriod,
        retries: spec.healthcheck.retries,
      },
      // Dependants are created only once this container reports healthy.
      wait: true,
      waitTimeout: spec.waitTimeoutSeconds,
      // Without it the provider removes the container with force, an immediate SIGKILL
      // (terraform-provider-docker resourceDockerContainerDelete stops with destroy_grace_seconds, default 0).
      destroyGraceSeconds: spec.stopGraceSeconds,
      // The same grace for `docker stop` and daemon restarts (the container's StopTimeout).
      stopTimeout: spec.stopGraceSeconds,
      restart: "unless-stopped",
      ulimits: spec.ulimits,
    },
    {
      parent: deps.parent,
      dependsOn: deps.dependsOn,
      // Fixed names and host ports: the old container must go before its replacement starts.
      deleteBeforeReplace: true,
      // The Docker provider neither forces a new container for a changed health check nor updates it in
      // place (terraform-provider-docker v4.5.0: healthcheck is not ForceNew and Update ignores it), so the
      // old check would stay and the diff return after every refresh. A new container applies it.
      replaceOnChanges: ["healthcheck"],
    },
  );
}

export interface VolumeArgs {
  prefix: string;
  /** Keep data volumes on `pulumi destroy`. */
  retainData: boolean;
}

/** One named volume per mount of the given specs; data volumes honour retainData. */
export function specVolumes(specs: ContainerSpec[], args: VolumeArgs, parent: pulumi.Resource): Record<string, docker.Volume> {
  const out: Record<string, docker.Volume> = {};
  for (const spec of specs) {
    for (const v of spec.volumes) {
      if (out[v.volume]) continue;
      out[v.volume] = new docker.Volume(
        v.volume,
        { name: `${args.prefix}-${v.volume}`, driver: "local" },
        { parent, retainOnDelete: v.data && args.retainData },
      );
    }
  }
  return out;
}
