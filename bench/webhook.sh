#!/usr/bin/env bash
# The admission webhook's latency and throughput over keep-alive TLS, as the API server calls
# it: a Deployment with three containers (its approved proposal) and Pods of its ReplicaSet
# POSTed to /validate by h2load (HTTP/1.1). Prints throughput and p50/p99/max latency at a
# fixed RATE (default 1,000 requests/s: 1/4 Deployments, 3/4 Pods), then the saturation
# throughput with CONNS connections and the error count. Not part of `make test`.
# Usage: bench/webhook.sh BUILD_DIR   (env: RATE, SECONDS_AT_RATE, CONNS, SAT_REQUESTS)
set -euo pipefail

BUILD=${1:?usage: bench/webhook.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
RATE=${RATE:-1000}
SECS=${SECONDS_AT_RATE:-10}
CONNS=${CONNS:-16}
SAT_REQUESTS=${SAT_REQUESTS:-100000}
command -v h2load >/dev/null || { echo "bench: h2load missing (apt-get install nghttp2-client)" >&2; exit 1; }
cmake --build "$BUILD" --target webhook_bench_tools -j2 >/dev/null

TMP=$(mktemp -d /tmp/minpriv-webhook-bench.XXXXXX)
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
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
"$BUILD/minpriv" webhook --listen 127.0.0.1:$PORT --tls-cert "$TMP/cert.pem" \
  --tls-key "$TMP/key.pem" --proposals "$TMP/proposals" --default-mode enforce \
  >"$TMP/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do
  curl -sfk "https://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
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

echo "minpriv webhook bench: $(nproc) cores, server $(basename "$BUILD")/minpriv webhook"
echo "bodies: Deployment $(stat -c %s "$TMP/deployment.json") B, Pod $(stat -c %s "$TMP/pod.json") B"
# Warm up (TLS session, page cache).
h2load --h1 -n 200 -c 2 -d "$TMP/pod.json" "${H[@]}" "$URL" >/dev/null

# Fixed rate: 2 connections of Deployments, 6 of Pods, each at RATE/8 requests/s.
PER=$((RATE / 8))
h2load --h1 -c 2 --rps $PER -n $((PER * 2 * SECS)) -d "$TMP/deployment.json" "${H[@]}" \
  --log-file "$TMP/dep.log" "$URL" >"$TMP/dep.out" &
A=$!
h2load --h1 -c 6 --rps $PER -n $((PER * 6 * SECS)) -d "$TMP/pod.json" "${H[@]}" \
  --log-file "$TMP/pod.log" "$URL" >"$TMP/pod.out"
wait $A
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
