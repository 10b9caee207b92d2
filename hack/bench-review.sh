#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark, not a test: how long the review page's overview takes to render over a trail of
# EVENTS (default 1,000,000) events spread over the last seven days (hack/bench_review_fill.py),
# next to a baseline measured in the same run on the same file: the sqlite3 CLI running the
# overview's own three statements (no HTTP, no HTML, no chart), as a ratio. The overview counts
# issued tokens and projected workloads from the (decision, ts_us) index alone and reads rows only
# for the rest (denials, skips), so its cost grows with those, not with the whole trail.
#
# The overview is fetched ROUNDS times (default 5) over HTTP from `tokengate audit serve` with
# curl; the median wall time is printed with the baseline's median and their ratio. The target is
# a median under one second. `uptime` is printed before and after: two other builds may share the
# machine.
#
#   hack/bench-review.sh [EVENTS]
# Environment: ROUNDS (5), TOKENGATE_BIN (default: the release build, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
rounds=${ROUNDS:-5}
bin=${TOKENGATE_BIN:-.build/release/tokengate}
if [ ! -x "$bin" ]; then swift build -c release --product tokengate >&2; fi
for tool in sqlite3 curl python3; do command -v "$tool" >/dev/null || { echo "bench-review: needs $tool" >&2; exit 1; }; done

work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
db=$work/audit.db
"$bin" audit migrate --db "$db" >/dev/null
python3 hack/bench_review_fill.py "$db" "$events"
echo "uptime before: $(uptime)"

"$bin" audit serve --db "$db" --listen 127.0.0.1:0 --log-format json >"$work/serve.log" 2>&1 &
server=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*"address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$work/serve.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/serve.log" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# The overview's default range: the last seven days (every event of this trail).
curl -fsS -o "$work/overview.html" "http://127.0.0.1:$port/"  # warm the page cache once
grep -q 'Token exchanges by outcome' "$work/overview.html"
page=$(for _ in $(seq "$rounds"); do curl -fsS -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/"; done | median)

since=$(( ($(date +%s) - 7 * 86400) * 1000000 ))
# The overview's three statements (ReviewReader.overview), as the page runs them.
why="CASE WHEN kind = 'admission' THEN reason ELSE substr(coalesce(reason, ''), 1, instr(coalesce(reason, '') || ' ', ' ') - 1) END"
query="SELECT decision, (ts_us - $since) / 3600000000, count(*) FROM tokengate_audit_events
  WHERE decision IN ('granted', 'patched') AND ts_us >= $since GROUP BY 1, 2;
SELECT decision, (ts_us - $since) / 3600000000, kind, $why, coalesce(cluster, ''), count(*), max(ts_us)
  FROM tokengate_audit_events WHERE decision IN ('denied', 'allowed', 'unavailable', 'error') AND ts_us >= $since
  GROUP BY 1, 2, 3, 4, 5;
SELECT c, max(ts_us) FROM (SELECT coalesce(cluster, '') AS c, ts_us FROM tokengate_audit_events
  WHERE decision = 'granted' AND kind = 'token_exchange' AND ts_us >= $since ORDER BY ts_us DESC LIMIT 20000) GROUP BY 1;"
base=$(for _ in $(seq "$rounds"); do
  start=$(date +%s.%N); sqlite3 "$db" "$query" >/dev/null; end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
done | median)
echo "uptime after: $(uptime)"
printf 'events=%d rounds=%d overview_seconds=%.3f sqlite3_cli_aggregate_seconds=%.3f ratio=%.2f target_seconds=1\n' \
  "$events" "$rounds" "$page" "$base" "$(awk -v a="$page" -v b="$base" 'BEGIN { print a / b }')"
