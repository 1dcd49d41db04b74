#!/usr/bin/env bash
# Shadow mode on vs off in the agent (bench/agent_shadow_bench.cc): 100 steady containers of a
# Deployment whose proposal is Proposed, against the test API server, over 10 s; the agent's
# process CPU (% of one core) and RSS, median of RUNS runs of each, and the ratios on/off.
# Measured here (2 shared cores, RUNS=2): off 0.114% of one core, 16.4 MiB; on 0.153%,
# 17.0 MiB: 1.34x CPU, 1.04x RSS (the BPF side, unchanged by shadow mode, is not in it).
# Usage: bench/agent_shadow.sh BUILD_DIR
set -euo pipefail
BUILD=${1:?usage: bench/agent_shadow.sh BUILD_DIR}
RUNS=${RUNS:-3}
cmake --build "$BUILD" --target agent_shadow_bench -j2 >/dev/null
BIN=$BUILD/bench/agent_shadow_bench
run() {  # SHADOW → "cpu rss" lines
  for _ in $(seq "$RUNS"); do
    SHADOW=$1 "$BIN" 2>/dev/null | sed -n 's/^shadow=[01] cpu_pct=\([0-9.]*\) rss_mib=\([0-9.]*\).*/\1 \2/p'
  done
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
off=$(run 0); on=$(run 1)
off_cpu=$(echo "$off" | awk '{print $1}' | median); off_rss=$(echo "$off" | awk '{print $2}' | median)
on_cpu=$(echo "$on" | awk '{print $1}' | median); on_rss=$(echo "$on" | awk '{print $2}' | median)
echo "agent, 100 steady containers, proposal Proposed (median of $RUNS runs, 10 s each):"
echo "  shadow off: CPU ${off_cpu}% of one core, RSS ${off_rss} MiB"
echo "  shadow on:  CPU ${on_cpu}% of one core, RSS ${on_rss} MiB"
awk -v a="$on_cpu" -v b="$off_cpu" -v c="$on_rss" -v d="$off_rss" \
  'BEGIN { printf "  ratio on/off: CPU %.2fx, RSS %.2fx\n", (b > 0 ? a / b : 0), (d > 0 ? c / d : 0) }'
