#!/usr/bin/env bash
# Installs the real-Flink test tier (tests/real): a Flink distribution from PyPI in a venv under
# ~/.cache/starrocks-cdc/, plus the jars of assets/flink/pins.txt the tier uses, each verified.
# Idempotent: a second run checks and skips. One line per step. Prints FLINK_HOME last.
set -euo pipefail
cd "$(dirname "$0")/.."

pins=assets/flink/pins.txt
flink_version="$(awk '$1 == "flink" { print $2 }' "$pins")"
cache="${STARROCKS_CDC_CACHE:-$HOME/.cache/starrocks-cdc}"
venv="${cache}/flink-${flink_version}-venv"

command -v java >/dev/null 2>&1 || { echo "real-tier: no java on PATH (Flink ${flink_version} needs Java 11 or 17)" >&2; exit 1; }
echo "real-tier: java $(java -version 2>&1 | head -1)"
python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || { echo "real-tier: no $python on PATH" >&2; exit 1; }

if [ ! -x "${venv}/bin/python" ]; then
  echo "real-tier: creating venv ${venv}"
  "$python" -m venv "$venv"
else
  echo "real-tier: venv ${venv} present"
fi

# Installed version of a package in the venv (empty when absent).
pip_version() { "${venv}/bin/python" -m pip show "$1" 2>/dev/null | awk '/^Version:/ { print $2 }'; }

# --no-deps: only the distribution (bin/, conf/, lib/) is needed, not PyFlink's Python dependencies.
if [ "$(pip_version apache-flink)" = "$flink_version" ] && [ "$(pip_version apache-flink-libraries)" = "$flink_version" ]; then
  echo "real-tier: apache-flink ${flink_version} present"
else
  echo "real-tier: pip install apache-flink==${flink_version} apache-flink-libraries==${flink_version}"
  "${venv}/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
    "apache-flink==${flink_version}" "apache-flink-libraries==${flink_version}"
fi

# S3 server for checkpoints and savepoints. moto, not s3rver: the presto S3 plugin (AWS SDK v1) uploads over
# plain HTTP with aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), which s3rver 3.7 stores undecoded,
# so every _metadata upload fails its MD5 check; moto decodes them.
moto_version=5.2.5
if [ "$(pip_version moto)" = "$moto_version" ] && [ -x "${venv}/bin/moto_server" ]; then
  echo "real-tier: moto ${moto_version} present"
else
  echo "real-tier: pip install moto[server]==${moto_version}"
  # pip's dependency check names apache-flink's Python dependencies, which --no-deps left out on purpose.
  if ! out="$("${venv}/bin/python" -m pip install -q --disable-pip-version-check "moto[server]==${moto_version}" 2>&1)"; then
    echo "$out" >&2; exit 1
  fi
fi

flink_home="$("${venv}/bin/python" -c 'import os, pyflink; print(os.path.dirname(os.path.abspath(pyflink.__file__)))')"
[ -x "${flink_home}/bin/jobmanager.sh" ] || { echo "real-tier: ${flink_home} has no bin/jobmanager.sh" >&2; exit 1; }
echo "real-tier: FLINK_HOME ${flink_home}"
# pip does not keep the execute bit on every script the launchers call.
chmod +x "${flink_home}"/bin/*.sh

sh assets/flink/fetch-jars.sh "$pins" "$flink_home" tier | sed 's/^fetch-jars/real-tier/'
# Record where the distribution and moto_server are, for the tier's globalSetup.
echo "$flink_home" > "${cache}/real-tier-flink-home"
echo "${venv}/bin/moto_server" > "${cache}/real-tier-moto-server"
echo "real-tier: ready (${cache}/real-tier-flink-home)"
