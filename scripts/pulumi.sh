#!/usr/bin/env bash
# Runs the Pulumi CLI against a local file backend in .pulumi-state/, so no Pulumi account is needed. The
# stack passphrase is generated once into .pulumi-state/passphrase (mode 600); keep that file, or set
# PULUMI_CONFIG_PASSPHRASE / PULUMI_CONFIG_PASSPHRASE_FILE yourself. An existing PULUMI_BACKEND_URL wins.
#
# Which CLI: the npm package `pulumi` (node_modules/.bin/pulumi), which downloads the matching CLI into
# ~/.pulumi/versions/ on first use. Where it has no CLI yet and one was built by scripts/build-pulumi-cli.sh
# (machines that cannot download it), the built one is used instead: directly for every command that needs
# no language host (config, stack, stack output, export, import, …), and through the Automation API runner
# scripts/engine.ts for up, preview, refresh and destroy (the built CLI has no nodejs language host; the
# runner serves index.ts inline). Set PULUMI_CLI=npm or PULUMI_CLI=built to choose.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# The Pulumi program and its providers run on the `node` found on PATH.
node "$root/bin/node-version.js" pulumi
state="$root/.pulumi-state"
mkdir -p "$state"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$state}"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  if [ ! -s "$state/passphrase" ]; then
    (umask 077; od -An -tx1 -N24 /dev/urandom | tr -d ' \n' > "$state/passphrase")
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$state/passphrase"
fi
export PULUMI_SKIP_UPDATE_CHECK=true
cd "$root"

npm_version="$(node -p 'require("./node_modules/pulumi/package.json").version' 2>/dev/null || true)"
npm_cli="${PULUMI_HOME:-$HOME/.pulumi}/versions/${PULUMI_VERSION:-$npm_version}/bin/pulumi"
cache="${STARROCKS_CDC_CACHE:-$HOME/.cache/starrocks-cdc}"
built_bin="${PULUMI_CLI_BIN:-$( [ -s "$cache/pulumi-cli-bin" ] && cat "$cache/pulumi-cli-bin" || true)}"

choice="${PULUMI_CLI:-}"
if [ -z "$choice" ]; then
  if [ -x "$npm_cli" ] || [ -z "$built_bin" ] || [ ! -x "$built_bin/pulumi" ]; then choice=npm; else choice=built; fi
fi

if [ "$choice" = npm ]; then
  exec "$root/node_modules/.bin/pulumi" "$@"
fi

[ -x "$built_bin/pulumi" ] || { echo "pulumi.sh: no built CLI at '$built_bin' (run scripts/build-pulumi-cli.sh)" >&2; exit 1; }
export PATH="$built_bin:$PATH"
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
case "${1:-}" in
  up|update|preview|refresh|destroy)
    # The engine operations run the program: index.ts served inline by the Automation API (scripts/engine.ts).
    if [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ]; then
      PULUMI_CONFIG_PASSPHRASE="$(cat "$PULUMI_CONFIG_PASSPHRASE_FILE")"
      export PULUMI_CONFIG_PASSPHRASE
    fi
    op="$1"; shift
    [ "$op" = update ] && op=up
    stack=""
    args=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --stack|-s) stack="$2"; shift 2 ;;
        --stack=*) stack="${1#--stack=}"; shift ;;
        --diff|--expect-no-changes) args+=("$1"); shift ;;
        *) shift ;;
      esac
    done
    [ -n "$stack" ] || stack="$("$built_bin/pulumi" stack --show-name 2>/dev/null || true)"
    [ -n "$stack" ] || { echo "pulumi.sh: pass --stack NAME" >&2; exit 2; }
    exec node -r ts-node/register/transpile-only "$root/scripts/engine.ts" "$op" --stack "$stack" --work-dir "$root" "${args[@]}"
    ;;
  *)
    exec "$built_bin/pulumi" "$@"
    ;;
esac
