#!/usr/bin/env bash
# lib/venv.sh REQUIREMENTS_FILE -> prints the python of a virtual environment holding exactly those
# pinned requirements, cached under $GATE_CACHE by the file's hash (built once per machine).
set -euo pipefail
req=$1
cache="${GATE_CACHE:-$HOME/.cache/imserver-gate}"
hash=$(sha256sum "$req" | cut -c1-16)
venv="$cache/venv-$(basename "$(dirname "$req")")-$hash"
if [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
