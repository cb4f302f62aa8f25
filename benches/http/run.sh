#!/bin/sh
# `make bench`, HTTP part: wrk against the release binary on SQLite and (BENCH_DATABASE_URL or
# TEST_DATABASE_URL) PostgreSQL; see bench.py. Installs wrk from Debian when it is absent and we
# are root. Arguments go to bench.py (e.g. --db sqlite, --duration 5, --record BENCHMARKS.md).
set -eu
here=$(dirname "$0")
if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "bench: installing wrk (apt-get)" >&2
        apt-get install -y -o DPkg::Lock::Timeout=600 wrk >/dev/null 2>&1 ||
            { apt-get update >/dev/null 2>&1 && apt-get install -y -o DPkg::Lock::Timeout=600 wrk >/dev/null; }
    else
        echo "bench: wrk is missing: apt-get install wrk" >&2
        exit 1
    fi
fi
: "${IMSERVER_BIN:=${CARGO_TARGET_DIR:-$here/../../target}/release/imserver}"
export IMSERVER_BIN
# --messages first: the message part (messages.py), with the remaining arguments
if [ "${1:-}" = "--messages" ]; then
    shift
    exec python3 "$here/messages.py" "$@"
fi
exec python3 "$here/bench.py" "$@"
