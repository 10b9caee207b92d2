#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The floor hack/bench-audit.sh sets next to TokenGate's SQLite audit writer.

Python's sqlite3 module (C underneath, one prepared statement, executemany) inserts exactly the
rows the writer stored in the same run, read back from the writer's database in the order it
inserted them, into a fresh database with the same schema and indexes (`tokengate audit migrate`),
with the same durability: WAL, the same `synchronous`, one transaction per batch of the writer's
batch size, `INSERT OR IGNORE` as the writer does. Extra `--pragma` settings (the writer's own
connection settings, which do not change durability) may be applied too.

Prints one line: floor_events_per_second=… cpu_seconds=… rows=… batch=…
"""
import argparse
import sqlite3
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="the writer's database: the rows to insert")
    parser.add_argument("--db", required=True, help="a migrated database without those rows to insert into")
    parser.add_argument("--batch", type=int, required=True, help="rows per transaction")
    parser.add_argument("--synchronous", default="FULL")
    parser.add_argument("--pragma", action="append", default=[], help="another PRAGMA, e.g. cache_size=-65536")
    args = parser.parse_args()

    table = "tokengate_audit_events"
    source = sqlite3.connect(f"file:{args.source}?mode=ro", uri=True)
    columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
    rows = source.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid").fetchall()
    source.close()

    db = sqlite3.connect(args.db, isolation_level=None)
    mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode != "wal":
        sys.exit(f"{args.db}: journal_mode is {mode}, not wal")
    db.execute(f"PRAGMA synchronous={args.synchronous}")
    for pragma in args.pragma:
        db.execute(f"PRAGMA {pragma}")
    sql = (f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) "
           f"VALUES ({', '.join('?' * len(columns))})")

    before = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(rows), args.batch):
        db.execute("BEGIN IMMEDIATE")
        db.executemany(sql, rows[start:start + args.batch])
        db.execute("COMMIT")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    stored = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before
    db.close()
    if stored != len(rows):
        sys.exit(f"the floor stored {stored} of {len(rows)} rows")
    rate = len(rows) / wall if wall > 0 else 0
    print(f"floor_events_per_second={rate:.0f} floor_seconds={wall:.3f} cpu_seconds={cpu:.3f} "
          f"rows={len(rows)} columns={len(columns)} batch={args.batch}")


if __name__ == "__main__":
    main()
