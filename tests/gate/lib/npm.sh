#!/usr/bin/env bash
# lib/npm.sh DIR -> installs DIR's package-lock.json into DIR/node_modules (npm ci), skipped when
# the installed tree already matches the lock file. npm's own cache (~/.npm) keeps the tarballs.
# Telemetry off: @scarf/scarf (a dependency of @stoplight/spectral-cli, tests/gate/lint) would
# report each install from its postinstall script and write a history file in the system's temp
# directory; SCARF_ANALYTICS=false and DO_NOT_TRACK=1 stop both. No audit, fund or update notice.
set -euo pipefail
dir=$1
hash=$(sha256sum "$dir/package-lock.json" | cut -c1-16)
if [ "$(cat "$dir/node_modules/.gate-lock" 2>/dev/null || true)" != "$hash" ]; then
  (cd "$dir" && SCARF_ANALYTICS=false DO_NOT_TRACK=1 NO_UPDATE_NOTIFIER=1 \
     npm ci --no-audit --no-fund --no-update-notifier --prefer-offline --loglevel=error >&2)
  echo "$hash" > "$dir/node_modules/.gate-lock"
fi
