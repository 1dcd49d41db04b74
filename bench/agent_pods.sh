#!/usr/bin/env bash
# The agent's cost on a node with PODS (default 100) pods each doing steady work: the real
# `minpriv agent` (real BPF) watches runc containers started under the kubelet's cgroup
# layout, against the test API server (bench/agent_pods.cc). Prints the agent's CPU (% of
# one core) and RSS over SECONDS_MEASURED (default 20) s; issue targets < 2% and < 128 MiB.
# AGENT_CAPS=bpf,perfmon,net_admin,syslog runs the agent with only those capabilities.
# Bounded: every wait has a deadline (the whole run takes about PODS/2 + 60 s here).
# Usage: bench/agent_pods.sh BUILD_DIR   (root)
set -euo pipefail
BUILD=${1:?usage: bench/agent_pods.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "bench: must run as root (runc, BPF)" >&2; exit 1; }
cmake --build "$BUILD" --target agent_pods_bench -j2 >/dev/null
export PODS=${PODS:-100} SECONDS_MEASURED=${SECONDS_MEASURED:-20}
timeout $((PODS * 3 + 300)) "$BUILD/bench/agent_pods_bench" --gtest_brief=1 2>&1 \
  | grep -E '^(started|agent with)|Failure|FAILED|error' || true
