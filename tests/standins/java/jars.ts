/**
 * Real Java clients for the stand-in tests: jars from Maven Central, cached in ~/.cache/starrocks-cdc,
 * and single-file Java programs run with `java -cp <jars> Program.java` (Java 11+).
 */
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";

export const CACHE = path.join(os.homedir(), ".cache", "starrocks-cdc");
export const JAR_DIR = path.join(CACHE, "jars");
const MAVEN = "https://repo1.maven.org/maven2";

export function javaAvailable(): boolean {
  return spawnSync("java", ["-version"], { stdio: "ignore" }).status === 0;
}

export function mavenAvailable(): boolean {
  return spawnSync("mvn", ["-v"], { stdio: "ignore" }).status === 0;
}

function get(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    https.get(url, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        return;
      }
      const parts: Buffer[] = [];
      res.on("data", (c) => parts.push(c));
      res.on("end", () => resolve(Buffer.concat(parts)));
      res.on("error", reject);
    }).on("error", reject);
  });
}

/** group:artifact:version from Maven Central into the cache (checked against its .sha1); returns the path. */
export async function mavenJar(coordinates: string): Promise<string> {
  const [group, artifact, version] = coordinates.split(":");
  const file = path.join(JAR_DIR, `${artifact}-${version}.jar`);
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(JAR_DIR, { recursive: true });
  const url = `${MAVEN}/${group.replace(/\./g, "/")}/${artifact}/${version}/${artifact}-${version}.jar`;
  const [jar, sha] = await Promise.all([get(url), get(url + ".sha1")]);
  const want = sha.toString("utf8").trim().split(/\s+/)[0];
  const got = crypto.createHash("sha1").update(jar).digest("hex");
  if (want !== got) throw new Error(`${url}: sha1 ${got} does not match ${want}`);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, jar);
  fs.renameSync(tmp, file);
  return file;
}

/** A jar and its runtime dependencies, resolved by Maven into the cache (for Flink's table API classes). */
export async function mavenClasspath(coordinates: string): Promise<string[]> {
  const dir = path.join(CACHE, "classpaths", coordinates.replace(/:/g, "_"));
  const lib = path.join(dir, "lib");
  const done = path.join(dir, "complete");
  if (!fs.existsSync(done)) {
    const [group, artifact, version] = coordinates.split(":");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "pom.xml"), `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>starrocks-cdc.tests</groupId><artifactId>classpath</artifactId><version>1</version>
<dependencies><dependency><groupId>${group}</groupId><artifactId>${artifact}</artifactId><version>${version}</version></dependency></dependencies></project>
`);
    const r = await run("mvn", ["-q", "-B", "dependency:copy-dependencies", `-DoutputDirectory=${lib}`, "-DincludeScope=runtime"], { cwd: dir, timeoutMs: 600_000 });
    if (r.status !== 0) throw new Error(`mvn could not resolve ${coordinates}: ${r.stdout}${r.stderr}`);
    fs.writeFileSync(done, "");
  }
  return fs.readdirSync(lib).filter((f) => f.endsWith(".jar")).map((f) => path.join(lib, f));
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Called with the output so far on every chunk; write() sends a line to the program's stdin. */
  onStdout?: (stdout: string, write: (line: string) => void) => void;
}

/** Runs a command without blocking the event loop (the stand-in answers from this process). */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const write = (line: string) => child.stdin.write(line + "\n");
    child.stdout.on("data", (d) => {
      stdout += d;
      opts.onStdout?.(stdout, write);
    });
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** `java -cp <classpath> <file>.java args...` for a program in this folder. */
export function runJavaProgram(program: string, classpath: string[], args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run("java", ["-cp", classpath.join(path.delimiter), path.join(__dirname, program), ...args], { timeoutMs: 180_000, ...opts });
}
