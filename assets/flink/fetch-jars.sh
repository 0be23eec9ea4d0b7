#!/bin/sh
# Installs the jars of pins.txt that a consumer uses into FLINK_HOME, each verified against its pinned
# SHA-256 (a mismatch fails). Jars already present with the right checksum are kept (idempotent).
# Used by the Docker image build (consumer "image") and scripts/install-real-tier.sh (consumer "tier").
#   fetch-jars.sh <pins file> <FLINK_HOME> <image|tier> [maven repository URL]
set -eu
pins="$1"; home="$2"; consumer="$3"; repo="${4:-https://repo1.maven.org/maven2}"
case "$consumer" in image|tier) ;; *) echo "fetch-jars: consumer must be image or tier, not '$consumer'" >&2; exit 2;; esac
[ -f "$pins" ] || { echo "fetch-jars: no pins file at $pins" >&2; exit 2; }
[ -d "$home" ] || { echo "fetch-jars: FLINK_HOME $home is not a directory" >&2; exit 2; }

grep '^jar ' "$pins" | while read -r _ coord sha dir use; do
  [ "$use" = both ] || [ "$use" = "$consumer" ] || continue
  group="${coord%%:*}"; rest="${coord#*:}"; artifact="${rest%%:*}"; version="${rest#*:}"
  jar="${artifact}-${version}.jar"
  target="${home}/${dir}/${jar}"
  if [ -f "$target" ] && echo "${sha}  ${target}" | sha256sum -c --status -; then
    echo "fetch-jars: ${dir}/${jar} present, sha256 ok"
    continue
  fi
  mkdir -p "${home}/${dir}"
  url="${repo}/$(echo "$group" | tr . /)/${artifact}/${version}/${jar}"
  curl -fsSL --retry 3 -o "${target}.part" "$url" || { echo "fetch-jars: download failed: $url" >&2; exit 1; }
  if ! echo "${sha}  ${target}.part" | sha256sum -c --status -; then
    echo "fetch-jars: ${jar} from $url has sha256 $(sha256sum "${target}.part" | cut -c1-64), pins.txt says ${sha}" >&2
    rm -f "${target}.part"; exit 1
  fi
  mv "${target}.part" "$target"
  echo "fetch-jars: ${dir}/${jar} installed, sha256 ok"
done
