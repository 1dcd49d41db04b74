#!/usr/bin/env bash
# The node observer's cost on a syscall-heavy loop (1-byte writes to /dev/null), as
# bench/run.sh measures `learn`: the loop runs in one observed container cgroup below a
# watched root while 100, then 1,000 other tracked container cgroups are present (one
# program set for the node, default capacity 4,096), against the floor (an empty
# tp_btf/sys_enter program) and bare. Prints ns/call (median of RUNS runs) and ratios, and
# the tracker's CPU time and peak RSS.
# Measured here (2 shared cores, load ~11, N=2,000,000, RUNS=7): floor 212 ns/call, node
# observer 220 ns with 100 others (1.04x the floor), 216 ns with 1,000 others (1.02x);
# `learn` in the same hour 1.02x (bench/run.sh). The tracker's peak RSS (~148 MiB) is
# almost all the 64 MiB ring buffer, which its double mapping counts twice.
# Then the same with the denial hooks `minpriv agent` loads to watch applied proposals
# (NodeOptions::verify_mode: a tp_btf/sys_exit program, and path stashes for the file
# syscalls of the cgroups switched on), switched per cgroup at run time
# (NodeObserver::SetDenialWatch; the sys_exit program is attached only while some cgroup is
# switched on): every cgroup switched off (no Applied proposal has pods on the node), the
# observed one off while another is on (a learning container next to an applied workload's:
# one map lookup in sys_exit), and the observed one on.
# Measured here (load ~1, RUNS=5): floor 220.6 ns/call, node observer 228.1 (1.03x); with
# the hooks, all off 223.9 (1.01x the floor), observed off and another on 285.4 (1.29x),
# observed on 311.0 (1.41x). Discussion: docs/cluster.md ("After apply").
# Usage: bench/node.sh BUILD_DIR   (root; builds the tools it needs)
set -euo pipefail

