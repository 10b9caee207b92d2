#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark, not a test: sustained events/s the audit batch writer keeps up with, on SQLite and on
# PostgreSQL, next to references measured in the same run on the same machine and the same schema.
#
# SQLite (WAL, synchronous=FULL, as TokenGate's store):
#   - the floor: Python's sqlite3 module (C underneath: one prepared statement, executemany)
#     inserting exactly the rows the writer stored, into a fresh database with the same schema and
#     indexes, WAL, the same synchronous setting, one transaction per batch of the writer's batch
#     size (hack/bench_audit_floor.py). Twice: with SQLite's default connection settings, and with
#     the writer's own (cache size, checkpoint interval; they do not change durability). Both pay
#     Python's binding of each row and one statement run per row, which the writer avoids (16-row
#     statements), so a writer that adds nothing of its own comes out above 1.
#   - the sqlite3 CLI running one INSERT per transaction (what a naive "insert on every request" log
#     does) and TokenGate's raw single-row path (AuditStore.insert([event]) per event).
#   Writer and floor run ROUNDS times, alternating, each on fresh files; the median is printed.
# PostgreSQL (loopback, fsync on, synchronous_commit on): psql's one-INSERT-per-transaction loop and
#   all INSERTs in one transaction, TokenGate's single-row path, and the writer.
# The spool: the same events appended as the writer does while the store is down.
# The writer number is: enqueue N events as fast as possible, time until all are committed. CPU is
# the process's user+system time over the same span (it moves far less than events/s when other
# work shares the machine); `uptime` is printed before and after.
#
#   hack/bench-audit.sh [EVENTS]     (default 100000; needs sqlite3, python3, psql and PostgreSQL
#                                     server binaries)
# Environment: ROUNDS (3), SINGLE (2000 single-row events), BATCH (the writer's default batch size),
#   POSTGRES (1; 0 skips PostgreSQL), TOKENGATE_BIN (default: the release build, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

events=${1:-100000}
single=${SINGLE:-2000}
rounds=${ROUNDS:-3}
# A release build measures what production runs: `swift build -c release --product tokengate`.
if [ -z "${TOKENGATE_BIN:-}" ] && [ -x .build/release/tokengate ]; then bin=.build/release/tokengate; else bin=${TOKENGATE_BIN:-.build/release/tokengate}; fi
[ -x "$bin" ] || swift build -c release --product tokengate >&2
work=$(mktemp -d /tmp/tokengate-bench-audit-XXXXXX)
chmod 755 "$work"
trap 'bash hack/postgres-test.sh destroy "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

now() { date +%s.%N; }
rate() { python3 -c "import sys; n,a,b=map(float,sys.argv[1:]); print(f'{n/(b-a):.0f}')" "$@"; }
ratio() { python3 -c "import sys; a,b=map(float,sys.argv[1:]); print(f'{a/b:.2f}' if b else 'n/a')" "$@"; }
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float,sys.argv[1:])):.6g}')" "$@"; }
per_event_us() { python3 -c "import sys; s,n=map(float,sys.argv[1:]); print(f'{s/n*1e6:.1f}' if n else 'n/a')" "$@"; }
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p"; }
fresh_db() { rm -f "$1" "$1-wal" "$1-shm"; "$bin" audit migrate --db "$1" >/dev/null; }

# INSERT statements with realistic values, same columns as TokenGate writes.
gen_sql() {  # gen_sql COUNT PREFIX
  python3 - "$1" "$2" <<'PY'
import sys, uuid
n, prefix = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    print("INSERT INTO tokengate_audit_events (id, ts_us, kind, decision, cluster, namespace, pod_name, pod_uid, "
          "node_name, node_uid, service_account, service_account_uid, subject_jti, issued_jti, audience, "
          "issued_at_us, expires_at_us, client_address) VALUES "
          f"('{uuid.uuid4()}', {1760000000000000 + i}, 'token_exchange', 'granted', 'bench', 'ns-{i % 40}', "
          f"'pod-{i % 5000}', 'uid-{i % 5000}', 'node-{i % 30}', 'node-uid-{i % 30}', 'sa-{i % 100}', "
          f"'sa-uid-{i % 100}', '{prefix}src-{i // 3}', '{prefix}iss-{i}', 'https://service-{i % 8}.example', "
          f"1760000000000000, 1760000600000000, '127.0.0.1:{30000 + i % 5000}');")
PY
}

echo "== audit writer benchmark: $events events through the writer ($rounds rounds), $single through single-row paths"
echo "   machine: $(nproc) cores, load: $(uptime | sed 's/.*load average: //'); TokenGate build: $bin"

