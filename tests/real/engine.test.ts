/**
 * The user's verbs (up, preview --diff, refresh, destroy, stack references, `cdc --stack`) on the real
 * Pulumi engine, for an all-external stack on the real tier: see tests/engine/verbs.ts (the suite, shared
 * with the Docker target in tests/e2e) and tests/engine/realTarget.ts (what runs here).
 */
import { describeVerbs } from "../engine/verbs";
import { realTarget } from "../engine/realTarget";

describeVerbs(realTarget);
