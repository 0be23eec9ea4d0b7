/**
 * Throwaway S3 server for tests: s3rver (an S3 API implementation in Node) on a free loopback port with a
 * temp directory. Its fixed credentials are S3RVER / S3RVER.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePort } from "./mariadb";

export interface S3Server {
  endpoint: string;
  port: number;
  accessKey: string;
  secretKey: string;
  region: string;
  stop(): Promise<void>;
}

export async function startS3(opts: { port?: number } = {}): Promise<S3Server> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require("s3rver");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-s3-"));
  const port = opts.port ?? (await freePort());
  const server = new S3rver({ port, address: "127.0.0.1", silent: true, directory: dir });
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    accessKey: "S3RVER",
    secretKey: "S3RVER",
    region: "us-east-1",
    stop: async () => {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
