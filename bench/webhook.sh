#!/usr/bin/env bash
# The admission webhook's latency and throughput over keep-alive TLS, as the API server calls
# it: a Deployment with three containers (its approved proposal) and Pods of its ReplicaSet
# POSTed to /validate by h2load (HTTP/1.1). Measures both sources of approved policies:
#   --proposals DIR   the proposal directory `minpriv propose` wrote;
#   cluster           --kubeconfig to the test API server holding the Deployment, its
#                     ReplicaSet and an approved RemediationProposal (bench/webhook_cluster), so
#                     the informers, the owner cache and the policy builder are in the path.
# For each: throughput and p50/p99/max latency at a fixed RATE (default 1,000 requests/s: 1/4
# Deployments, 3/4 Pods), then the saturation throughput with CONNS connections and the error
# count, with the load average before and after. Not part of `make test`.
# Usage: bench/webhook.sh BUILD_DIR   (env: RATE, SECONDS_AT_RATE, CONNS, SAT_REQUESTS, MODES)
set -euo pipefail

BUILD=${1:?usage: bench/webhook.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
RATE=${RATE:-1000}
SECS=${SECONDS_AT_RATE:-10}
CONNS=${CONNS:-16}
SAT_REQUESTS=${SAT_REQUESTS:-100000}
MODES=${MODES:-"proposals cluster"}
command -v h2load >/dev/null || { echo "bench: h2load missing (apt-get install nghttp2-client)" >&2; exit 1; }
cmake --build "$BUILD" --target webhook_bench_tools -j2 >/dev/null

TMP=$(mktemp -d /tmp/minpriv-webhook-bench.XXXXXX)
SERVER=""
CLUSTER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  [ -n "$CLUSTER" ] && kill "$CLUSTER" 2>/dev/null && wait "$CLUSTER" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

mkdir -p "$TMP/proposals"
"$BUILD/minpriv" propose --profile "$SRC/webhooks/testdata/store/profile.yaml" \
  --manifest "$SRC/webhooks/testdata/store/manifest.yaml" --out-dir "$TMP/proposals/store" >/dev/null
"$BUILD/bench/webhook_requests" "$TMP/proposals/store" "$TMP"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=minpriv-webhook \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/key.pem" -out "$TMP/cert.pem" 2>/dev/null
PORT=${PORT:-18443}
URL=https://127.0.0.1:$PORT/validate
H=(-H 'Content-Type: application/json')

# Percentiles of the third column (request time, µs) of h2load log files.
percentiles() {
  cat "$@" | awk '{print $3}' | sort -n | awk '
    { v[NR] = $1 }
    END { if (NR == 0) { print "no requests"; exit }
          p50 = v[int(NR * 0.50 + 0.5)]; p99 = v[int(NR * 0.99 + 0.5)]; mx = v[NR]
          printf "%d requests  p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", NR, p50/1000, p99/1000, mx/1000 }'
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# Starts `minpriv webhook` with the source flags "$@" and waits until it is ready.
start_server() {
  "$BUILD/minpriv" webhook --listen 127.0.0.1:$PORT --tls-cert "$TMP/cert.pem" \
    --tls-key "$TMP/key.pem" "$@" --default-mode enforce >"$TMP/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do
    curl -sfk "https://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench: the webhook did not become ready:" >&2
  cat "$TMP/server.log" >&2
  exit 1
}
stop_server() {
  kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  SERVER=""
}

# The measurements against the running server, under the heading $1.
measure() {
  echo "== $1 (load average before: $(loadavg))"
  # Both requests must be allowed by a policy (reason within-policy, not no-policy), or the
  # bench would measure pass-throughs.
  for body in deployment pod; do
    if ! curl -sk "${H[@]}" --data-binary @"$TMP/$body.json" "$URL" | grep -q '"allowed":true'; then
      echo "bench: the approved $body was not allowed" >&2
      exit 1
    fi
  done
  local judged
  judged=$(curl -sk "https://127.0.0.1:$PORT/metrics" |
    awk '/^minpriv_webhook_requests_total\{endpoint="validate",verdict="allowed",reason="within-policy"\}/ {print $2}')
  if [ "${judged:-0}" != 2 ]; then
    echo "bench: the requests were not judged by the approved policy:" >&2
    curl -sk "https://127.0.0.1:$PORT/metrics" | grep requests_total >&2
    exit 1
  fi
  # Warm up (TLS session, page cache).
  h2load --h1 -n 200 -c 2 -d "$TMP/pod.json" "${H[@]}" "$URL" >/dev/null

  # Fixed rate: 2 connections of Deployments, 6 of Pods, each at RATE/8 requests/s.
  local per=$((RATE / 8))
  rm -f "$TMP/dep.log" "$TMP/pod.log" "$TMP/sat.log"
  h2load --h1 -c 2 --rps $per -n $((per * 2 * SECS)) -d "$TMP/deployment.json" "${H[@]}" \
    --log-file "$TMP/dep.log" "$URL" >"$TMP/dep.out" &
  local a=$!
  h2load --h1 -c 6 --rps $per -n $((per * 6 * SECS)) -d "$TMP/pod.json" "${H[@]}" \
    --log-file "$TMP/pod.log" "$URL" >"$TMP/pod.out"
  wait $a
  echo "at $RATE requests/s for ${SECS}s over 8 keep-alive TLS connections:"
  grep -h "finished in" "$TMP/dep.out" "$TMP/pod.out" | sed 's/^/  /'
  grep -h "^requests:" "$TMP/dep.out" "$TMP/pod.out" | sed 's/^/  /'
  echo "  all: $(percentiles "$TMP/dep.log" "$TMP/pod.log")"
  echo "  Deployment: $(percentiles "$TMP/dep.log")"
  echo "  Pod: $(percentiles "$TMP/pod.log")"

  # Saturation: closed loop, CONNS connections, as fast as the server answers.
  h2load --h1 -c "$CONNS" -n "$SAT_REQUESTS" -d "$TMP/pod.json" "${H[@]}" \
    --log-file "$TMP/sat.log" "$URL" >"$TMP/sat.out"
  echo "saturation with $CONNS connections (Pods):"
  grep -E "finished in|^requests:|^status codes:" "$TMP/sat.out" | sed 's/^/  /'
  echo "  $(percentiles "$TMP/sat.log")"
  echo "  load average after: $(loadavg)"
}

echo "minpriv webhook bench: $(nproc) cores, server $(basename "$BUILD")/minpriv webhook"
echo "bodies: Deployment $(stat -c %s "$TMP/deployment.json") B, Pod $(stat -c %s "$TMP/pod.json") B"
for mode in $MODES; do
  case $mode in
    proposals)
      start_server --proposals "$TMP/proposals"
      measure "--proposals DIR"
      stop_server
      ;;
    cluster)
      mkdir -p "$TMP/cluster"
      "$BUILD/bench/webhook_cluster" "$TMP/proposals/store" "$TMP/cluster" \
        >"$TMP/cluster.log" 2>&1 &
      CLUSTER=$!
      for _ in $(seq 300); do
        [ -f "$TMP/cluster/cluster.ready" ] && break
        kill -0 "$CLUSTER" 2>/dev/null || { cat "$TMP/cluster.log" >&2; exit 1; }
        sleep 0.1
      done
      [ -f "$TMP/cluster/cluster.ready" ] || { echo "bench: no test API server" >&2; exit 1; }
      start_server --kubeconfig "$TMP/cluster/kubeconfig"
      measure "cluster (--kubeconfig, test API server, RemediationProposal)"
      stop_server
      kill "$CLUSTER" 2>/dev/null && wait "$CLUSTER" 2>/dev/null || true
      CLUSTER=""
      ;;
    *) echo "bench: unknown mode $mode (proposals, cluster)" >&2; exit 2 ;;
  esac
done
