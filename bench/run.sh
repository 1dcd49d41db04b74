#!/usr/bin/env bash
# minpriv's observation cost on a syscall-heavy loop (1-byte writes to /dev/null), measured
# four ways in one run, in a cgroup of its own: bare; under `minpriv learn --cgroup`; under an
# empty tp_btf/sys_enter program (the floor of attaching there at all); under the bpftrace
# one-liner counting syscalls per cgroup. Then bare again after learning stopped (programs
# detached). Prints ns/call (median of RUNS runs), ratios, and the observer's CPU time and
# peak RSS. Usage: bench/run.sh BUILD_DIR   (root; builds the tools it needs)
set -euo pipefail

BUILD=${1:?usage: bench/run.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-2000000}
RUNS=${RUNS:-5}
CPU=${CPU:-1}   # the loop is pinned to this CPU; the observer's poll thread is not

[ "$(id -u)" -eq 0 ] || { echo "bench: must run as root (loads BPF programs)" >&2; exit 1; }
cmake --build "$BUILD" --target bench_tools -j2 >/dev/null

MINPRIV=$BUILD/minpriv
LOOP=$BUILD/bench/write_loop
LOADER=$BUILD/bench/empty_loader
RUSAGE=$BUILD/bench/rusage

if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then CGROOT=/sys/fs/cgroup
else CGROOT=/sys/fs/cgroup/unified; fi
CG=$CGROOT/minpriv-bench-$$
TMP=$(mktemp -d /tmp/minpriv-bench.XXXXXX)
BG=""
cleanup() {
  [ -n "$BG" ] && kill "$BG" 2>/dev/null && wait "$BG" 2>/dev/null || true
  [ -d "$CG" ] && rmdir "$CG" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
mkdir "$CG"
CGID=$(stat -c %i "$CG")

# One run of the loop inside the cgroup; prints ns/call.
loop_once() {
  sh -c 'echo $$ > "$1/cgroup.procs" && exec taskset -c "$2" "$3" "$4"' _ "$CG" "$CPU" "$LOOP" "$N"
}
# Median of RUNS runs.
measure() {
  local v=()
  for _ in $(seq "$RUNS"); do v+=("$(loop_once)"); done
  printf '%s\n' "${v[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
# Waits until FILE contains PATTERN (at most 30 s).
wait_for() {
  for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; return 1
}

echo "bench: $N one-byte writes to /dev/null per run (ns of the loop's own CPU time per call), median of $RUNS runs, CPU $CPU, cgroup id $CGID"
echo "bench: load average $(cut -d" " -f1-3 /proc/loadavg) (other load inflates every mode alike; ratios are what count)"

bare=$(measure)

# Floor: empty program on tp_btf/sys_enter.
"$LOADER" >"$TMP/loader.out" 2>&1 & BG=$!
wait_for "$TMP/loader.out" attached
floor=$(measure)
kill -INT "$BG"; wait "$BG" || true; BG=""

# minpriv learn --cgroup (observes the cgroup, kills nothing); SIGINT ends the window.
RUSAGE_PIDFILE=$TMP/learn.pid "$RUSAGE" "$MINPRIV" learn --cgroup "$CG" --duration 1h \
  --out "$TMP/profile.yaml" --name bench >"$TMP/learn.out" 2>"$TMP/learn.err" & BG=$!
wait_for "$TMP/learn.err" "observing cgroup"
learn=$(measure)
kill -INT "$(cat "$TMP/learn.pid")"
# An interrupted learn writes its (incomplete) profile and exits 130.
rc=0; wait "$BG" || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 130 ] || {
  echo "bench: minpriv learn failed (exit $rc):" >&2; cat "$TMP/learn.err" >&2; exit 1; }
BG=""
read -r _ learn_user learn_sys learn_rss < <(grep '^rusage:' "$TMP/learn.err" | tail -1)

# After learning stopped: every program detached, the loop should cost what it did bare.
after=$(measure)

# bpftrace one-liner.
mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
bpftrace -e "tracepoint:raw_syscalls:sys_enter /cgroup == $CGID/ { @[args->id] = count(); }" \
  >"$TMP/bpftrace.out" 2>&1 & BG=$!
wait_for "$TMP/bpftrace.out" "Attaching"
sleep 0.5
bpft=$(measure)
kill -INT "$BG"; wait "$BG" || true; BG=""

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
echo
printf '%-34s %10s %10s\n' "mode" "ns/call" "vs bare"
printf '%-34s %10s %10s\n' "bare" "$bare" "1.00x"
printf '%-34s %10s %10s\n' "empty tp_btf/sys_enter (floor)" "$floor" "$(ratio "$floor" "$bare")"
printf '%-34s %10s %10s\n' "minpriv learn --cgroup" "$learn" "$(ratio "$learn" "$bare")"
printf '%-34s %10s %10s\n' "bpftrace raw_syscalls one-liner" "$bpft" "$(ratio "$bpft" "$bare")"
printf '%-34s %10s %10s\n' "after learning stopped" "$after" "$(ratio "$after" "$bare")"
echo
echo "minpriv vs floor: $(ratio "$learn" "$floor") (target <= 1.15x)"
echo "minpriv learn process: cpu user ${learn_user}s, sys ${learn_sys}s, peak RSS ${learn_rss} KiB"
grep -q "write" "$TMP/profile.yaml" && echo "profile check: 'write' was learned" \
  || { echo "bench: the learned profile lacks 'write':" >&2; cat "$TMP/profile.yaml" >&2; exit 1; }
