#!/usr/bin/env bash
# tools/bench/real_programs.sh — what racelab costs on real programs: each
# program's wall time natively, under the lock-order preload library alone
# (LD_PRELOAD, records to a scratch file), and under `racelab run --`
# (black-box mode: racelab's own start, the guard, the watchdog and the
# analysis included); and, as the floor the checker builds on, with the
# library loaded but not checking ("hooks only": no RACELAB_LOCKORDER_FILE,
# so every interposed call only passes on). Runs are interleaved (native,
# hooks only, preload, racelab, then again) and the median of each is
# printed as a Markdown table with the ratios to native, as
# docs/performance.md shows it.
#
# Usage: tools/bench/real_programs.sh [--runs N] [--build DIR]
#   --runs N     runs per program and mode (default 5)
#   --build DIR  a racelab build (default build/release, configured and built
#                here when it has no racelab yet: benchmarks want -O2)
#
# The programs: node (nodejs), CPython threads (python3), git repack with
# two threads (git), an ffmpeg encode (ffmpeg), and three of our own, a
# heap-mutex churn, a shared_mutex reader load and a lock-churning stress
# program built with ThreadSanitizer (tools/bench/*.cc). The
# Debian ones come from `ci/setup --bench`; one that is missing is left out
# with a line saying so.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=5
build=$root/build/release
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --build) build=${2:?--build needs a directory}; shift 2 ;;
    *) echo "real_programs.sh: unknown argument '$1' (see the comment at the top)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "real_programs.sh: --runs must be a positive number, not '$runs'" >&2; exit 2; }

if [[ ! -x $build/racelab || ! -x $build/tools/bench/heap_mutex_churn ]]; then
  if [[ $build != "$root/build/release" ]]; then
    echo "real_programs.sh: $build has no racelab or bench programs; build it first" >&2
    exit 2
  fi
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release -j"$(nproc)" >/dev/null)
fi
racelab=$build/racelab
preload=$build/libracelab_lockorder_preload.so

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# name|command (run with bash -c from $scratch), for the programs present.
programs=()
add() {  # add NAME REQUIRED_BINARY COMMAND
  if [[ -x $2 ]]; then
    programs+=("$1|$3")
  else
    echo "real_programs.sh: $1 left out: $2 is not installed (ci/setup --bench installs it)" >&2
  fi
}
add "node workers.js" /usr/bin/node "/usr/bin/node $root/tools/bench/node_workers.js"
add "python3 threads" /usr/bin/python3 "/usr/bin/python3 $root/tools/bench/python_threads.py"
if [[ -x /usr/bin/git ]] && git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  git clone -q --no-local "$root" "$scratch/repo"
fi
add "git repack --threads=2" /usr/bin/git \
  "/usr/bin/git -C $scratch/repo -c pack.threads=2 repack -adfq"
add "ffmpeg mpeg4 encode" /usr/bin/ffmpeg \
  "/usr/bin/ffmpeg -nostdin -loglevel error -f lavfi -i testsrc=duration=4:size=640x480:rate=25 -c:v mpeg4 -threads 2 -f null -"
add "heap-mutex churn (ours)" "$build/tools/bench/heap_mutex_churn" \
  "$build/tools/bench/heap_mutex_churn 10000000"
add "shared_mutex readers (ours)" "$build/tools/bench/shared_mutex_readers" \
  "$build/tools/bench/shared_mutex_readers 2000000"
# Built with ThreadSanitizer: its "native" column is TSan alone, the
# checker's goal there being a small factor of TSan's own cost.
add "lock-churn stress, TSan build (ours)" "$build/tools/bench/lock_churn_stress_tsan" \
  "$build/tools/bench/lock_churn_stress_tsan 10"

# Seconds one command takes, as a decimal; its output is dropped, its
# failure stops the benchmark (a broken run measures nothing).
seconds() {
  local start end
  start=$(date +%s%N)
  if ! (cd "$scratch" && env "$@") >/dev/null 2>"$scratch/stderr"; then
    echo "real_programs.sh: failed: $*" >&2
    cat "$scratch/stderr" >&2
    exit 1
  fi
  end=$(date +%s%N)
  awk -v ns=$((end - start)) 'BEGIN {printf "%.2f", ns / 1e9}'
}

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo "| program | native | hooks only | ratio | preload only | ratio | \`racelab run --\` | ratio |"
echo "|---|---|---|---|---|---|---|---|"
for entry in "${programs[@]}"; do
  name=${entry%%|*}
  command=${entry#*|}
  native=() hooks=() preloaded=() whole=()
  for ((run = 0; run < runs; ++run)); do
    rm -f "$scratch"/records.*
    native+=("$(seconds bash -c "$command")")
    hooks+=("$(seconds -u RACELAB_LOCKORDER_FILE LD_PRELOAD="$preload" bash -c "exec $command")")
    preloaded+=("$(seconds LD_PRELOAD="$preload" RACELAB_LOCKORDER_FILE="$scratch/records" bash -c "exec $command")")
    whole+=("$(seconds "$racelab" run -- bash -c "exec $command")")
  done
  n=$(median "${native[@]}") h=$(median "${hooks[@]}") p=$(median "${preloaded[@]}")
  w=$(median "${whole[@]}")
  echo "| $name | ${n} s | ${h} s | $(ratio "$h" "$n")x | ${p} s | $(ratio "$p" "$n")x |" \
    "${w} s | $(ratio "$w" "$n")x |"
done
