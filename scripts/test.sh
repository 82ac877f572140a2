#!/usr/bin/env bash
# Runs every test: format check, clippy as errors, then the test suites
# against the real Postgres and NATS (each test makes its own database and
# its own nats-server). Used by `make test` and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

# Databases left behind by killed test runs.
psql -h 127.0.0.1 -U postgres -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'spot_test_%'" |
  while read -r db; do [ -n "$db" ] && psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done

echo "== web: typecheck, component tests, build (the gateway embeds web/dist)"
(cd web && npm run --silent typecheck && npx vitest run && npm run --silent build)
echo "== promtool: alert rules and their unit tests (deploy/prometheus)"
promtool check rules deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/alerts_test.yml
promtool check config --syntax-only deploy/prometheus/prometheus.yml

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
  # nextest does not run doctests
  cargo test --workspace --locked --doc
else
  echo "cargo-nextest not installed, using cargo test"
  cargo test --workspace --locked --no-fail-fast
fi

echo "== web: end-to-end (real stack, simulated fleet, headless Chromium)"
cargo build --locked -p spotctl -p spot-gateway -p spot-lifecycle -p spot-emergency -p spot-pricing -p spot-decisions
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

echo "== API fuzzing: schemathesis against /openapi.json, bounded (make fuzz-api runs longer; docs/HARDENING.md)"
SPOTCTL="$target_dir/debug/spotctl" FUZZ_EXAMPLES=5 timeout 600 bash scripts/schemathesis.sh

SPOTCTL="$target_dir/debug/spotctl" timeout 600 node web/e2e/run.mjs

echo "== fault suite, reduced: two replicas of every service, kill -9, NATS and Postgres restarts, a pause (make chaos runs all)"
timeout 900 "$target_dir/debug/spotctl" chaos --reduced --agents 200 --pause 10s --settle 10s
