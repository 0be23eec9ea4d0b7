import * as pulumi from "@pulumi/pulumi";
import { StackConfig, hostEndpoints } from "../config";
import { replicatedTables } from "../catalog/tables";
import { CdcUser } from "../providers/cdcUser";
import { SourcePreflight } from "../providers/sourcePreflight";
import { SourceSchema } from "../providers/sourceSchema";

export interface SourceSetupArgs {
  config: StackConfig;
  /** Managed mode: MySQL root password, used to create the schema and the CDC user. */
  rootPassword?: pulumi.Input<string>;
  /** The CDC user's password (generated in managed mode, from config in external mode). */
  cdcPassword: pulumi.Input<string>;
  /** Keep the schema, its rows and the CDC user on `pulumi destroy` (they live on a retained volume). */
  retainData: boolean;
  /** The MySQL container (managed mode), which must be healthy first. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The source side after MySQL runs: in managed mode the catalog's schema with sample rows and the CDC
 * user; in every mode the preflight that checks binlog settings, time zone and grants before any job.
 */
export class SourceSetup extends pulumi.ComponentResource {
  /** Passes only when the source is fit for CDC; jobs depend on it. */
  readonly preflight: SourcePreflight;

  constructor(name: string, args: SourceSetupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("starrocks-cdc:index:SourceSetup", name, {}, opts);
    const cfg = args.config;
    const mysql = hostEndpoints(cfg).mysql;
    const timeoutMs = cfg.providerTimeoutMs;
    const prepared: pulumi.Resource[] = [];
    if (cfg.source.mode === "managed") {
      if (args.rootPassword === undefined) throw new Error("SourceSetup: managed mode needs the MySQL root password");
      const admin = { host: mysql.host, port: mysql.port, user: "root", password: args.rootPassword, timeoutMs };
      prepared.push(
        new SourceSchema("source-schema", {
          ...admin,
          database: cfg.source.database,
          tables: replicatedTables(cfg.tables).map((t) => t.name),
          sampleRows: cfg.source.sampleRows,
        }, { parent: this, dependsOn: args.dependsOn, retainOnDelete: args.retainData }),
        new CdcUser("cdc-user", { ...admin, cdcUser: cfg.source.user, cdcPassword: args.cdcPassword }, { parent: this, dependsOn: args.dependsOn, retainOnDelete: args.retainData }),
      );
    }
    this.preflight = new SourcePreflight("source-preflight", {
      host: mysql.host,
      port: mysql.port,
      user: cfg.source.user,
      password: args.cdcPassword,
      timeZone: cfg.source.timeZone,
      minBinlogRetentionSeconds: cfg.source.minBinlogRetentionSeconds,
      timeoutMs,
    }, { parent: this, dependsOn: [...prepared, ...((args.dependsOn ?? []) as pulumi.Resource[])] });
    this.registerOutputs({});
  }
}
