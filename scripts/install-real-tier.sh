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

# --no-deps: only the distribution (bin/, conf/, lib/) is needed, not PyFlink's Python dependencies.
if "${venv}/bin/python" -m pip show apache-flink 2>/dev/null | grep -qx "Version: ${flink_version}" \
   && "${venv}/bin/python" -m pip show apache-flink-libraries 2>/dev/null | grep -qx "Version: ${flink_version}"; then
  echo "real-tier: apache-flink ${flink_version} present"
else
  echo "real-tier: pip install apache-flink==${flink_version} apache-flink-libraries==${flink_version}"
  "${venv}/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
    "apache-flink==${flink_version}" "apache-flink-libraries==${flink_version}"
fi

flink_home="$("${venv}/bin/python" -c 'import os, pyflink; print(os.path.dirname(os.path.abspath(pyflink.__file__)))')"
[ -x "${flink_home}/bin/jobmanager.sh" ] || { echo "real-tier: ${flink_home} has no bin/jobmanager.sh" >&2; exit 1; }
echo "real-tier: FLINK_HOME ${flink_home}"
# pip does not keep the execute bit on every script the launchers call.
chmod +x "${flink_home}"/bin/*.sh

sh assets/flink/fetch-jars.sh "$pins" "$flink_home" tier | sed 's/^fetch-jars/real-tier/'
# Record where the distribution is, for the tier's globalSetup.
echo "$flink_home" > "${cache}/real-tier-flink-home"
echo "real-tier: ready (${cache}/real-tier-flink-home)"
