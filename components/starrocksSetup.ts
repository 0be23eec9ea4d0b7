import * as pulumi from "@pulumi/pulumi";
import { ALIASES, CONTAINER_PORTS, STORAGE_VOLUME_NAME, StackConfig, hostEndpoints } from "../config";
import { TableDef } from "../catalog/tables";
import { ComputeNode } from "../providers/computeNode";
import { Database } from "../providers/database";
import { LoaderUser } from "../providers/loaderUser";
import { RootPassword } from "../providers/rootPassword";
import { StorageVolume } from "../providers/storageVolume";
import { Table } from "../providers/table";

export interface StarRocksSetupArgs {
  config: StackConfig;
  /** The catalog's tables (catalog/load.ts), each a Primary Key table in the sink database. */
  tables: TableDef[];
  /** The administrator's password: root's (managed mode, set by RootPassword) or starrocksAdminPassword (external). */
  adminPassword: pulumi.Input<string>;
  loaderPassword: pulumi.Input<string>;
  /** Credentials the storage volume uses (MinIO's in managed mode); unused when no volume is managed. */
  s3AccessKey?: pulumi.Input<string>;
  s3SecretKey?: pulumi.Input<string>;
  /** The FE container (managed mode; must be healthy). */
  fe?: pulumi.Resource;
  /** One CN container per index (managed mode). */
  cns: pulumi.Resource[];
  /** Keep the database, tables and users on `pulumi destroy` (they live in the retained FE meta). */
  retainData: boolean;
  /** The bucket the storage volume points at (managed mode). */
  bucket?: pulumi.Resource;
}

/**
 * StarRocks after its containers run, in bootstrap order: root password first (so every later
 * connection uses it), then each compute node's registration, the storage volume as the default, the
 * database, the Primary Key tables, and the loader user with SELECT and INSERT on them.
 *
 * External mode connects as the configured administrator and starts at the storage volume (only when
 * starrocksStorageVolume opts in): the root password and compute nodes belong to the cluster's operator.
 */
export class StarRocksSetup extends pulumi.ComponentResource {
  readonly tables: Table[];
  /** Each Table's id by table name (what a CDC job ties its lifetime to). */
  readonly tableIds: Record<string, pulumi.Output<string>>;
  readonly loaderUser: LoaderUser;

  constructor(name: string, args: StarRocksSetupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("starrocks-cdc:index:StarRocksSetup", name, {}, opts);
    const cfg = args.config;
    const q = hostEndpoints(cfg).starrocksQuery;
    const admin = { host: q.host, port: q.port, user: cfg.starrocks.adminUser, password: args.adminPassword, timeoutMs: cfg.providerTimeoutMs };
    const child = (dependsOn: pulumi.Input<pulumi.Resource>[]) => ({ parent: this, dependsOn });
    const data = (dependsOn: pulumi.Input<pulumi.Resource>[]) => ({ ...child(dependsOn), retainOnDelete: args.retainData });

    const bootstrap: pulumi.Resource[] = [];
    if (cfg.starrocks.mode === "managed") {
      if (!args.fe || !args.bucket) throw new Error("StarRocksSetup: managed mode needs the FE container and the bucket");
      const root = new RootPassword("root-password", admin, child([args.fe]));
      const nodes = args.cns.map((cn, i) =>
        // Depending on its container means scaling cnCount down drops the node from the FE before the container goes.
        new ComputeNode(`starrocks-cn-${i}-registration`, { ...admin, nodeHost: ALIASES.cn(i), heartbeatPort: CONTAINER_PORTS.cnHeartbeat }, child([root, cn])),
      );
      bootstrap.push(root, args.bucket, ...nodes);
    }
    const sv = cfg.starrocks.storageVolume;
    if (sv && (args.s3AccessKey === undefined || args.s3SecretKey === undefined)) throw new Error("StarRocksSetup: the storage volume needs S3 credentials");
    const volume = sv
      ? new StorageVolume("storage-volume", {
        ...admin,
        name: STORAGE_VOLUME_NAME,
        location: sv.location,
        endpoint: sv.endpoint,
        region: sv.region,
        accessKey: args.s3AccessKey!,
        secretKey: args.s3SecretKey!,
        allowDestructiveChanges: cfg.allowDestructiveChanges,
      }, child(bootstrap))
      : undefined;
    // Dropped only when the data is meant to go (retainData keeps them out of delete): FORCE, so COMMITTED
    // loads do not block it and the recycle bin does not keep the storage volume referenced.
    const forceDrop = !args.retainData;
    const database = new Database("sink-database", { ...admin, database: cfg.starrocks.database, forceDrop }, data(volume ? [volume] : bootstrap));
    const tables = args.tables;
    // The database name comes from the Database resource, so renaming it replaces the tables with it, and their
    // CDC jobs are deleted (stopped) before the old database is dropped.
    this.tables = tables.map((t) =>
      new Table(`sink-table-${t.name}`, { ...admin, database: database.database, definition: t, allowDestructiveChanges: cfg.allowDestructiveChanges, forceDrop }, data([database])),
    );
    this.tableIds = Object.fromEntries(tables.map((t, i) => [t.name, this.tables[i].id]));
    // Granted after the tables exist: whether ALL TABLES IN DATABASE covers later tables is not documented.
    this.loaderUser = new LoaderUser("loader-user", {
      ...admin,
      loaderUser: cfg.starrocks.loaderUser,
      loaderPassword: args.loaderPassword,
      database: cfg.starrocks.database,
    }, data(this.tables));
    this.registerOutputs({});
  }
}
