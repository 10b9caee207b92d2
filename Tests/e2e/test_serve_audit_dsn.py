# SPDX-License-Identifier: Apache-2.0
"""`tokengate serve --audit-dsn`: a connection string libpq cannot parse stops serve at once with
libpq's reason (as `audit query` reports it); a well-formed one whose server is down starts and
spools; and no form of the password reaches the log.

The binary is real; "down" is a loopback port that nothing listens on.
"""
import json
import os
import signal
import subprocess

import pytest

from broker_support import wait_for_log
from conftest import admission_fixture, make_certs, tokengate_binary, unused_loopback_port

UNPARSABLE = [
    ("this is not = a valid dsn 'unterminated", 'missing "=" after "this" in connection info string'),
    ("host=127.0.0.1 password='never closed", "unterminated quoted string in connection info string"),
    ("host=127.0.0.1 dbnmae=audit", 'invalid connection option "dbnmae"'),
    ("postgresql://127.0.0.1/audit?sslmod=require", 'invalid URI query parameter: "sslmod"'),
]


def run(*args, env=None):
    return subprocess.run([tokengate_binary(), *map(str, args)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def error_line(stderr: str) -> str:
    [line] = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    return line


@pytest.mark.parametrize("dsn,reason", UNPARSABLE)
def test_serve_refuses_a_dsn_libpq_cannot_parse(tmp_path, dsn, reason):
    certs = make_certs(tmp_path / "certs")
    serve = ["serve", "--listen", "127.0.0.1:0", "--tls-cert", certs.cert, "--tls-key", certs.key]
    spool = ["--audit-spool", tmp_path / "spool"]

    refused = run(*serve, *spool, "--audit-dsn", dsn)
    assert refused.returncode != 0, refused.stdout
    assert "listening" not in refused.stdout + refused.stderr and "audit trail on" not in refused.stdout
    message = error_line(refused.stderr)
    assert message.startswith("Error: --audit-dsn: ") and reason in message, refused.stderr

    from_env = run(*serve, *spool, env={"TOKENGATE_AUDIT_DSN": dsn})
    assert from_env.returncode != 0
    assert error_line(from_env.stderr) == message.replace("--audit-dsn", "TOKENGATE_AUDIT_DSN", 1)

    # `audit query` says the same about the same string.
    query = run("audit", "query", "--dsn", dsn)
    assert query.returncode != 0
    assert error_line(query.stderr) == message.replace("--audit-dsn", "--dsn", 1)


def down_dsn(**extra) -> str:
    words = {"host": "127.0.0.1", "port": str(unused_loopback_port()), "dbname": "audit", "user": "tokengate",
             "connect_timeout": "2", **extra}
    return " ".join(f"{key}={value}" for key, value in words.items())


def post_review(server):
    review = admission_fixture()
    status, _, raw = server.request("POST", "/mutate", body=json.dumps(review).encode(),
                                    headers={"Content-Type": "application/json"})
    assert status == 200
    return review["request"]["uid"]


def test_serve_starts_and_spools_while_a_well_formed_dsns_database_is_down(tokengate_server, tmp_path):
    spool = tmp_path / "spool"
    server = tokengate_server("--audit-dsn", down_dsn(), "--audit-spool", spool, "--drain-seconds", "0")
    wait_for_log(server, lambda e: e.get("message") == "audit trail on")
    uid = post_review(server)
    server.signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
    flushed = wait_for_log(server, lambda e: e.get("message") == "audit trail flushed")
    assert int(flushed["spooled"]) >= 1 and int(flushed["dropped"]) == 0
    assert uid in (spool / "current.jsonl").read_text()


def test_a_quoted_password_with_spaces_never_reaches_the_log(tokengate_server, tmp_path):
    server = tokengate_server("--audit-dsn", down_dsn(password="'Pw945606 f472'"),
                              "--audit-spool", tmp_path / "spool", "--drain-seconds", "0")
    on = wait_for_log(server, lambda e: e.get("message") == "audit trail on")
    assert "password=***" in on["store"]
    post_review(server)  # a connection attempt, and the warning that the store is unavailable
    wait_for_log(server, lambda e: e.get("message", "").startswith("audit store unavailable"))
    server.signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
    log = server.log_text()
    assert "Pw945606" not in log and "f472" not in log, log
