#!/usr/bin/env bash
# The layering check must fail on an upward include and pass on a clean tree: run it on a
# small tree made here, so a check that can no longer fail is caught.
set -euo pipefail
check=$1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{util,observer,profiler,remediator}
echo '#include "util/files.h"' > "$tmp/observer/observer.cc"
echo '#include "observer/observation.h"' > "$tmp/profiler/builder.cc"
echo '#include "absl/status/status.h"' > "$tmp/util/files.cc"
bash "$check" "$tmp" || { echo "FAIL: a clean tree was rejected"; exit 1; }
echo '#include "profiler/builder.h"' > "$tmp/observer/decoder.h"
echo '#include "tests/test_util.h"' > "$tmp/remediator/proposer.cc"
echo '#include "profiler/x.h"' > "$tmp/observer/decoder_test.cc"
out=$(bash "$check" "$tmp") && { echo "FAIL: upward includes were accepted"; exit 1; }
grep -q '^observer/decoder.h:1: observer must not include "profiler/builder.h"' <<<"$out" \
  || { echo "FAIL: the observer → profiler include was not named: $out"; exit 1; }
grep -q '^remediator/proposer.cc:1: remediator must not include "tests/test_util.h"' <<<"$out" \
  || { echo "FAIL: the include of tests/ was not named: $out"; exit 1; }
if grep -q decoder_test <<<"$out"; then echo "FAIL: a test file was checked: $out"; exit 1; fi
echo "check_layers self-test passed"
