#!/usr/bin/env bash
# Deploys (or updates) a stack on this machine's Docker: `npm run deploy [-- STACK]` (default dev).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
stack="${1:-dev}"
command -v docker >/dev/null || { echo "deploy: docker not found; install Docker and start it first" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "deploy: the Docker daemon is not reachable (is it running, and may this user use it?)" >&2; exit 1; }
"$root/scripts/pulumi.sh" stack select --create "$stack" --secrets-provider passphrase
"$root/scripts/pulumi.sh" up --yes --stack "$stack"
