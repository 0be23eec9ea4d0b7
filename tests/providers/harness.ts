/** Calls a dynamic provider object's methods the way the Pulumi engine does (check first, then the verb). */
import type * as pulumi from "@pulumi/pulumi";

type Props = Record<string, any>;
export type Provider = pulumi.dynamic.ResourceProvider;

export async function check(p: Provider, news: Props, olds: Props = {}): Promise<Props> {
  const r = await p.check!(olds, news);
  if (r.failures?.length) throw new Error(`check failed: ${r.failures.map((f) => f.reason).join("; ")}`);
  return r.inputs as Props;
}

export async function create(p: Provider, news: Props): Promise<{ id: string; outs: Props }> {
  const r = await p.create(await check(p, news));
  return { id: r.id, outs: r.outs as Props };
}

export async function diff(p: Provider, id: string, olds: Props, news: Props) {
  return p.diff!(id, olds, await check(p, news, olds));
}

export async function update(p: Provider, id: string, olds: Props, news: Props): Promise<Props> {
  const r = await p.update!(id, olds, await check(p, news, olds));
  return r.outs as Props;
}

export async function read(p: Provider, id: string, props: Props) {
  const r = await p.read!(id, props);
  return { id: r.id ?? "", props: (r.props ?? {}) as Props };
}

export async function del(p: Provider, id: string, props: Props): Promise<void> {
  await p.delete!(id, props);
}

/** Resolves to the error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/**
 * Serializes a provider exactly as dynamic.Resource does (pulumi.runtime.serializeFunction of `() => provider`,
 * @pulumi/pulumi dynamic/index.ts) and loads the text back the way the provider host does
 * (cmd/dynamic-provider/index.ts: `requireFromString(text).handler()`), so tests can drive the copy that
 * really runs under the engine.
 */
export async function serializedCopy(provider: Provider): Promise<{ text: string; provider: Provider }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumiRuntime = require("@pulumi/pulumi").runtime as typeof pulumi.runtime;
  const sf = await pulumiRuntime.serializeFunction(() => provider, { allowSecrets: false });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const requireFromString = require(require.resolve("require-from-string", { paths: [require.resolve("@pulumi/pulumi")] })) as (code: string) => { handler: () => Provider };
  return { text: sf.text, provider: requireFromString(sf.text).handler() };
}
