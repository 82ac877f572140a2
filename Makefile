# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= /var/tmp/spot-target
# Local default so the admin API works out of the box; set your own in production.
export SPOT_ADMIN_TOKEN ?= dev-admin-token
export SPOT_LOG_FORMAT ?= pretty

.PHONY: run demo test deps build web bench-ingest clean-test-dbs

deps:
	@bash scripts/deps.sh

## The operators' web app (web/, docs/DASHBOARD.md): rebuilt when its sources changed; the
## gateway embeds web/dist at compile time (a placeholder page when it was never built).
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/package.json web/vite.config.ts web/tsconfig.json
web: web/dist/index.html

web/node_modules/.package-lock.json: web/package-lock.json
	@if command -v npm >/dev/null; then cd web && npm ci --no-audit --no-fund; else echo "web: npm not found, the gateway embeds a placeholder page (see docs/DASHBOARD.md)"; fi

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	@if command -v npm >/dev/null; then touch web/index.html && cd web && npm run build; fi

build: web
	cargo build --locked -p spotctl -p spot-gateway -p spot-lifecycle -p spot-emergency -p spot-pricing -p spot-decisions

## Run the whole system locally: Postgres + NATS checked/started, then every service in one process.
run: deps build
	@echo "admin token: $$SPOT_ADMIN_TOKEN   gateway: http://127.0.0.1:8080"
	$(CARGO_TARGET_DIR)/debug/spotctl up

## The same plus a simulated fleet (AGENTS=200 v4 agents) registering, heartbeating, switching, surviving interruptions.
demo: deps build
	@echo "admin token: $$SPOT_ADMIN_TOKEN   gateway: http://127.0.0.1:8080"
	$(CARGO_TARGET_DIR)/debug/spotctl up --demo $(or $(AGENTS),200)

## Ingest benchmark (never part of `make test`): AGENTS simulated v4 agents for DURATION against the
## five service binaries (release build), table + JSON line on stdout. See docs/BENCHMARKS.md.
bench-ingest: deps
	cargo build --release --locked -p spotctl -p spot-gateway -p spot-lifecycle -p spot-emergency -p spot-pricing -p spot-decisions
	$(CARGO_TARGET_DIR)/release/spotctl bench ingest --agents $(or $(AGENTS),10000) --duration $(or $(DURATION),3m)

## Run every test (fmt, clippy -D warnings, unit and integration tests against real Postgres and NATS).
test: deps
	@bash scripts/test.sh

## Fault suite (docs/HARDENING.md "Fault suite"): two replicas of every service as processes, a private
## Postgres and nats-server, AGENTS simulated v4 agents and the full fault schedule; exits 1 on a missed target.
.PHONY: chaos
chaos: deps build
	$(CARGO_TARGET_DIR)/debug/spotctl chaos --agents $(or $(AGENTS),1000)

## API fuzzing (docs/HARDENING.md): schemathesis (pinned, from PyPI into target/fuzz-api/venv) against
## the served OpenAPI document of the whole stack, stateless and stateful, for FUZZ_MAX_TIME seconds (900).
.PHONY: fuzz-api
fuzz-api: deps
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-25} FUZZ_MAX_TIME=$${FUZZ_MAX_TIME:-900} bash scripts/schemathesis.sh

## Parser fuzzing (docs/FUZZING.md): every cargo-fuzz target of fuzz/ (agent v4 bodies, timestamps,
## pool ids, market traces, settings) for FUZZ_SECONDS each (60), one after the other, on the stable
## toolchain; installs cargo-fuzz when missing. Never part of `make test`.
.PHONY: fuzz
fuzz:
	@command -v cargo-fuzz >/dev/null || env -u CARGO_TARGET_DIR cargo install --locked cargo-fuzz
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} bash scripts/fuzz.sh
