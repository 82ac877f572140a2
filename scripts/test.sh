#!/usr/bin/env bash
# Runs every test: format check, clippy as errors, then the test suites
# against the real Postgres and NATS (each test makes its own database and
# its own nats-server). Used by `make test` and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

# Databases left behind by killed test runs.
psql -h 127.0.0.1 -U postgres -tAc "SELECT datname FROM pg_database WHERE datname LIKE 'spot_test_%'" |
  while read -r db; do [ -n "$db" ] && psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done

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