BUILD=${1:?usage: bench/node.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
N=${N:-2000000}
RUNS=${RUNS:-5}
CPU=${CPU:-1}   # the loop is pinned to this CPU; the tracker's poll thread is not

[ "$(id -u)" -eq 0 ] || { echo "bench: must run as root (loads BPF programs)" >&2; exit 1; }
cmake --build "$BUILD" --target node_bench_tools -j2 >/dev/null

LOOP=$BUILD/bench/write_loop
LOADER=$BUILD/bench/empty_loader
RUSAGE=$BUILD/bench/rusage
TRACKER=$BUILD/bench/node_tracker

if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then CGROOT=/sys/fs/cgroup
else CGROOT=/sys/fs/cgroup/unified; fi
ROOT=$CGROOT/minpriv-nodebench-$$
PLAIN=$ROOT-plain
TMP=$(mktemp -d /tmp/minpriv-nodebench.XXXXXX)
BG=""
cleanup() {
  [ -n "$BG" ] && kill "$BG" 2>/dev/null && wait "$BG" 2>/dev/null || true
  for d in "$ROOT"/* "$ROOT" "$PLAIN"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
mkdir "$ROOT" "$PLAIN"

# One run of the loop inside cgroup $1; prints ns/call.
loop_once() {
  sh -c 'echo $$ > "$1/cgroup.procs" && exec taskset -c "$2" "$3" "$4"' _ "$1" "$CPU" "$LOOP" "$N"
}
# Median of RUNS runs in cgroup $1.
measure() {
  local v=()
  for _ in $(seq "$RUNS"); do v+=("$(loop_once "$1")"); done
  printf '%s\n' "${v[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
wait_for() {
  for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; return 1
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

echo "bench: $N one-byte writes to /dev/null per run (ns of the loop's own CPU time per call), median of $RUNS runs, CPU $CPU"
echo "bench: load average $(cut -d" " -f1-3 /proc/loadavg) (other load inflates every mode alike; ratios are what count)"

bare=$(measure "$PLAIN")

"$LOADER" >"$TMP/loader.out" 2>&1 & BG=$!
wait_for "$TMP/loader.out" attached
floor=$(measure "$PLAIN")
kill -INT "$BG"; wait "$BG" || true; BG=""

# The node observer with OTHERS ($1) other tracked cgroups, [$2 = denials | denials-other |
# denials-watched: the denial hooks, switched on for no cgroup | another | the observed one];
# sets node_ns, node_stats, node_ru.
run_node() {
  RUSAGE_PIDFILE=$TMP/tracker.pid "$RUSAGE" "$TRACKER" "$ROOT" "$1" ${2:-} \
    >"$TMP/tracker.out" 2>"$TMP/tracker.err" & BG=$!
  wait_for "$TMP/tracker.out" ready
  node_ns=$(measure "$ROOT/observed")
  kill -INT "$(cat "$TMP/tracker.pid")"
  wait "$BG" || { echo "bench: node_tracker failed:" >&2; cat "$TMP/tracker.err" >&2; exit 1; }
  BG=""
  node_stats=$(grep '^stats:' "$TMP/tracker.err" | tail -1)
  node_ru=$(grep '^rusage:' "$TMP/tracker.err" | tail -1)
  grep -q 'observed_write=1' <<<"$node_stats" \
    || { echo "bench: the observed cgroup's write was not seen: $node_stats" >&2; exit 1; }
}

run_node 100
node100=$node_ns; stats100=$node_stats; ru100=$node_ru
run_node 1000
node1000=$node_ns; stats1000=$node_stats; ru1000=$node_ru
run_node 100 denials
nodeoff=$node_ns; statsoff=$node_stats; ruoff=$node_ru
run_node 100 denials-other
nodeother=$node_ns; statsother=$node_stats; ruother=$node_ru
run_node 100 denials-watched
nodeden=$node_ns; statsden=$node_stats; ruden=$node_ru

echo
printf '%-46s %10s %10s %10s\n' "mode" "ns/call" "vs bare" "vs floor"
printf '%-46s %10s %10s %10s\n' "bare" "$bare" "1.00x" "$(ratio "$bare" "$floor")"
printf '%-46s %10s %10s %10s\n' "empty tp_btf/sys_enter (floor)" "$floor" "$(ratio "$floor" "$bare")" "1.00x"
printf '%-46s %10s %10s %10s\n' "node observer, 1 observed + 100 tracked" "$node100" "$(ratio "$node100" "$bare")" "$(ratio "$node100" "$floor")"
printf '%-46s %10s %10s %10s\n' "node observer, 1 observed + 1,000 tracked" "$node1000" "$(ratio "$node1000" "$bare")" "$(ratio "$node1000" "$floor")"
printf '%-46s %10s %10s %10s\n' "  + denial hooks, all switched off" "$nodeoff" "$(ratio "$nodeoff" "$bare")" "$(ratio "$nodeoff" "$floor")"
printf '%-46s %10s %10s %10s\n' "  + denial hooks, observed off, another on" "$nodeother" "$(ratio "$nodeother" "$bare")" "$(ratio "$nodeother" "$floor")"
printf '%-46s %10s %10s %10s\n' "  + denial hooks, observed switched on" "$nodeden" "$(ratio "$nodeden" "$bare")" "$(ratio "$nodeden" "$floor")"
echo
echo "node observer vs floor: 100 others $(ratio "$node100" "$floor"), 1,000 others $(ratio "$node1000" "$floor") (target <= 1.15x)"
echo "tracker (100):   $stats100; $ru100 (user s, sys s, peak RSS KiB)"
echo "tracker (1,000): $stats1000; $ru1000 (user s, sys s, peak RSS KiB)"
echo "denial hooks loaded, all switched off:      $(ratio "$nodeoff" "$floor") the floor (target <= 1.15x), $(ratio "$nodeoff" "$node100") the node observer without them"
echo "denial hooks loaded, observed off, other on: $(ratio "$nodeother" "$floor") the floor, $(ratio "$nodeother" "$node100") the node observer without them"
echo "denial hooks loaded, observed switched on:  $(ratio "$nodeden" "$floor") the floor, $(ratio "$nodeden" "$node100") the node observer without them"
echo "tracker (100, denial hooks, off): $statsoff; $ruoff (user s, sys s, peak RSS KiB)"
echo "tracker (100, denial hooks, other on): $statsother; $ruother (user s, sys s, peak RSS KiB)"
echo "tracker (100, denial hooks, on):  $statsden; $ruden (user s, sys s, peak RSS KiB)"
