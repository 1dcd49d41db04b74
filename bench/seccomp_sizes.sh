#!/usr/bin/env bash
# The cost of tightness: syscalls each proposal allows with `--seccomp observed` and with
# `--seccomp reachable` (observed ∪ runtime needs ∪ what the executed binaries import from
# the C library), for the demo's shopfront, nginx and Redis, against the runtime default.
# Each is learned once (real `minpriv learn`, its reachability time from the log), then
# proposed both ways. Usage: bench/seccomp_sizes.sh BUILD_DIR   (root; nginx-light and
# redis-server as installed by scripts/setup.sh)
set -euo pipefail

BUILD=${1:?usage: bench/seccomp_sizes.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
MINPRIV=$BUILD/minpriv
[ "$(id -u)" -eq 0 ] || { echo "bench: must run as root (loads BPF programs)" >&2; exit 1; }
TMP=$(mktemp -d /tmp/minpriv-seccomp-sizes.XXXXXX)
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# learn NAME MANIFEST EXERCISE CMD...: learns, then proposes both ways; prints one row.
measure() {
  local name=$1 manifest=$2 exercise=$3; shift 3
  local dir=$TMP/$name
  mkdir -p "$dir"
  "$MINPRIV" learn --name "$name" --out "$dir/profile.yaml" --exercise "$exercise" -- "$@" \
    >"$dir/learn.log" 2>&1 || { echo "$name: learn failed:"; cat "$dir/learn.log"; return 1; }
  local took
  took=$(grep -o 'reachable syscalls of .* in [0-9.]*[mun]*s' "$dir/learn.log" | sed 's/.* in //' | tail -1)
  for mode in observed reachable; do
    "$MINPRIV" propose --seccomp "$mode" --profile "$dir/profile.yaml" --manifest "$manifest" \
      --out-dir "$dir/$mode" >/dev/null 2>"$dir/propose-$mode.log" \
      || { echo "$name: propose failed:"; cat "$dir/propose-$mode.log"; return 1; }
  done
  local s=.containers[0].syscalls
  local rd obs obs_allowed reach_allowed runtime reach_only static
  rd=$(jq "$s.runtimeDefault" "$dir/observed/summary.json")
  obs=$(jq "$s.observed" "$dir/reachable/summary.json")
  obs_allowed=$(jq "$s.allowed" "$dir/observed/summary.json")
  reach_allowed=$(jq "$s.allowed" "$dir/reachable/summary.json")
  runtime=$(jq "$s.runtime" "$dir/reachable/summary.json")
  reach_only=$(jq "$s.reachableOnly" "$dir/reachable/summary.json")
  static=$(yq_static "$dir/profile.yaml")
  printf '%-10s %8s %9s %8s %10s %17s %9s %7s  %s\n' "$name" "$rd" "$obs" "$runtime" \
    "$reach_only" "$obs_allowed → $reach_allowed" \
    "$(awk -v a="$reach_allowed" -v b="$rd" 'BEGIN{printf "%.2f", a/b}')" "$static" "$took"
}
yq_static() { grep -o 'staticBinaries: \[[^]]*\]' "$1" | head -1 | sed 's/staticBinaries: //'; }

printf '%-10s %8s %9s %8s %10s %17s %9s %7s  %s\n' workload runtime observed +runtime \
  +reachable "allowed obs → rch" "rch/rtdef" static "reachability took"

# The demo's shopfront, learned as `minpriv demo` does.
mkdir -p "$TMP/demo-work"
"$MINPRIV" demo --work-dir "$TMP/demo-work" >"$TMP/demo.log" 2>&1 \
  || { echo "demo failed:"; tail -20 "$TMP/demo.log"; exit 1; }
mkdir -p "$TMP/demo"
for mode in observed reachable; do
  "$MINPRIV" propose --seccomp "$mode" --profile "$TMP/demo-work/profile.yaml" \
    --manifest "$TMP/demo-work/shopfront.yaml" --inventory "$TMP/demo-work/inventory.yaml" \
    --out-dir "$TMP/demo/$mode" >/dev/null 2>&1
done
s=.containers[0].syscalls
printf '%-10s %8s %9s %8s %10s %17s %9s %7s  %s\n' shopfront \
  "$(jq "$s.runtimeDefault" "$TMP/demo/observed/summary.json")" \
  "$(jq "$s.observed" "$TMP/demo/reachable/summary.json")" \
  "$(jq "$s.runtime" "$TMP/demo/reachable/summary.json")" \
  "$(jq "$s.reachableOnly" "$TMP/demo/reachable/summary.json")" \
  "$(jq "$s.allowed" "$TMP/demo/observed/summary.json") → $(jq "$s.allowed" "$TMP/demo/reachable/summary.json")" \
  "$(awk -v a="$(jq "$s.allowed" "$TMP/demo/reachable/summary.json")" -v b="$(jq "$s.runtimeDefault" "$TMP/demo/observed/summary.json")" 'BEGIN{printf "%.2f", a/b}')" \
  "$(yq_static "$TMP/demo-work/profile.yaml")" \
  "$(grep -o 'reachable syscalls of .* in [0-9.]*[mun]*s' "$TMP/demo.log" | sed 's/.* in //' | tail -1)"

# nginx (Debian's nginx-light), serving a page.
P=$(port); D=$TMP/nginx-conf; mkdir -p "$D/html" "$D/state"; chmod -R 755 "$D"
echo '<h1>minpriv</h1>' > "$D/html/index.html"; chmod 644 "$D/html/index.html"
cat > "$D/nginx.conf" <<CONF
daemon off; worker_processes 1; pid $D/state/nginx.pid; error_log $D/state/error.log;
events { worker_connections 64; }
http { access_log $D/state/access.log; client_body_temp_path $D/state/cb;
  proxy_temp_path $D/state/p; fastcgi_temp_path $D/state/f; uwsgi_temp_path $D/state/u;
  scgi_temp_path $D/state/s; server { listen 127.0.0.1:$P; root $D/html; } }
CONF
measure nginx "$SRC/tests/verify_programs/nginx.yaml" \
  "for i in 1 2 3 4 5; do curl -sf http://127.0.0.1:$P/ >/dev/null || exit 1; done" \
  /usr/sbin/nginx -c "$D/nginx.conf" -e "$D/state/error.log"

# Redis (Debian's redis-server), answering redis-cli.
P=$(port); D=$TMP/redis-conf; mkdir -p "$D/state"
printf 'bind 127.0.0.1\nport %s\ndaemonize no\nlogfile ""\ndir %s/state\nsave ""\nappendonly no\n' \
  "$P" "$D" > "$D/redis.conf"
measure redis "$SRC/tests/verify_programs/redis.yaml" \
  "redis-cli -p $P PING && redis-cli -p $P SET a b && redis-cli -p $P GET a && redis-cli -p $P INCR n" \
  /usr/bin/redis-server "$D/redis.conf"
