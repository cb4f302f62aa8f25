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
  psql -q "$TEST_DATABASE_URL" -c "DO \$\$ DECLARE s text; BEGIN FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'imtest\\_${IMTEST_RUN}\\_%' LOOP EXECUTE 'DROP SCHEMA ' || quote_ident(s) || ' CASCADE'; END LOOP; END \$\$;" >/dev/null || true
}
trap drop_schemas EXIT
"$CARGO" test --workspace "$@"
