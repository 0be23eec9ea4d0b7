/**
 * Providers are serialized by value into the Pulumi provider process: they must capture no client and no
 * @pulumi/pulumi (deployment-only). This serializes each one the way dynamic.Resource does.
 */
import * as pulumi from "@pulumi/pulumi";
import { bucketProvider } from "../../providers/bucket";
import { cdcJobProvider } from "../../providers/cdcJob";
import { cdcUserProvider } from "../../providers/cdcUser";
import { computeNodeProvider } from "../../providers/computeNode";
import { databaseProvider } from "../../providers/database";
import { loaderUserProvider } from "../../providers/loaderUser";
import { diffByPolicy } from "../../providers/policy";
import { rootPasswordProvider } from "../../providers/rootPassword";
import { sourcePreflightProvider } from "../../providers/sourcePreflight";
import { sourceSchemaProvider } from "../../providers/sourceSchema";
import { storageVolumeProvider } from "../../providers/storageVolume";
import { tableProvider } from "../../providers/table";
import { scrub } from "../../clients/scrub";

const providers = { bucketProvider, cdcJobProvider, cdcUserProvider, computeNodeProvider, databaseProvider, loaderUserProvider, rootPasswordProvider, sourcePreflightProvider, sourceSchemaProvider, storageVolumeProvider, tableProvider };

describe("provider serialization", () => {
  for (const [name, provider] of Object.entries(providers)) {
    test(`${name} serializes without capturing @pulumi/pulumi or a client`, async () => {
      const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
      expect(sf.text).not.toMatch(/require\("@pulumi\/pulumi"\)/);
      expect(sf.text).toMatch(/require\("mysql2\/promise"\)|require\("minio"\)/);
    });
  }
});

describe("shared diff helper", () => {
  test("ignore / update / replace, unknowns count as changed", () => {
    const policy = { a: "ignore", b: "update", c: "replace" } as const;
    expect(diffByPolicy({ a: 1, b: 1, c: 1 }, { a: 2, b: 1, c: 1 }, policy)).toEqual({ changes: false, replaces: [], updates: [] });
    expect(diffByPolicy({ a: 1, b: 1, c: 1 }, { a: 1, b: 2, c: 1 }, policy)).toEqual({ changes: true, replaces: [], updates: ["b"] });
    expect(diffByPolicy({ a: 1, b: 1, c: 1 }, { a: 1, b: 1, c: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }, policy)).toEqual({ changes: true, replaces: ["c"], updates: [], deleteBeforeReplace: true });
    expect(diffByPolicy({ x: [1, { y: 2 }] }, { x: [1, { y: 2 }] }, {}).changes).toBe(false);
  });

  test("scrub removes secrets and password literals", () => {
    expect(scrub("ALTER USER 'u'@'%' IDENTIFIED BY 'p''w' failed", [])).toBe("ALTER USER 'u'@'%' IDENTIFIED BY '******' failed");
    expect(scrub("SET PASSWORD = PASSWORD('abc')")).toBe("SET PASSWORD = PASSWORD('******')");
    expect(scrub("key hunter2 leaked", ["hunter2"])).toBe("key ****** leaked");
  });
});
