/**
 * The program's own dynamic resources, run the way the Pulumi engine runs them, without the engine:
 *
 * - declaredResources(config): evaluates index.ts under Pulumi mocks (tests/program/harness.ts) and
 *   records every dynamic resource it declares: type, name, inputs, the resources it depends on, and its
 *   provider exactly as the engine receives it, the `__provider` text dynamic.Resource serialized. The
 *   provider is loaded from that text the way the nodejs dynamic provider host does
 *   (require-from-string, then `.handler()`; @pulumi/pulumi cmd/dynamic-provider), so what runs is the
 *   serialized closure, not a second copy of the wiring.
 * - Engine: keeps state (id, inputs, outputs per resource) and calls the providers in the engine's order
 *   and with its arguments: `up` = Check(old inputs, new inputs), then Create, or Diff(id, old outputs,
 *   checked inputs) and Update, in registration order, each only after the resources it depends on;
 *   `refresh` = Read(id, outputs); `preview` = Check + Diff; `destroy` = Delete(id, outputs) in reverse
 *   order. Values cross a JSON boundary as they cross gRPC Structs (secrets unwrapped, undefined dropped);
 *   `__provider` travels with the inputs and outputs as in the host.
 */
import { runProgram } from "../../program/harness";

const DYNAMIC = "pulumi-nodejs:dynamic/";
const PROVIDER_KEY = "__provider";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type Props = Record<string, any>;

/** The provider interface the engine calls (pulumi.dynamic.ResourceProvider, without @pulumi/pulumi types). */
export interface LoadedProvider {
  check?(olds: Props, news: Props): Promise<{ inputs?: Props; failures?: Array<{ property: string; reason: string }> }>;
  diff?(id: string, olds: Props, news: Props): Promise<{ changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }>;
  create(inputs: Props): Promise<{ id: string; outs?: Props }>;
  read?(id: string, props: Props): Promise<{ id?: string; props?: Props }>;
  update?(id: string, olds: Props, news: Props): Promise<{ outs?: Props }>;
  delete?(id: string, props: Props): Promise<void>;
}

export interface DeclaredResource {
  /** e.g. `flink:CdcJob` (the part after `pulumi-nodejs:dynamic/`). */
  type: string;
  name: string;
  /** Inputs with secrets unwrapped, `__provider` included, as the provider host receives them. */
  inputs: Props;
  /** Names of the dynamic resources this one depends on (directly). */
  dependsOn: string[];
  /** The serialized provider (the `__provider` input). */
  providerText: string;
}

/** Deep copy through JSON, as a gRPC Struct carries values: secret wrappers unwrapped, undefined dropped. */
export function wire<T>(value: T): T {
  const unwrap = (v: any): any => {
    if (Array.isArray(v)) return v.map(unwrap);
    if (v && typeof v === "object") {
      if (v[SIG_KEY] === SECRET_SIG) return unwrap(v.value);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
    }
    return v;
  };
  return JSON.parse(JSON.stringify(unwrap(value)) ?? "null");
}

/**
 * Evaluates index.ts under mocks with `config` and returns its dynamic resources in the order the program
 * registered them: the SDK registers a resource only after its dependencies, and the engine works in that order.
 */
export async function declaredResources(config: Record<string, unknown>, secretKeys: string[] = [], stack = "dev"): Promise<DeclaredResource[]> {
  const run = await runProgram(config, stack, secretKeys);
  const dynamic = run.resources.filter((r) => r.type.startsWith(DYNAMIC));
  const urnName = new Map<string, string>();
  for (const r of dynamic) urnName.set(`${r.type}::${r.name}`, r.name);
  return dynamic.map((r) => {
    const inputs = wire(r.inputs);
    const providerText = inputs[PROVIDER_KEY];
    if (typeof providerText !== "string" || !providerText.includes("exports.handler")) {
      throw new Error(`${r.type} ${r.name}: no serialized provider in its inputs (got ${typeof providerText})`);
    }
    // Dependencies arrive as URNs; keep those naming dynamic resources (containers do not exist here).
    const deps = run.options.get(`${r.type}::${r.name}`)?.dependsOn ?? [];
    const dependsOn = deps.map((urn) => [...urnName.entries()].find(([key]) => urn.endsWith(key))?.[1]).filter((n): n is string => !!n);
    return { type: r.type.slice(DYNAMIC.length), name: r.name, inputs, dependsOn, providerText };
  });
}

const loaded = new Map<string, LoadedProvider>();

/** Loads a serialized provider as the dynamic provider host does (one instance per distinct text). */
export function loadProvider(text: string): LoadedProvider {
  let p = loaded.get(text);
  if (!p) {
    const requireFromString = require("require-from-string");
    p = requireFromString(text).handler() as LoadedProvider;
    loaded.set(text, p);
  }
  return p;
}

export interface ResourceState {
  type: string;
  name: string;
  id: string;
  /** Checked inputs (what the next Check receives as olds). */
  inputs: Props;
  outputs: Props;
  providerText: string;
}

export type Step = { op: "check" | "create" | "diff" | "update" | "read" | "delete"; name: string };

export interface UpResult {
  created: string[];
  updated: string[];
  unchanged: string[];
}

export interface DiffResult {
  name: string;
  changes: boolean;
  replaces: string[];
}

