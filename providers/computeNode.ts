/**
 * StarRocks compute node registration (module "starrocks", type "ComputeNode"), one per CN container.
 * Observes SHOW COMPUTE NODES first, ADDs only when absent (and treats StarRocks' "already exists" error
 * as adoption, since ADD is not idempotent), then waits until the node's Alive column is true.
 * Delete runs ALTER SYSTEM DROP COMPUTE NODE so no ghost node stays behind (pitfalls.md A4).
 */
import * as pulumi from "@pulumi/pulumi";
import { SqlConnection, address } from "../clients/mysql";
import { ComputeNodeInfo, addComputeNode, dropComputeNode, findComputeNode, showComputeNodes, withStarRocks } from "../clients/starrocks";
import { NotReadyError, WaitTimeoutError, waitFor } from "../clients/wait";
import { SQL_ENDPOINT_RULES, checkInputs, plain, sqlEndpoint, timeoutOf, withDefaults, SqlEndpointArgs, SQL_ENDPOINT_POLICY } from "./common";
import { ChangePolicy, Props, policyDiff, driftWhen } from "./policy";
import { PROVIDER_VERSION } from "./version";

export const COMPUTE_NODE_POLICY: ChangePolicy = {
  ...SQL_ENDPOINT_POLICY,
  nodeHost: "replace",
  heartbeatPort: "replace",
  providerVersion: "update",
  timeoutMs: "ignore",
  // Observed by read: the node is registered but not alive; the next up waits for it again.
  alive: driftWhen((o) => o.alive === false),
};

export function nodeId(p: Props): string {
  return `${p.nodeHost}:${p.heartbeatPort}`;
}

/** Registers the node if needed and waits for Alive = true. Returns the node row and whether it was adopted. */
async function ensureNode(c: SqlConnection, p: Props): Promise<{ node: ComputeNodeInfo; adopted: boolean }> {
  const host = String(p.nodeHost);
  const port = Number(p.heartbeatPort);
  let adopted = true;
  if (!findComputeNode(await showComputeNodes(c), host, port)) {
    adopted = (await addComputeNode(c, host, port)) === "exists";
  }
  try {
    const node = await waitFor(
      async () => {
        const n = findComputeNode(await showComputeNodes(c), host, port);
        if (!n) throw new NotReadyError(`compute node ${host}:${port} is not listed by SHOW COMPUTE NODES`);
        if (!n.alive) throw new NotReadyError(`Alive = false, ErrMsg: ${n.errMsg || "(empty)"}`);
        return n;
      },
      { what: `compute node ${host}:${port} to report Alive = true`, where: `StarRocks FE ${address(sqlEndpoint(p))}`, timeoutMs: timeoutOf(p) },
    );
    return { node, adopted };
  } catch (err) {
    if (err instanceof WaitTimeoutError) {
      throw new Error(
        `${err.message}. Check that the CN container "${host}" is running and reachable from the FE on port ${port} ` +
          `(same Docker network, heartbeat_service_port = ${port}), and read its log (docker logs <prefix>-${host}: the CN logs to the console).`,
      );
    }
    throw err;
  }
}

function outs(p: Props, node: ComputeNodeInfo, adopted: boolean): Props {
  return { ...p, computeNodeId: node.id, alive: node.alive, errMsg: node.errMsg, adopted };
}

export const computeNodeProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Props, news: Props) {
    const inputs = withDefaults(news, { user: "root", heartbeatPort: 9050 });
    const failures = checkInputs(inputs, { ...SQL_ENDPOINT_RULES, nodeHost: "nonEmptyString", heartbeatPort: "port" });
    const h = inputs.nodeHost;
    if (typeof h === "string" && /[\s":]/.test(h)) failures.push({ property: "nodeHost", reason: `nodeHost: "${h}" must be a bare host name (no port, quotes or spaces)` });
    return { inputs, failures };
  },

  diff: policyDiff(COMPUTE_NODE_POLICY),

  async create(inputs: Props) {
    const p = plain(inputs);
    const { node, adopted } = await withStarRocks(sqlEndpoint(p), { timeoutMs: timeoutOf(p) }, (c) => ensureNode(c, p));
    return { id: nodeId(p), outs: outs(p, node, adopted) };
  },

  async read(id: string, props: Props) {
    const nodes = await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, (c) => showComputeNodes(c));
    const n = findComputeNode(nodes, String(props.nodeHost), Number(props.heartbeatPort));
    if (!n) return { id: "", props: {} };
    return { id, props: { ...props, computeNodeId: n.id, alive: n.alive, errMsg: n.errMsg } };
  },

  async update(_id: string, olds: Props, news: Props) {
    const p = plain(news);
    const { node, adopted } = await withStarRocks(sqlEndpoint(p), { timeoutMs: timeoutOf(p) }, (c) => ensureNode(c, p));
    return { outs: outs(p, node, adopted && Boolean(olds.adopted)) };
  },

  async delete(_id: string, props: Props) {
    await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, async (c) => {
      if (!findComputeNode(await showComputeNodes(c), String(props.nodeHost), Number(props.heartbeatPort))) return;
      await dropComputeNode(c, String(props.nodeHost), Number(props.heartbeatPort));
    });
  },
};

export interface ComputeNodeArgs extends SqlEndpointArgs {
  /** The CN's name on the Docker network (FQDN mode), e.g. starrocks-cn-0. */
  nodeHost: pulumi.Input<string>;
  /** heartbeat_service_port (default 9050). */
  heartbeatPort?: pulumi.Input<number>;
}

export class ComputeNode extends pulumi.dynamic.Resource {
  declare readonly computeNodeId: pulumi.Output<string>;
  declare readonly alive: pulumi.Output<boolean>;
  declare readonly errMsg: pulumi.Output<string>;
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: ComputeNodeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      computeNodeProvider,
      name,
      { ...args, providerVersion: PROVIDER_VERSION, computeNodeId: undefined, alive: undefined, errMsg: undefined, adopted: undefined },
      { ...opts, additionalSecretOutputs: ["password", ...(opts?.additionalSecretOutputs ?? [])] },
      "starrocks",
      "ComputeNode",
    );
  }
}
