#!/usr/bin/env bash
# `make test`, first half: the cargo tests. With TEST_DATABASE_URL every database test works in
# its own PostgreSQL schema named imtest_<run>_<random>; this run's <run> is set here, and the
# schemas of this run are dropped when it ends, also when a test failed (other runs' schemas,
# e.g. of a concurrent `make test`, are left alone).
set -uo pipefail
CARGO="${CARGO:-cargo}"
export IMTEST_RUN="r$(date +%s)$$"
drop_schemas() {
  [ -n "${TEST_DATABASE_URL:-}" ] && command -v psql >/dev/null 2>&1 || return 0
  # one DROP per transaction: dropping a hundred schemas in one exhausts PostgreSQL's lock table
  psql -qAt "$TEST_DATABASE_URL" -c "SELECT 'DROP SCHEMA ' || quote_ident(nspname) || ' CASCADE;' FROM pg_namespace WHERE nspname LIKE 'imtest\\_${IMTEST_RUN}\\_%'" \
    | PGOPTIONS=--client-min-messages=warning psql -q "$TEST_DATABASE_URL" -f - >/dev/null || true
}
finish() {
  local status=$?
  drop_schemas
  if [ -n "${TEST_DATABASE_URL:-}" ] && command -v psql >/dev/null 2>&1; then
    left=$(psql -qAt "$TEST_DATABASE_URL" -c "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'imtest\\_${IMTEST_RUN}\\_%'" 2>/dev/null || echo 0)
    if [ "${left:-0}" != 0 ]; then
      echo "cargo_tests.sh: $left test schemas of this run could not be dropped" >&2
      status=1
    fi
  fi
  exit $status
}
trap finish EXIT
"$CARGO" test --workspace "$@"
