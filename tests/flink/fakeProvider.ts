/**
 * Shared setup of the CdcJob provider tests against the Flink FAKE: a fresh fake and in-memory object store
 * per test, a provider that logs into an array and polls fast, and the inputs the program would pass.
 */
import { CdcJobInputs, createCdcJobProvider } from "../../providers/cdcJob";
import { CdcJobSpec } from "../../render/flinkJob";
import { FlinkFake, MemoryObjectStore } from "../fakes/flink";

export interface FakeProviderContext {
  store: MemoryObjectStore;
  fake: FlinkFake;
  logs: string[];
  provider: ReturnType<typeof createCdcJobProvider>;
}

export async function startFakeProvider(bucket: string): Promise<FakeProviderContext> {
  const store = new MemoryObjectStore();
  const fake = await new FlinkFake({ store, bucket }).start();
  const logs: string[] = [];
  const provider = createCdcJobProvider({ objectStore: () => store, log: (m) => logs.push(m), pollInitialMs: 2, pollMaxMs: 10 });
  return { store, fake, logs, provider };
}

/** Unchecked inputs for `job` on the fake: statements with placeholders, the passwords as separate inputs. */
export function fakeJobInputs(
  fake: FlinkFake,
  job: CdcJobSpec,
  secrets: { cdcPassword: string; loaderPassword: string },
  bucket: string,
  over: Partial<CdcJobInputs> = {},
): Record<string, unknown> {
  return {
    gatewayUrl: fake.gatewayUrl,
    restUrl: fake.restUrl,
    statements: job.statements,
    cdcPassword: secrets.cdcPassword,
    loaderPassword: secrets.loaderPassword,
    pipelineName: job.pipelineName,
    table: job.table,
    serverIdRange: job.serverIdRange,
    savepointDir: `s3://${bucket}/flink/savepoints`,
    timeoutMs: 5000,
    providerVersion: "1.0.0",
    s3Endpoint: "http://127.0.0.1:1",
    s3AccessKey: "access-AK9",
    s3SecretKey: "secret-SK7",
    bucket,
    ...over,
  };
}
