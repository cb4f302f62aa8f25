#!/usr/bin/env bash
# Gatekeepers: real clients (schemathesis, linters, a generated SDK, a browser, two instances)
# against a real imserver process. Runs every executable tests/gate/check_* in name order, on a
# fresh SQLite file; a check whose text holds the line "# gate: also-on-postgres" runs a second
# time on a fresh PostgreSQL database when TEST_DATABASE_URL is set; one holding
# "# gate: postgres-only" runs only then (and is skipped, saying so, without it).
#   tests/gate/run_all.sh            every check
#   tests/gate/run_all.sh sdk lint   the checks whose names contain "sdk" or "lint"
# Artifacts and logs: tests/gate/out/ (GATE_OUT). Tool caches: ~/.cache/imserver-gate (GATE_CACHE).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export GATE_OUT="${GATE_OUT:-$ROOT/tests/gate/out}"
export GATE_CACHE="${GATE_CACHE:-$HOME/.cache/imserver-gate}"
rm -rf "$GATE_OUT"
mkdir -p "$GATE_OUT" "$GATE_CACHE"

if [ -z "${IMSERVER_BIN:-}" ]; then
  cargo build --quiet --bin imserver
  export IMSERVER_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/imserver"
fi
export NO_COLOR=1

wanted() {
  [ $# -eq 0 ] && return 0
  local name=$1; shift
  for w in "${ONLY[@]}"; do [[ "$name" == *"$w"* ]] && return 0; done
  return 1
}
ONLY=("$@")
failed=()
run_one() { # name, database
  local check=$1 db=$2 start=$SECONDS
  echo "== gate: $(basename "$check") on $db"
  if GATE_DB="$db" "$check"; then
    echo "== gate: $(basename "$check") on $db passed in $((SECONDS - start))s"
  else
    echo "== gate: $(basename "$check") on $db FAILED after $((SECONDS - start))s (logs: $GATE_OUT)"
    failed+=("$(basename "$check") on $db")
  fi
}
for check in tests/gate/check_*; do
  [ -x "$check" ] || continue
  if [ ${#ONLY[@]} -gt 0 ] && ! wanted "$(basename "$check")" "${ONLY[@]}"; then continue; fi
  if grep -q '^# gate: postgres-only' "$check"; then
    if [ -n "${TEST_DATABASE_URL:-}" ]; then
      run_one "$check" "$TEST_DATABASE_URL"
    else
      echo "== gate: $(basename "$check") skipped: it needs PostgreSQL (TEST_DATABASE_URL)"
    fi
    continue
  fi
  run_one "$check" sqlite
  if [ -n "${TEST_DATABASE_URL:-}" ] && grep -q '^# gate: also-on-postgres' "$check"; then
    run_one "$check" "$TEST_DATABASE_URL"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  printf '== gate FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "== gate: all checks passed"
