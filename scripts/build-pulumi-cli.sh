#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy, for machines where the npm `pulumi` package cannot fetch
# its binary. `go install github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v…` is refused (pkg/go.mod has replace
# directives), so a small wrapper module requires pkg and sdk at one version and repeats pkg's one
# non-local replace. The version is linked in (-X …/version.Version), or the Automation API cannot read it.
# Also writes the dynamic-provider plugin script `pulumi-resource-pulumi-nodejs` beside the binary.
# Idempotent and cached under ~/.cache/starrocks-cdc/pulumi-<version>/; prints the bin folder last.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "pulumi-cli" { print $2 }' "$root/assets/pulumi-cli.txt")"
cache="${STARROCKS_CDC_CACHE:-$HOME/.cache/starrocks-cdc}"
out="$cache/pulumi-$version"
bin="$out/bin"

command -v go >/dev/null 2>&1 || { echo "pulumi-cli: no go on PATH (the CLI is built from the Go module proxy)" >&2; exit 1; }

if [ -x "$bin/pulumi" ] && "$bin/pulumi" version 2>/dev/null | grep -qx "v$version"; then
  echo "pulumi-cli: v$version present"
else
  echo "pulumi-cli: building v$version from the Go module proxy (about 10 minutes on 2 cores the first time)"
  src="$out/src"
  mkdir -p "$src" "$bin"
  cat > "$src/go.mod" <<EOF
module starrocks-cdc/pulumi-cli

go 1.24

require (
	github.com/pulumi/pulumi/pkg/v3 v$version
	github.com/pulumi/pulumi/sdk/v3 v$version
)

// The one replace of pkg/go.mod that does not point at a local path.
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
EOF
  cat > "$src/tools.go" <<'EOF'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
EOF
  (cd "$src" && GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || GOFLAGS=-mod=mod go mod tidy)
  (cd "$src" && GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
    -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
fi

# The engine launches dynamic providers through this plugin name; it runs @pulumi/pulumi's own host. The
# engine starts it in the program's folder: that checkout's node_modules first (the cache is shared by every
# checkout on the machine), this one's when the folder has none.
cat > "$bin/pulumi-resource-pulumi-nodejs" <<EOF
#!/bin/sh
host="\$PWD/node_modules/@pulumi/pulumi/cmd/dynamic-provider"
[ -e "\$host" ] || host="$root/node_modules/@pulumi/pulumi/cmd/dynamic-provider"
exec node "\$host" "\$@"
EOF
chmod +x "$bin/pulumi-resource-pulumi-nodejs"
echo "$bin" > "$cache/pulumi-cli-bin"
echo "pulumi-cli: ready ($bin)"
