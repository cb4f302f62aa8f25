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
# imtest_* schemas outside the imtest_<run>_* form: a test that names its schemas otherwise
# escapes drop_schemas, so the run fails when there are more of them at its end than at its start
stray_schemas() {
  psql -qAt "$TEST_DATABASE_URL" -c "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'imtest\\_%' AND nspname NOT LIKE 'imtest\\_%\\_%'" 2>/dev/null || echo 0
}
strays_before=0
if [ -n "${TEST_DATABASE_URL:-}" ] && command -v psql >/dev/null 2>&1; then
  strays_before=$(stray_schemas)
fi
finish() {
  local status=$?
  drop_schemas
  if [ -n "${TEST_DATABASE_URL:-}" ] && command -v psql >/dev/null 2>&1; then
    left=$(psql -qAt "$TEST_DATABASE_URL" -c "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'imtest\\_${IMTEST_RUN}\\_%'" 2>/dev/null || echo 0)
    if [ "${left:-0}" != 0 ]; then
      echo "cargo_tests.sh: $left test schemas of this run could not be dropped" >&2
      status=1
    fi
    strays=$(stray_schemas)
    if [ "${strays:-0}" -gt "${strays_before:-0}" ]; then
      echo "cargo_tests.sh: $((strays - strays_before)) new imtest_* schemas not named imtest_<run>_* were left behind (a test must name its schemas from IMTEST_RUN, or drop them)" >&2
      status=1
    fi
  fi
  exit $status
}
trap finish EXIT
"$CARGO" test --workspace "$@"