# ---------- SQLite ----------
gen_sql "$single" cli1- >"$work/single.sql"
fresh_db "$work/loop.db"
t0=$(now); { echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"; cat "$work/single.sql"; } | sqlite3 "$work/loop.db" >/dev/null; t1=$(now)
sqlite_loop=$(rate "$single" "$t0" "$t1")
fresh_db "$work/single.db"
raw=$("$bin" audit bench --db "$work/single.db" --events 0 --single "$single" --spool "$work/spool-single" 2>/dev/null \
  | field single_row_events_per_second)
# The writer's path while the store is down: the same events as spool lines, a batch per fsync.
spool_rate=$("$bin" audit bench --db "$work/single.db" --events 0 --single 0 --spool-events "$events" \
  ${BATCH:+--batch-size "$BATCH"} --spool "$work/spool-only" 2>/dev/null | field spool_events_per_second || true)

writer_rates=() writer_cpu=() floor_rates=() floor_cpu=() tuned_rates=() tuned_cpu=()
for round in $(seq "$rounds"); do
  fresh_db "$work/writer.db"
  line=$("$bin" audit bench --db "$work/writer.db" --events "$events" --single 0 ${BATCH:+--batch-size "$BATCH"} \
    --spool "$work/spool-sqlite-$round" 2>/dev/null)
  batch=$(echo "$line" | field batch_size)
  batches=$(echo "$line" | field batches)
  settings=$(echo "$line" | field sqlite_settings)
  writer_rates+=("$(echo "$line" | field writer_events_per_second)")
  writer_cpu+=("$(echo "$line" | field cpu_seconds)")
  pragmas=()
  for setting in ${settings//,/ }; do pragmas+=(--pragma "$setting"); done
  for kind in plain tuned; do
    fresh_db "$work/floor.db"
    if [ "$kind" = plain ]; then extra=(); else extra=("${pragmas[@]}"); fi
    floor=$(python3 hack/bench_audit_floor.py --source "$work/writer.db" --db "$work/floor.db" --batch "$batch" \
      --synchronous FULL ${extra[@]+"${extra[@]}"})
    if [ "$kind" = plain ]; then
      floor_rates+=("$(echo "$floor" | field floor_events_per_second)"); floor_cpu+=("$(echo "$floor" | field cpu_seconds)")
    else
      tuned_rates+=("$(echo "$floor" | field floor_events_per_second)"); tuned_cpu+=("$(echo "$floor" | field cpu_seconds)")
    fi
  done
done
writer=$(median "${writer_rates[@]}")
floor=$(median "${floor_rates[@]}")
tuned=$(median "${tuned_rates[@]}")
echo "SQLite $(sqlite3 --version | cut -d' ' -f1) (WAL, synchronous=FULL), median of $rounds, batch $batch (the writer made $batches transactions):"
echo "  sqlite3 CLI, one INSERT per transaction:            $sqlite_loop events/s"
echo "  TokenGate single-row path:                          $raw events/s"
echo "  floor: Python sqlite3, SQLite's default settings:   $floor events/s   (rounds: ${floor_rates[*]}; CPU µs/event: $(per_event_us "$(median "${floor_cpu[@]}")" "$events"))"
echo "  floor: Python sqlite3, the writer's settings:       $tuned events/s   (rounds: ${tuned_rates[*]}; CPU µs/event: $(per_event_us "$(median "${tuned_cpu[@]}")" "$events"))"
echo "         (${settings:-none})"
echo "  TokenGate batch writer (sustained):                 $writer events/s   (rounds: ${writer_rates[*]}; CPU µs/event: $(per_event_us "$(median "${writer_cpu[@]}")" "$events"))"
echo "  ratio writer / floor (default settings): $(ratio "$writer" "$floor"); writer / floor (writer's settings): $(ratio "$writer" "$tuned")"
echo "TokenGate spool while the store is down (JSON lines, one fsync per batch): ${spool_rate:-n/a} events/s"

# ---------- PostgreSQL ----------
if [ "${POSTGRES:-1}" != 0 ]; then
  gen_sql "$events" cli2- >"$work/bulk.sql"
  dsn=$(bash hack/postgres-test.sh start "$work/pg" 2>/dev/null)
  "$bin" audit migrate --dsn "$dsn" >/dev/null
  t0=$(now); psql "$dsn" -X -q -v ON_ERROR_STOP=1 -f "$work/single.sql" >/dev/null; t1=$(now)
  pg_loop=$(rate "$single" "$t0" "$t1")
  t0=$(now); psql "$dsn" -X -q -v ON_ERROR_STOP=1 -1 -f "$work/bulk.sql" >/dev/null; t1=$(now)
  pg_bulk=$(rate "$events" "$t0" "$t1")
  line=$(TOKENGATE_AUDIT_DSN="$dsn" "$bin" audit bench 2>/dev/null --events "$events" --single "$single" \
    ${BATCH:+--batch-size "$BATCH"} --spool "$work/spool-pg")
  writer=$(echo "$line" | field writer_events_per_second)
  raw=$(echo "$line" | field single_row_events_per_second)
  echo "PostgreSQL $(psql "$dsn" -X -A -t -c 'SHOW server_version' | cut -d' ' -f1) (loopback TCP, fsync on, synchronous_commit on), batch $(echo "$line" | field batch_size):"
  echo "  psql, one INSERT per transaction:          $pg_loop events/s"
  echo "  psql, all INSERTs in one transaction:      $pg_bulk events/s"
  echo "  TokenGate single-row path:                 $raw events/s"
  echo "  TokenGate batch writer (sustained):        $writer events/s  (overflowed to spool: $(echo "$line" | field overflowed); CPU µs/event: $(per_event_us "$(echo "$line" | field cpu_seconds)" "$events"))"
  echo "  ratio writer / psql per-row loop: $(ratio "$writer" "$pg_loop")x; writer / single-transaction bulk: $(ratio "$writer" "$pg_bulk")x"
fi
echo "   load after: $(uptime | sed 's/.*load average: //')"
