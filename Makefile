# imserver: `make run` starts the server on ./data/imserver.db; `make test` runs every test.
CARGO ?= cargo

.PHONY: run test lint gate e2e fuzz openapi release coverage bench

## Build (debug) and start the server on the embedded default: SQLite under ./data, 127.0.0.1:8080.
run:
	$(CARGO) run --bin imserver -- serve

## Every test: formatting and clippy, unit, integration (SQLite; PostgreSQL too when
## TEST_DATABASE_URL is set), spec drift, then the gatekeepers (real clients against a real
## server, see `make gate`).
test: lint
	CARGO="$(CARGO)" tests/cargo_tests.sh
	tests/gate/run_all.sh

## `cargo fmt --check` and clippy over every target, warnings as errors.
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Only the gatekeepers; CHECKS="sdk lint" picks checks by name (tests/gate/check_*).
gate:
	tests/gate/run_all.sh $(CHECKS)

## schemathesis over every operation (SQLite; PostgreSQL too with TEST_DATABASE_URL).
fuzz:
	tests/gate/run_all.sh schemathesis

## Swagger UI in chromium only (screenshots in tests/gate/out/swagger/).
e2e:
	tests/gate/run_all.sh swagger

## Benchmarks (release build): HTTP with wrk (benches/http) on SQLite and, with BENCH_DATABASE_URL
## or TEST_DATABASE_URL, PostgreSQL; then membership and roster in-process. BENCH_ARGS="--record BENCHMARKS.md" records.
bench:
	$(CARGO) build --release --bin imserver
	benches/http/run.sh $(BENCH_ARGS)
	benches/http/run.sh --messages $(BENCH_ARGS)
	$(CARGO) bench --bench membership
	$(CARGO) bench --bench roster

## Regenerate openapi/openapi.json and openapi/openapi.yaml from the code.
openapi:
	$(CARGO) run --quiet --bin imserver -- openapi

## Optimised binary at target/release/imserver.
release:
	$(CARGO) build --release --bin imserver

## The seed documents against the committed spec: every missing route, parameter or field.
coverage:
	python3 ../shared/tools/seed_coverage.py openapi/openapi.json
