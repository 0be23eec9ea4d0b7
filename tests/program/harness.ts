/**
 * Runs the Pulumi program (index.ts) under Pulumi's mocks and records every resource it declares.
 * Each call loads a fresh copy of the program and the SDK, so several configurations can be compared.
 */
export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  /** Resource options as seen by the engine: only what the mock protocol carries. */
  custom: boolean;
}

export interface ResourceOptionsSeen {
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  /** URNs this resource depends on. */
  dependsOn: string[];
  additionalSecretOutputs: string[];
  replaceOnChanges: string[];
  /** For each input, the URNs of the resources its value came from. */
  propertyDependencies: Record<string, string[]>;
}

export interface ProgramRun {
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  /** Output names whose value is a secret. */
  secretOutputs: string[];
  /** Keyed by `type::name`. */
  options: Map<string, ResourceOptionsSeen>;
  byType(type: string): RecordedResource[];
  one(type: string, name: string): RecordedResource;
}

// Each run loads a fresh SDK copy, which adds its own process exit listeners.
process.setMaxListeners(Math.max(process.getMaxListeners(), 50));

export async function runProgram(config: Record<string, unknown>, stack = "dev", secretKeys: string[] = []): Promise<ProgramRun> {
  let run!: ProgramRun;
  await jest.isolateModulesAsync(async () => {
    // The SDK keeps its state (config, mocks, stack resource) on `global`; start each run clean.
    (global as any).globalStore = undefined;
    (globalThis as any).stackResource = undefined;
    const pulumi = require("@pulumi/pulumi");
    const resources: RecordedResource[] = [];
    const options = new Map<string, ResourceOptionsSeen>();
    await pulumi.runtime.setMocks(
      {
        newResource(args: any) {
          resources.push({ type: args.type, name: args.name, inputs: args.inputs, custom: args.custom });
          const state: Record<string, unknown> = { ...args.inputs };
          if (args.type === "random:index/randomPassword:RandomPassword") state.result = `pw-${args.name}`;
          if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.name}`;
          if (args.type === "docker:index/image:Image") state.repoDigest = `sha256:${args.name}`;
          return { id: `${args.name}-id`, state };
        },
        call: (args: any) => args.inputs,
      },
      "starrocks-cdc",
      stack,
      false,
    );
    const all: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) all[`starrocks-cdc:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    pulumi.runtime.setAllConfig(all, secretKeys.map((k) => `starrocks-cdc:${k}`));

    // The mock protocol hands newResource no options, so read them off the register request.
    const monitor = pulumi.runtime.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
      options.set(`${req.getType()}::${req.getName()}`, {
        retainOnDelete: req.getRetainondelete?.(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        dependsOn: req.getDependenciesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        replaceOnChanges: req.getReplaceonchangesList?.() ?? [],
        propertyDependencies: Object.fromEntries(
          (req.getPropertydependenciesMap?.()?.toArray?.() ?? []).map(([k, v]: [string, any]) => [k, Array.isArray(v) ? v[0] ?? [] : v.getUrnsList()]),
        ),
      });
      return register(req, callback);
    };

    // As Pulumi's Node runtime does (cmd/run/run.ts): a program exporting a function is called, and its
    // (awaited) result is the stack outputs.
    const exported = require("../../index");
    const program = await (typeof exported === "function" ? exported() : exported);
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [name, value] of Object.entries(program)) {
      if (pulumi.Output.isInstance(value)) {
        outputs[name] = await new Promise((res) => (value as any).apply((v: unknown) => res(v)));
        if (await (value as any).isSecret) secretOutputs.push(name);
      } else {
        outputs[name] = value;
      }
    }
    // Let pending registrations (children created inside apply callbacks) finish.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    run = {
      resources,
      outputs,
      secretOutputs,
      options,
      byType: (type) => resources.filter((r) => r.type === type),
      one: (type, name) => {
        const r = resources.find((x) => x.type === type && x.name === name);
        if (!r) throw new Error(`no ${type} named ${name}; have ${resources.filter((x) => x.type === type).map((x) => x.name).join(", ")}`);
        return r;
      },
    };
  });
  return run;
}

/** Resolved plain value of an input that may have been a secret (mocks receive secrets unwrapped). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretValue(v: any): boolean {
  return !!v && typeof v === "object" && v[SIG_KEY] === SECRET_SIG;
}

export function plain(v: any): any {
  if (isSecretValue(v)) return plain(v.value);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}