/** Runs the program's providers as the engine would, keeping the state the engine would keep. */
export class Engine {
  /** By name, in the order they were created. */
  readonly state = new Map<string, ResourceState>();
  /** Every provider call, in order. */
  readonly steps: Step[] = [];

  constructor(private readonly load: (text: string) => LoadedProvider = loadProvider) {}

  private provider(text: string): LoadedProvider {
    return this.load(text);
  }

  /** Check with the engine's olds (the last checked inputs, or {} for a new resource). */
  private async check(r: DeclaredResource): Promise<Props> {
    const p = this.provider(r.providerText);
    const olds = this.state.get(r.name)?.inputs ?? {};
    this.steps.push({ op: "check", name: r.name });
    const news = wire(r.inputs);
    const res = p.check ? await p.check(wire(olds), news) : { inputs: news };
    if (res.failures?.length) throw new Error(`check of ${r.type} ${r.name} failed: ${res.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
    const inputs = wire(res.inputs ?? news);
    inputs[PROVIDER_KEY] = r.providerText;
    return inputs;
  }

  private async diff(r: DeclaredResource, checked: Props): Promise<DiffResult> {
    const s = this.state.get(r.name)!;
    const p = this.provider(r.providerText);
    this.steps.push({ op: "diff", name: r.name });
    const d = p.diff ? await p.diff(s.id, wire(s.outputs), wire(checked)) : { changes: true };
    return { name: r.name, changes: d.changes !== false, replaces: d.replaces ?? [] };
  }

  private assertOrder(resources: DeclaredResource[]): void {
    const seen = new Set<string>();
    for (const r of resources) {
      for (const d of r.dependsOn) if (!seen.has(d)) throw new Error(`${r.name} depends on ${d}, which is declared after it`);
      seen.add(r.name);
    }
  }

  /** `pulumi up`: creates what is new, updates what changed, in dependency order. Replacements are refused here. */
  async up(resources: DeclaredResource[]): Promise<UpResult> {
    this.assertOrder(resources);
    const result: UpResult = { created: [], updated: [], unchanged: [] };
    for (const r of resources) {
      const checked = await this.check(r);
      const s = this.state.get(r.name);
      const p = this.provider(r.providerText);
      if (!s) {
        this.steps.push({ op: "create", name: r.name });
        const res = await p.create(wire(checked));
        if (!res.id) throw new Error(`create of ${r.type} ${r.name} returned no id`);
        this.state.set(r.name, { type: r.type, name: r.name, id: res.id, inputs: checked, outputs: { ...wire(res.outs ?? {}), [PROVIDER_KEY]: r.providerText }, providerText: r.providerText });
        result.created.push(r.name);
        continue;
      }
      const d = await this.diff(r, checked);
      if (!d.changes) {
        result.unchanged.push(r.name);
        continue;
      }
      if (d.replaces.length) throw new Error(`${r.type} ${r.name} needs a replacement (${d.replaces.join(", ")}); this runner applies updates only`);
      this.steps.push({ op: "update", name: r.name });
      const res = p.update ? await p.update(s.id, wire(s.outputs), wire(checked)) : {};
      this.state.set(r.name, { ...s, inputs: checked, outputs: { ...wire(res?.outs ?? {}), [PROVIDER_KEY]: r.providerText }, providerText: r.providerText });
      result.updated.push(r.name);
    }
    return result;
  }

  /** `pulumi preview`: Check and Diff of each declared resource against the state; nothing is changed. */
  async preview(resources: DeclaredResource[]): Promise<DiffResult[]> {
    const out: DiffResult[] = [];
    for (const r of resources) {
      const checked = await this.check(r);
      if (!this.state.has(r.name)) out.push({ name: r.name, changes: true, replaces: [] });
      else out.push(await this.diff(r, checked));
    }
    return out;
  }

  /**
   * `pulumi refresh`: Read of every resource. Returns the resources whose read props differ from the state,
   * judged by each provider's own Diff (read props as olds, the state's inputs as news), or that are gone.
   */
  async refresh(): Promise<Array<{ name: string; gone: boolean; changes: boolean }>> {
    const drift: Array<{ name: string; gone: boolean; changes: boolean }> = [];
    for (const s of this.state.values()) {
      const p = this.provider(s.providerText);
      this.steps.push({ op: "read", name: s.name });
      const res = p.read ? await p.read(s.id, wire(s.outputs)) : { id: s.id, props: s.outputs };
      if (!res.id) {
        drift.push({ name: s.name, gone: true, changes: true });
        continue;
      }
      const props = { ...wire(res.props ?? {}), [PROVIDER_KEY]: s.providerText };
      const d = p.diff ? await p.diff(res.id, wire(props), wire(s.inputs)) : { changes: false };
      if (d.changes !== false) drift.push({ name: s.name, gone: false, changes: true });
      this.state.set(s.name, { ...s, id: res.id, outputs: props });
    }
    return drift;
  }

  /** `pulumi destroy`: Delete in reverse creation order. */
  async destroy(): Promise<string[]> {
    const deleted: string[] = [];
    for (const s of [...this.state.values()].reverse()) {
      const p = this.provider(s.providerText);
      this.steps.push({ op: "delete", name: s.name });
      if (p.delete) await p.delete(s.id, wire(s.outputs));
      this.state.delete(s.name);
      deleted.push(s.name);
    }
    return deleted;
  }
}
