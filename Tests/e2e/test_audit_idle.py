# SPDX-License-Identifier: Apache-2.0
"""An idle `tokengate serve` with an audit store must not use the CPU.

Users saw 6.7–9.6 CPU-seconds per 10 s on the audit writer thread of a server with no traffic, with
`--audit-db` and with `--audit-dsn` (PostgreSQL up or down); without a store it is 0. The servers
here are the real binary; the PostgreSQL server is real (hack/postgres-test.sh) or a loopback port
that nothing listens on. The CPU time is the kernel's account (utime + stime in /proc/PID/stat).
"""
import json
import os
import subprocess
import time
from pathlib import Path

from conftest import admission_fixture, unused_loopback_port

# Ten seconds of an idle server: a few timer wake-ups, far below a spinning thread's ten seconds.
IDLE_CPU_BUDGET_SECONDS = 0.2
MEASURE_SECONDS = 10
# The old writer started to spin once its first retention check, 5 s after start, was past.
SETTLE_SECONDS = 6.5


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": field 3 (state) onwards
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post_review(server):
    review = admission_fixture()
    status, _, _ = server.request("POST", "/mutate", body=json.dumps(review).encode(),
                                  headers={"Content-Type": "application/json"})
    assert status == 200


def psql(dsn, sql):
    return subprocess.run(["psql", dsn, "-X", "-q", "-A", "-t", "-c", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_idle_servers_with_an_audit_store_stay_within_a_cpu_budget(tokengate_server, postgres, tmp_path):
    down = f"host=127.0.0.1 port={unused_loopback_port()} dbname=audit user=tokengate connect_timeout=2"
    servers = {
        "--audit-db after one review": tokengate_server("--audit-db", tmp_path / "audit.db"),
        "--audit-dsn, PostgreSQL down, no traffic": tokengate_server(
            "--audit-dsn", down, "--audit-spool", tmp_path / "spool-down"),
        "--audit-dsn, PostgreSQL down, one review spooled": tokengate_server(
            "--audit-dsn", down, "--audit-spool", tmp_path / "spool-down-retrying"),
        "--audit-dsn, PostgreSQL up, one review stored": tokengate_server(
            "--audit-dsn", postgres, "--audit-spool", tmp_path / "spool-up"),
    }
    for name, server in servers.items():
        if "review" in name:
            post_review(server)
    # The stored review proves the PostgreSQL writer connected; a bounded wait for its batch.
    for _ in range(100):
        if psql(postgres, "SELECT to_regclass('tokengate_audit_events') IS NOT NULL") == "t" and \
                psql(postgres, "SELECT count(*) FROM tokengate_audit_events") == "1":
            break
        time.sleep(0.1)
    assert psql(postgres, "SELECT count(*) FROM tokengate_audit_events") == "1"

    time.sleep(SETTLE_SECONDS)
    before = {name: cpu_seconds(server.process.pid) for name, server in servers.items()}
    time.sleep(MEASURE_SECONDS)
    used = {name: cpu_seconds(server.process.pid) - before[name] for name, server in servers.items()}

    for name, server in servers.items():
        assert server.process.poll() is None, f"{name}: serve exited:\n{server.log_text()[-2000:]}"
    over = {name: round(seconds, 2) for name, seconds in used.items() if seconds >= IDLE_CPU_BUDGET_SECONDS}
    assert not over, f"CPU-seconds used in {MEASURE_SECONDS} s without traffic: {over} (all: {used})"
