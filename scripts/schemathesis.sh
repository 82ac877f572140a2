#!/usr/bin/env bash
# API fuzzing (docs/HARDENING.md, "API fuzzing"): schemathesis against the
# served /openapi.json of the whole stack in one process (`spotctl up`, debug
# build), on a fresh database and a private nats-server, authenticated as a
# tenant created through the admin API. Stateless phases (examples, coverage,
# fuzzing) and the stateful one (the document's links from register to the
# agent's routes). Fails on a 5xx, an answer that breaks its documented
# schema or content type, or a status the document does not list.
#
#   FUZZ_EXAMPLES   examples per operation (default 25; `make test` uses 5)
#   FUZZ_STATEFUL_EXAMPLES  scenarios of the stateful phase (default 40)
#   FUZZ_MAX_TIME   seconds to keep fuzzing (fuzzing and stateful phases repeat
#                   until it is spent); unset: each phase runs once
#   FUZZ_PHASES     schemathesis phases (default all four)
#   SPOTCTL         the spotctl binary (default: built here, debug)
#
# The only download is the pinned schemathesis from PyPI when the venv
# (target/fuzz-api/venv, gitignored) is first made.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
work=target/fuzz-api
venv=$work/venv
examples=${FUZZ_EXAMPLES:-25}
stateful_examples=${FUZZ_STATEFUL_EXAMPLES:-40}
max_time=${FUZZ_MAX_TIME:-}
phases=${FUZZ_PHASES:-examples,coverage,fuzzing,stateful}
mkdir -p "$work"

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "== fuzz-api: installing schemathesis $SCHEMATHESIS_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

if [ -z "${SPOTCTL:-}" ]; then
  cargo build --locked -p spotctl
  target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  SPOTCTL="$target_dir/debug/spotctl"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
gw_port=$(free_port)
nats_port=$(free_port)
# spot_test_ prefix: scripts/test.sh drops databases a killed run left behind.
db="spot_test_fuzz_$$"
nats_dir=$(mktemp -d)
admin="fuzz-admin-$$"
base="http://127.0.0.1:$gw_port"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$nats_dir"
}
trap cleanup EXIT

psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$nats_dir" >"$work/nats.log" 2>&1 &
pids+=($!)

listeners=(SPOT_LIFECYCLE_HTTP_ADDR SPOT_LIFECYCLE_GRPC_ADDR SPOT_EMERGENCY_HTTP_ADDR SPOT_EMERGENCY_GRPC_ADDR
  SPOT_PRICING_HTTP_ADDR SPOT_PRICING_GRPC_ADDR SPOT_DECISIONS_HTTP_ADDR SPOT_DECISIONS_GRPC_ADDR)
env_args=()
for name in "${listeners[@]}"; do env_args+=("$name=127.0.0.1:0"); done
env "${env_args[@]}" \
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" NATS_URL="nats://127.0.0.1:$nats_port" \
  SPOT_HTTP_ADDR="127.0.0.1:$gw_port" SPOT_ADMIN_TOKEN="$admin" SPOT_LOG=warn SPOT_LOG_FORMAT=json \
  "$SPOTCTL" up >"$work/stack.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 120); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "$base/readyz" >/dev/null || { echo "fuzz-api: the stack did not get ready"; tail -20 "$work/stack.log"; exit 1; }

token=$(curl -fsS -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"name":"Fuzz","email":"fuzz@example.com"}' "$base/api/admin/clients" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

curl -fsS "$base/openapi.json" > "$work/openapi.json"
echo "== fuzz-api: schemathesis $SCHEMATHESIS_VERSION, $examples examples per operation, phases $phases${max_time:+, for ${max_time}s}"
rm -rf "$work/report"
status=0
# Two passes: every operation as the tenant (admin routes answer it 401),
# then the admin routes with the admin token (they may suspend or delete the
# tenant, so they come second). The live stream never ends (EventSource);
# docs/EVENTS.md has its own tests. Run from the work dir: schemathesis keeps
# its caches (.schemathesis/, .hypothesis/) in the current directory.
for pass in tenant admin; do
  if [ "$pass" = tenant ]; then bearer=$token; only=(--exclude-path /api/events/stream)
  else bearer=$admin; only=(--include-path-regex '^/api/admin/'); fi
  # scripts/schemathesis_hooks.py: the tenant's token in the register body, so
  # that registers succeed and the stateful phase can follow their links.
  export SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$PWD/scripts" FUZZ_TENANT_TOKEN="$token"
  [ "$pass" = tenant ] || FUZZ_TENANT_TOKEN=""
  echo "== fuzz-api: $pass pass"
  # The stateless phases with FUZZ_EXAMPLES per operation; the stateful one
  # apart, with FUZZ_STATEFUL_EXAMPLES scenarios (a handful covers no link).
  stateless=$(echo "$phases" | tr ',' '\n' | grep -v '^stateful$' | paste -sd, -)
  for run in stateless stateful; do
    if [ "$run" = stateless ]; then run_phases=$stateless; run_examples=$examples; report=$pass
    else run_phases=$(echo "$phases" | tr ',' '\n' | grep '^stateful$' || true); run_examples=$stateful_examples; report=$pass-stateful; fi
    [ -n "$run_phases" ] || continue
    (cd "$work" && venv/bin/schemathesis run "$base/openapi.json" \
      -H "Authorization: Bearer $bearer" "${only[@]}" \
      --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
      --phases "$run_phases" --max-examples "$run_examples" ${max_time:+--max-time "$max_time"} \
      --request-timeout 30 --workers 2 --seed "${FUZZ_SEED:-19}" \
      --report json --report-json-path "report/$report.json" --output-truncate true) || status=$?
    python3 scripts/schemathesis_counts.py "$work/report/$report.json" || true
  done
done

if grep -qi "panicked" "$work/stack.log"; then
  echo "fuzz-api: a handler panicked (see $work/stack.log)"
  status=1
fi
exit "$status"
