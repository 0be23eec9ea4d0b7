/**
 * Everything `npm run render` writes, as a map of relative path → file content. Pure: the same
 * functions the program uses, with secrets as `${NAME}` placeholders.
 */
import { TableDef, replicatedTables } from "../catalog/tables";
import { StackConfig } from "../config";
import { placeholder, renderContainerSpecs } from "./containers";
import { flinkCommonProperties, propertiesText } from "./flink";
import { renderCdcJobs, renderJobScript } from "./flinkJob";
import { renderManifest } from "./manifest";
import * as mysql from "./mysql";
import * as sr from "./starrocks";

export type RenderedFiles = Record<string, string>;

/** `tables`: the catalog's tables (catalog/load.ts); by default the selected demo tables. */
export function renderAll(cfg: StackConfig, tables: readonly TableDef[] = replicatedTables(cfg.tables)): RenderedFiles {
  const specs = renderContainerSpecs(cfg);
  const s3 = { accessKey: placeholder("MINIO_ROOT_USER"), secretKey: placeholder("MINIO_ROOT_PASSWORD") };
  const flinkConfig =
    propertiesText(flinkCommonProperties(cfg, s3)) +
    Array.from({ length: cfg.flink.taskManagers }, (_, i) => `# taskmanager-${i} also receives: taskmanager.host: taskmanager-${i}\n`).join("");
  const files: RenderedFiles = {
    "manifest.json": JSON.stringify(renderManifest(cfg, specs, tables), null, 2) + "\n",
    // A source catalog's own tables exist already: the script holds only the heartbeat table to create.
    "sql/mysql/schema.sql": mysql.schemaScript(cfg.source.database, cfg.catalog.kind === "source" ? tables.filter((t) => t.internal) : [...tables], cfg.source.mode === "managed" ? cfg.source.sampleRows : 0),
    "sql/mysql/users.sql": mysql.usersScript(cfg.source.user, placeholder("CDC_PASSWORD")),
    "sql/starrocks/tables.sql": sr.tablesScript(cfg.starrocks.database, [...tables]),
    "sql/starrocks/users.sql": sr.starrocksUsersScript(cfg.starrocks.loaderUser, cfg.starrocks.database, placeholder("LOADER_PASSWORD")),
  };
  // Files that only a part the stack runs receives.
  if (cfg.starrocks.mode === "managed") {
    files["starrocks/fe.conf"] = sr.renderFeConf(cfg);
    files["starrocks/cn.conf"] = sr.renderCnConf(cfg);
  }
  if (cfg.flink.mode === "managed") files["flink/config.yaml"] = flinkConfig;
  const volume = sr.volumeSpec(cfg);
  if (volume) {
    const [accessKey, secretKey] = volume && cfg.starrocks.storageVolume?.accessKey !== undefined
      ? [cfg.starrocks.storageVolume.accessKey, placeholder("STARROCKS_VOLUME_SECRET_KEY")]
      : [placeholder("MINIO_ROOT_USER"), placeholder("MINIO_ROOT_PASSWORD")];
    files["sql/starrocks/storage-volume.sql"] = sr.storageVolumeScript(volume, accessKey, secretKey);
  }
  const jobs = renderCdcJobs(cfg, { cdcPassword: placeholder("CDC_PASSWORD"), loaderPassword: placeholder("LOADER_PASSWORD") }, tables);
  for (const job of jobs) files[`sql/flink/${job.table}.sql`] = renderJobScript(job);
  return files;
}
