#!/usr/bin/env bash
# Removes a stack's containers, network and (unless retainData) volumes: `npm run destroy [-- STACK]`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
stack="${1:-dev}"
"$root/scripts/pulumi.sh" destroy --yes --stack "$stack"
