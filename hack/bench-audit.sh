#!/usr/bin/env bash
# Sustained events/s the audit batch writer keeps up with, on SQLite and on PostgreSQL, next to
# baselines measured in the same run on the same machine and the same schema:
#   - the database's own CLI (sqlite3 / psql) running a plain INSERT loop, one row per transaction
#     (what a naive "insert on every request" audit log does), and
#   - the same CLI inserting all rows in ONE transaction (a ceiling no durable per-event log can beat),
#   - TokenGate's raw single-row path (AuditStore.insert([event]) per event, one transaction each).
# The writer number is: enqueue N events as fast as possible, time until all are committed.
#
#   hack/bench-audit.sh [EVENTS]     (default 100000; needs sqlite3, psql and PostgreSQL server binaries)
set -euo pipefail
cd "$(dirname "$0")/.."

events=${1:-100000}
single=${SINGLE:-2000}
# A release build measures what production runs: `swift build -c release --product tokengate`.
if [ -z "${TOKENGATE_BIN:-}" ] && [ -x .build/release/tokengate ]; then bin=.build/release/tokengate; else bin=${TOKENGATE_BIN:-.build/debug/tokengate}; fi
[ -x "$bin" ] || swift build --product tokengate >&2
work=$(mktemp -d /tmp/tokengate-bench-audit-XXXXXX)
chmod 755 "$work"
trap 'bash hack/postgres-test.sh destroy "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

now() { date +%s.%N; }
rate() { python3 -c "import sys; n,a,b=map(float,sys.argv[1:]); print(f'{n/(b-a):.0f}')" "$@"; }
ratio() { python3 -c "import sys; a,b=map(float,sys.argv[1:]); print(f'{a/b:.1f}' if b else 'n/a')" "$@"; }

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

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }

echo "== audit writer benchmark: $events events through the writer, $single through single-row paths"
echo "   machine: $(nproc) cores; TokenGate build: $bin"

# ---------- SQLite ----------
db="$work/audit.db"
"$bin" audit migrate --db "$db" >/dev/null
gen_sql "$single" cli1- >"$work/single.sql"
gen_sql "$events" cli2- >"$work/bulk.sql"
# Same durability settings as TokenGate's store: WAL, synchronous=FULL.
t0=$(now); { echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"; cat "$work/single.sql"; } | sqlite3 "$db" >/dev/null; t1=$(now)
sqlite_loop=$(rate "$single" "$t0" "$t1")
t0=$(now); { echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; BEGIN;"; cat "$work/bulk.sql"; echo "COMMIT;"; } | sqlite3 "$db" >/dev/null; t1=$(now)
sqlite_bulk=$(rate "$events" "$t0" "$t1")
line=$("$bin" audit bench 2>/dev/null --db "$db" --events "$events" --single "$single" --spool "$work/spool-sqlite")
writer=$(echo "$line" | field writer_events_per_second)
raw=$(echo "$line" | field single_row_events_per_second)
echo "SQLite (WAL, synchronous=FULL):"
echo "  sqlite3 CLI, one INSERT per transaction: $sqlite_loop events/s"
echo "  sqlite3 CLI, all INSERTs in one transaction: $sqlite_bulk events/s"
echo "  TokenGate single-row path:                $raw events/s"
echo "  TokenGate batch writer (sustained):        $writer events/s  (overflowed to spool: $(echo "$line" | field overflowed))"
echo "  ratio writer / sqlite3 per-row loop: $(ratio "$writer" "$sqlite_loop")x; writer / single-transaction bulk: $(ratio "$writer" "$sqlite_bulk")x"

# ---------- PostgreSQL ----------
dsn=$(bash hack/postgres-test.sh start "$work/pg" 2>/dev/null)
"$bin" audit migrate --dsn "$dsn" >/dev/null
t0=$(now); psql "$dsn" -X -q -v ON_ERROR_STOP=1 -f "$work/single.sql" >/dev/null; t1=$(now)
pg_loop=$(rate "$single" "$t0" "$t1")
t0=$(now); psql "$dsn" -X -q -v ON_ERROR_STOP=1 -1 -f "$work/bulk.sql" >/dev/null; t1=$(now)
pg_bulk=$(rate "$events" "$t0" "$t1")
line=$(TOKENGATE_AUDIT_DSN="$dsn" "$bin" audit bench 2>/dev/null --events "$events" --single "$single" --spool "$work/spool-pg")
writer=$(echo "$line" | field writer_events_per_second)
raw=$(echo "$line" | field single_row_events_per_second)
echo "PostgreSQL $(psql "$dsn" -X -A -t -c 'SHOW server_version' | cut -d' ' -f1) (loopback TCP, fsync on, synchronous_commit on):"
echo "  psql, one INSERT per transaction:          $pg_loop events/s"
echo "  psql, all INSERTs in one transaction:      $pg_bulk events/s"
echo "  TokenGate single-row path:                 $raw events/s"
echo "  TokenGate batch writer (sustained):        $writer events/s  (overflowed to spool: $(echo "$line" | field overflowed))"
echo "  ratio writer / psql per-row loop: $(ratio "$writer" "$pg_loop")x; writer / single-transaction bulk: $(ratio "$writer" "$pg_bulk")x"
