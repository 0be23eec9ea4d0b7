/** mysql:// connection URLs as the `cdc` CLI reads them (--source, --sink, stack outputs). */
export function connectionUrl(user: string, password: string, host: string, port: number, database: string): string {
  return `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}`;
}
