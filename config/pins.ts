/**
 * Reader of assets/flink/pins.txt, the one list of the Flink version and the connector jars that the
 * Docker image build and the real-Flink test tier install (both through assets/flink/fetch-jars.sh).
 * The program takes the Flink version from here, so the image tag default cannot drift from the jars.
 */
import * as fs from "fs";
import * as path from "path";

export type PinConsumer = "image" | "tier" | "both";

export interface JarPin {
  group: string;
  artifact: string;
  version: string;
  sha256: string;
  /** Directory under FLINK_HOME, e.g. lib, opt, plugins/s3-fs-presto. */
  dir: string;
  usedBy: PinConsumer;
  /** File name as Maven Central serves it: `<artifact>-<version>.jar`. */
  file: string;
}

export interface FlinkPins {
  flinkVersion: string;
  jars: JarPin[];
}

export const PINS_FILE = path.join(__dirname, "..", "assets", "flink", "pins.txt");

/** Parses pins.txt text; throws naming the line that does not fit the format. */
export function parsePins(text: string): FlinkPins {
  let flinkVersion: string | undefined;
  const jars: JarPin[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const f = line.split(/\s+/);
    if (f[0] === "flink" && f.length === 2 && /^\d+\.\d+\.\d+$/.test(f[1])) {
      flinkVersion = f[1];
      return;
    }
    const coord = f[1]?.split(":") ?? [];
    if (f[0] === "jar" && f.length === 5 && coord.length === 3 && /^[0-9a-f]{64}$/.test(f[2]) && ["image", "tier", "both"].includes(f[4])) {
      const [group, artifact, version] = coord;
      jars.push({ group, artifact, version, sha256: f[2], dir: f[3], usedBy: f[4] as PinConsumer, file: `${artifact}-${version}.jar` });
      return;
    }
    throw new Error(`pins.txt line ${i + 1} is neither "flink <x.y.z>" nor "jar <group:artifact:version> <sha256> <dir> <image|tier|both>": ${line}`);
  });
  if (!flinkVersion) throw new Error(`pins.txt has no "flink <version>" line`);
  return { flinkVersion, jars };
}

let cached: FlinkPins | undefined;
/** The project's pins (read once). */
export function flinkPins(): FlinkPins {
  cached ??= parsePins(fs.readFileSync(PINS_FILE, "utf8"));
  return cached;
}

/** The official image tag of the pinned Flink version with Scala 2.12 and Java 17. */
export function pinnedFlinkImage(): string {
  return `flink:${flinkPins().flinkVersion}-scala_2.12-java17`;
}
