#!/usr/bin/env bash
# `minpriv propose` against the number of profiled workloads: N Deployments (one manifest
# file) and N WorkloadProfiles, for N in SIZES (default 250 1000 2000). Prints wall time and
# peak RSS of each run (bench/rusage) and their ratios to the first size, measured in the
# same run. The cost should grow linearly: a ratio near N/N0 is linear, near (N/N0)^2 is
# quadratic. LIST=1 puts the Deployments into one `kind: List` document (kubectl's output).
# Usage: [LIST=1] [SIZES="250 1000 2000"] bench/propose_scale.sh BUILD_DIR
set -euo pipefail

BUILD=${1:?usage: bench/propose_scale.sh BUILD_DIR}
BUILD=$(cd "$BUILD" && pwd)
SIZES=${SIZES:-"250 1000 2000"}
cmake --build "$BUILD" --target minpriv rusage -j2 >/dev/null
MINPRIV=$BUILD/minpriv
[ -x "$MINPRIV" ] || MINPRIV=$BUILD/cli/minpriv
RUSAGE=$BUILD/bench/rusage
TMP=$(mktemp -d /tmp/minpriv-propose-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

deployment() {
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata:
  name: w-$1
  namespace: bench
spec:
  selector:
    matchLabels: {app: w-$1}
  template:
    metadata:
      labels: {app: w-$1}
    spec:
      containers:
        - name: app
          image: registry.example/app:$1
          ports:
            - containerPort: 8080
YAML
}

# generate N DIR: DIR/manifest.yaml with N Deployments, DIR/profiles/w-I.yaml, DIR/args (the
# --profile flags, in reverse order of the manifest). LIST=1: the Deployments as one
# `kind: List` document (as `kubectl get -o yaml` prints them), else one document each.
generate() {
  local n=$1 dir=$2
  mkdir -p "$dir/profiles"
  : >"$dir/args"
  if [ "${LIST:-0}" = 1 ]; then
    printf 'apiVersion: v1\nkind: List\nitems:\n' >"$dir/manifest.yaml"
  else
    : >"$dir/manifest.yaml"
  fi
  for ((i = 0; i < n; i++)); do
    if [ "${LIST:-0}" = 1 ]; then
      deployment "$i" | sed '1s/^/- /; 2,$s/^/  /' >>"$dir/manifest.yaml"
    else
      { echo '---'; deployment "$i"; } >>"$dir/manifest.yaml"
    fi
    cat >"$dir/profiles/w-$i.yaml" <<YAML
apiVersion: minpriv.dev/v1alpha1
kind: WorkloadProfile
metadata:
  name: w-$i
  namespace: bench
spec:
  containers:
    - name: app
      syscalls: [accept4, arch_prctl, brk, close, epoll_wait, execve, exit_group, mmap, openat, read, write]
      fileWrites:
        - path: /var/cache/app/$i
          ops: [create, write]
          count: 3
          firstSeen: "2026-11-22T02:15:02.500Z"
      execs:
        - path: /usr/bin/app
          count: 1
          firstSeen: "2026-11-22T02:15:00.000Z"
      users:
        - uid: 1000
          gid: 1000
      network:
        listen:
          - port: 8080
            protocol: TCP
            address: 0.0.0.0
        ingress:
          - ip: "10.0.$((i / 250)).$((i % 250 + 1))"
            port: 8080
            protocol: TCP
            count: 2
            firstSeen: "2026-11-22T02:15:03.000Z"
        egress:
          - ip: "203.0.113.10"
            port: 443
            protocol: TCP
            count: 3
            firstSeen: "2026-11-22T02:15:04.000Z"
status:
  window: {start: "2026-11-22T02:15:00.000Z", end: "2026-11-22T02:20:00.000Z"}
  complete: true
YAML
    printf -- '--profile\n%s\n' "$dir/profiles/w-$((n - 1 - i)).yaml" >>"$dir/args"
  done
}

base_t="" base_cpu="" base_rss=""
printf '%8s %10s %8s %12s %10s %10s %10s\n' workloads seconds cpu_s peak_rss_MB time_ratio \
  cpu_ratio rss_ratio
for n in $SIZES; do
  dir=$TMP/n$n
  generate "$n" "$dir"
  mapfile -t profile_args <"$dir/args"
  start=$(date +%s.%N)
  if ! out=$("$RUSAGE" "$MINPRIV" propose "${profile_args[@]}" --manifest "$dir/manifest.yaml" \
             --out-dir "$dir/out" 2>&1 >/dev/null); then
    echo "bench: propose failed for $n:" >&2; tail -n 20 <<<"$out" >&2; exit 1
  fi
  end=$(date +%s.%N)
  t=$(awk "BEGIN{print $end - $start}")
  # bench/rusage's last line: "rusage: USER_S SYS_S MAX_RSS_KIB".
  rss=$(awk '/^rusage: / {v = $4} END {print v}' <<<"$out")
  cpu=$(awk '/^rusage: / {v = $2 + $3} END {print v}' <<<"$out")
  # Distinct NetworkPolicy names (one per workload is right).
  policies=$(awk '/^kind: NetworkPolicy/ {f = 1} f && /^  name: / {print $2; f = 0}' \
             "$dir/out/networkpolicy.yaml" 2>/dev/null | sort -u | wc -l)
  [ -z "$base_t" ] && { base_t=$t; base_cpu=$cpu; base_rss=$rss; }
  printf '%8d %10.2f %8.2f %12.1f %10.2f %10.2f %10.2f   (%s distinct NetworkPolicies)\n' \
    "$n" "$t" "$cpu" "$(awk "BEGIN{print $rss/1024}")" "$(awk "BEGIN{print $t/$base_t}")" \
    "$(awk "BEGIN{print $cpu/$base_cpu}")" "$(awk "BEGIN{print $rss/$base_rss}")" "$policies"
done
