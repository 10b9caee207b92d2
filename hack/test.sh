#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls exactly this):
#   1. installs the packages the tests need (hack/install-deps.sh --test),
#   2. builds TokenGate and runs the Swift unit and integration tests (swift test),
#   3. runs every libFuzzer target briefly (hack/fuzz.sh --ci: 8 s each, about 4 minutes with a
#      cold build of the fuzz package); a crash fails the suite and leaves its reproducer under
#      Tests/Fuzz/Crashes,
#   4. runs the end-to-end tests (pytest Tests/e2e) against the built `tokengate` binary with real
#      clients: curl, openssl s_client, Python ssl, PostgreSQL, kubectl kustomize,
#   5. soaks that binary for one minute under mixed load (hack/soak.sh 1, about 80 s in all): a
#      failed request, RSS growth, a file-descriptor leak or an audit row too many or too few fails it.
set -euo pipefail
cd "$(dirname "$0")/.."

hack/install-deps.sh --test

echo "== swift build"
swift build --product tokengate
export TOKENGATE_BIN="$PWD/.build/debug/tokengate"

echo "== swift test"
set +e
swift test 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Linking|Write|Build)'
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || { echo "swift test failed (exit $status)"; exit "$status"; }

hack/fuzz.sh --ci

echo "== end-to-end (pytest)"
python3 -m pytest -q Tests/e2e "$@"

echo "== soak (1 minute, the debug build)"
hack/soak.sh 1
