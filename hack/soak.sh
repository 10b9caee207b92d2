#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Soak, not a benchmark (issue 12 §2): mixed traffic at about 80 % of the measured maximum for
# MINUTES minutes against one `tokengate serve` with an SQLite audit trail and a broker whose
# cluster is the Python STAND-IN API server (Tests/e2e/kube_standin.py; no real one runs here).
#
#   hack/soak.sh [MINUTES]      # default 10; CI (hack/test.sh) runs `hack/soak.sh 1`
#
# The mix, per 15 requests on each wrk connection: 4 `/mutate` Deployments, 4 `/mutate` Pods,
# 2 `/validate` Workflows, 4 `/token` exchanges (TokenReview answers cached), 1 `/metrics` scrape.
# First wrk runs unthrottled for MEASURE_SECONDS (default 10; 5 for a 1-minute soak) to measure
# the maximum; then one wrk per minute paces its connections to 80 % of it (RATE_FRACTION).
# Per minute it prints requests, errors (non-2xx answers and socket errors), p50/p99, the server's
# RSS and open file descriptors, and audit rows. Then SIGTERM (the trail is flushed) and the
# verdict, exit 1 on FAIL:
#   zero errors; RSS growth under 5 % after the first minute (in a 1-minute run: after its first
#   half); file descriptors flat (within 2) over the same span; audit rows = exchanges + admission
#   decisions, as the server's own counters give them.
# Environment: TOKENGATE_BIN (default: the release build, built if missing), CONNECTIONS (16),
# THREADS (2), MEASURE_SECONDS, RATE_FRACTION (0.8). Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
[[ "$minutes" =~ ^[1-9][0-9]*$ ]] || { echo "usage: hack/soak.sh [MINUTES]   (a whole number, 1 or more)" >&2; exit 2; }

for tool in wrk python3; do
  command -v "$tool" >/dev/null || { echo "soak: $tool is needed (apt-get install wrk python3)" >&2; exit 1; }
done
python3 -c 'import cryptography' 2>/dev/null || { echo "soak: pip install cryptography (the stand-in mints tokens)" >&2; exit 1; }
bin="${TOKENGATE_BIN:-}"
if [[ -z "$bin" ]]; then
  bin=".build/release/tokengate"
  [[ -x "$bin" ]] || { echo "building a release tokengate (once)..." >&2; swift build -c release --product tokengate >&2; }
fi
exec python3 hack/soak.py --bin "$bin" --minutes "$minutes"
