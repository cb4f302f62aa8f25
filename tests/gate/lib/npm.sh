#!/usr/bin/env bash
# lib/npm.sh DIR -> installs DIR's package-lock.json into DIR/node_modules (npm ci), skipped when
# the installed tree already matches the lock file. npm's own cache (~/.npm) keeps the tarballs.
set -euo pipefail
dir=$1
hash=$(sha256sum "$dir/package-lock.json" | cut -c1-16)
if [ "$(cat "$dir/node_modules/.gate-lock" 2>/dev/null || true)" != "$hash" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error >&2)
  echo "$hash" > "$dir/node_modules/.gate-lock"
fi
