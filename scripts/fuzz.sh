#!/usr/bin/env bash
# Parser fuzzing (docs/FUZZING.md): builds the cargo-fuzz targets of fuzz/
# once, then runs each for FUZZ_SECONDS, one after the other and niced, from
# its committed seeds (fuzz/seeds/<target>) plus what earlier runs grew
# (fuzz/corpus/<target>). A crash is written to fuzz/artifacts/<target>; the
# script goes on with the next target and fails at the end. Prints one line
# per target: seconds, executions, executions per second, corpus size.
#
#   FUZZ_SECONDS     seconds per target (default 60)
#   FUZZ_TARGETS     targets to run (default: all, `cargo fuzz list`)
#   FUZZ_TARGET_DIR  build directory (default: $CARGO_TARGET_DIR-fuzz; the
#                    flags differ from a normal build, so never share one)
#
# Stable toolchain only: RUSTC_BOOTSTRAP=1 lets rustc take cargo-fuzz's
# nightly flags. No sanitizer (every crate of ours forbids unsafe code; the
# targets look for panics, hangs and broken invariants) and the dev profile
# of fuzz/Cargo.toml (opt-level 1): the build of the gateway's dependency
# tree stays a few minutes on two cores.
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-/var/tmp/spot-target}-fuzz}
flags=(--dev --sanitizer none)

echo "== fuzz: building the targets into $CARGO_TARGET_DIR"
nice -n 10 cargo fuzz build "${flags[@]}" || exit 1
targets=${FUZZ_TARGETS:-$(cargo fuzz list)}
mkdir -p fuzz/logs
failed=()
printf '%-24s %8s %12s %10s %8s\n' target seconds runs exec/s corpus
for t in $targets; do
  mkdir -p "fuzz/corpus/$t"
  case $t in
    timestamp | pool_id | market_trace | platform_config) dict=() ;;
    *) dict=(-dict=fuzz/json.dict) ;;
  esac
  log=fuzz/logs/$t.log
  if ! nice -n 10 cargo fuzz run "${flags[@]}" "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 "${dict[@]}" >"$log" 2>&1; then
    failed+=("$t")
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  printf '%-24s %8s %12s %10s %8s\n' "$t" "${took:-?}" "${runs:-?}" "${rate:-?}" \
    "$(find "fuzz/corpus/$t" -type f | wc -l)"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "== fuzz: crashes in ${failed[*]} (logs in fuzz/logs, inputs in fuzz/artifacts)"
  exit 1
fi
echo "== fuzz: no crash (logs in fuzz/logs)"
