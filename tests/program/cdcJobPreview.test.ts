/**
 * Reviewable previews of CDC jobs, under Pulumi mocks: the job's statements are a PLAIN input holding password
 * placeholders, so a changed option shows in `pulumi preview` as an old -> new diff of that one statement;
 * the passwords are separate secret inputs, and no password appears in the statements.
 */
import { createCdcJobProvider } from "../../providers/cdcJob";
import { CDC_PASSWORD_PLACEHOLDER, LOADER_PASSWORD_PLACEHOLDER } from "../../render/flinkJob";
import { ProgramRun, isSecretValue, plain, runProgram } from "./harness";

const JOB = "pulumi-nodejs:dynamic/flink:CdcJob";
// The mocks' generated passwords (tests/program/harness.ts): pw-<resource name>.
const PASSWORDS = ["pw-secrets-cdc-password", "pw-secrets-loader-password"];

let before: ProgramRun;
let after: ProgramRun;
beforeAll(async () => {
  before = await runProgram({ sinkFlushIntervalMs: 1000 });
  after = await runProgram({ sinkFlushIntervalMs: 5000 });
});

const orders = (run: ProgramRun) => run.one(JOB, "cdc-job-orders").inputs;

test("statements are plain, carry placeholders and no password; the passwords are secret inputs", () => {
  for (const job of before.byType(JOB)) {
    expect(isSecretValue(job.inputs.statements)).toBe(false);
    const text = (job.inputs.statements as string[]).join("\n");
    expect(text).toContain(`'password' = '${CDC_PASSWORD_PLACEHOLDER}'`);
    expect(text).toContain(`'password' = '${LOADER_PASSWORD_PLACEHOLDER}'`);
    for (const pw of PASSWORDS) expect(JSON.stringify(plain(job.inputs.statements))).not.toContain(pw);
    expect(isSecretValue(job.inputs.cdcPassword)).toBe(true);
    expect(isSecretValue(job.inputs.loaderPassword)).toBe(true);
    expect(plain(job.inputs.cdcPassword)).toBe("pw-secrets-cdc-password");
    expect(plain(job.inputs.loaderPassword)).toBe("pw-secrets-loader-password");
  }
});

test("a changed sink option is an old -> new diff of the sink statement only, readable in the preview", async () => {
  const [oldSql, newSql] = [orders(before).statements as string[], orders(after).statements as string[]];
  expect(oldSql[0]).toBe(newSql[0]);
  expect(oldSql[2]).toBe(newSql[2]);
  expect(oldSql[1]).toContain(`'sink.buffer-flush.interval-ms' = '1000'`);
  expect(newSql[1]).toContain(`'sink.buffer-flush.interval-ms' = '5000'`);
  // The provider sees the change as an in-place update of the job (a savepoint upgrade), not a replacement.
  const provider = createCdcJobProvider({ log: () => undefined });
  const olds = { ...plain(orders(before)), statements: oldSql };
  const news = { ...plain(orders(after)), statements: newSql };
  expect(await provider.diff!("orders", olds, news)).toMatchObject({ changes: true, replaces: [] });
  expect(await provider.diff!("orders", olds, { ...olds })).toMatchObject({ changes: false });
});

test("nothing the engine stores in plain text carries a password", () => {
  for (const job of after.byType(JOB)) {
    const plainInputs = Object.fromEntries(Object.entries(job.inputs).filter(([, v]) => !isSecretValue(v)));
    for (const pw of PASSWORDS) expect(JSON.stringify(plainInputs)).not.toContain(pw);
    // Outputs named like a secret input stay secret, and the provider lists them as well.
    expect(after.options.get(`${JOB}::${job.name}`)!.additionalSecretOutputs).toEqual(expect.arrayContaining(["cdcPassword", "loaderPassword"]));
    expect(after.options.get(`${JOB}::${job.name}`)!.additionalSecretOutputs).not.toContain("statements");
  }
});
