#!/usr/bin/env bash
# Checks that includes between minpriv's modules run one way only (docs/architecture.md):
#   util ← crd ← {bpf, imports} ← observer ← profiler ← remediator ← session ← verifier ← cli
# Each module may include itself and the modules listed for it below, nothing else of ours.
# Tests (*_test.cc, test_util.*, tests/, bench/, examples/) may reach into any layer; no
# module's own code may include anything under tests/.
# Usage: check_layers.sh [--graph] [ROOT]   (default: the repository this script is in)
# Prints each violation as FILE:LINE: MODULE must not include "HEADER" and exits 1; exits 0
# when the graph is one-way. --graph prints instead, for docs/architecture.md, each module
# and the modules its own (non-test) code includes.
set -euo pipefail
graph=0
if [ "${1:-}" = --graph ]; then graph=1; shift; fi
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
declare -A allowed=(
  [util]=""
  [crd]="util"
  [bpf]=""
  [imports]="util crd"
  [observer]="bpf util crd"
  [profiler]="observer util crd"
  [remediator]="util crd"
  [session]="observer profiler imports util crd"
  [verifier]="session remediator observer profiler imports util crd"
  [kube]="util crd"
  [controller]="kube remediator util crd"
  [agent]="kube session observer profiler remediator imports util crd"
  [gitops]="kube remediator util crd"
  [webhooks]="kube remediator util crd"
  [cli]="*"
  [tests]="*"
)
modules=" ${!allowed[*]} "
status=0
declare -A edges=()
cd "$root"
while IFS= read -r file; do
  module=${file%%/*}
  [[ -v allowed[$module] ]] || continue
  case "$file" in *_test.cc|*_fuzz.cc|*/test_util.*|*/testdata/*) continue ;; esac
  ok=" $module ${allowed[$module]} "
  while IFS=: read -r line header; do
    dep=${header%%/*}
    [[ "$modules" == *" $dep "* ]] || continue   # not one of ours (absl/, spdlog/, ...)
    [ "$dep" != "$module" ] && edges[$module]+=" $dep"
    [[ "${allowed[$module]}" == "*" || "$ok" == *" $dep "* ]] && continue
    echo "$file:$line: $module must not include \"$header\" (allowed: ${allowed[$module]:-nothing of ours})"
    status=1
  done < <(grep -noE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[^"]+"' "$file" \
             | sed -E 's/^([0-9]+):.*"([^"]+)".*/\1:\2/')
done < <(find . -path ./build -prune -o -path './build*' -prune -o -type f \
           \( -name '*.h' -o -name '*.cc' -o -name '*.c' \) -print | sed 's|^\./||' | sort)
if [ $graph = 1 ]; then
  for m in $(printf '%s\n' "${!allowed[@]}" | sort); do
    [ -d "$m" ] && [ "$m" != tests ] || continue
    deps=$(tr ' ' '\n' <<<"${edges[$m]:-}" | sed '/^$/d' | sort -u | tr '\n' ' ')
    printf '%-11s → %s\n' "$m" "${deps:-(nothing of ours)}"
  done
  exit 0
fi
exit $status
