#!/bin/sh
# Runs bench/compare-sysbench.ts (see there): sysbench oltp_insert vs `cdc bench` on throwaway MariaDB.
# Usage: bench/compare-sysbench.sh [--threads 4] [--seconds 10]
set -e
cd "$(dirname "$0")/.."
node bin/node-version.js bench
exec node -r ts-node/register/transpile-only bench/compare-sysbench.ts "$@"
