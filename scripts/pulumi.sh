#!/usr/bin/env bash
# Runs the Pulumi CLI (from the npm package `pulumi`, which fetches the matching CLI on first use) against
# a local file backend in .pulumi-state/, so no Pulumi account is needed. The stack passphrase is
# generated once into .pulumi-state/passphrase (mode 600); keep that file, or set
# PULUMI_CONFIG_PASSPHRASE / PULUMI_CONFIG_PASSPHRASE_FILE yourself. An existing PULUMI_BACKEND_URL wins.
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
exec "$root/node_modules/.bin/pulumi" "$@"
