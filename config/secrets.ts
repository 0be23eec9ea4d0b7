/** Secret config keys: credentials set with `pulumi config set --secret`. */
/**
 * Secret config keys (`pulumi config set --secret KEY …`). Most replace a generated credential: they let a
 * stack redeploy onto volumes kept by `retainData`, whose servers still hold the old credentials.
 * `sourcePassword` is required with an external source; `starrocksAdminPassword`, `starrocksVolumeSecretKey`
 * and `flinkS3SecretKey` belong to external systems and are never generated (see validation).
 */
export const SECRET_CONFIG_KEYS = {
  MYSQL_ROOT_PASSWORD: "mysqlRootPassword",
  CDC_PASSWORD: "sourcePassword",
  MINIO_ROOT_USER: "minioRootUser",
  MINIO_ROOT_PASSWORD: "minioRootPassword",
  STARROCKS_ROOT_PASSWORD: "starrocksRootPassword",
  LOADER_PASSWORD: "loaderPassword",
  STARROCKS_ADMIN_PASSWORD: "starrocksAdminPassword",
  STARROCKS_VOLUME_SECRET_KEY: "starrocksVolumeSecretKey",
  FLINK_S3_SECRET_KEY: "flinkS3SecretKey",
} as const;
export const SECRET_KEY_NAMES: readonly string[] = Object.values(SECRET_CONFIG_KEYS);

