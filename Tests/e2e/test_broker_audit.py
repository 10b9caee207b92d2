# SPDX-License-Identifier: Apache-2.0
"""`tokengate serve --audit-db`: every exchange (granted and denied) and every admission decision
lands in the SQLite trail, flushed on SIGTERM, and `tokengate audit query/trace` find them.

The Kubernetes API server is a STAND-IN (kube_standin.py); tokengate, SQLite, PostgreSQL (started
by hack/postgres-test.sh in a temporary directory) and the audit commands are real.
"""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time


from broker_support import BROKER_AUDIENCE, LEDGER, audit_query, decode_jwt, wait_for_log
from conftest import REPO, admission_fixture, run_tokengate

PG_SCRIPT = str(REPO / "hack" / "postgres-test.sh")


def test_exchanges_and_admissions_are_in_the_trail_after_sigterm(broker_env, tmp_path):
    prod = broker_env.add_cluster("prod")
    pod = broker_env.pod(prod)
    db = tmp_path / "audit.db"
    server = broker_env.start("--audit-db", db, "--drain-seconds", "0")
    assert server.metric("tokengate_audit_queue_capacity") > 0, "audit metrics are on /metrics"

    subject = prod.mint(pod, [BROKER_AUDIENCE])
    status, _, granted = broker_env.exchange(server, subject)
    assert status == 200
    issued = granted["access_token"]
    status, _, _ = broker_env.exchange(server, subject, audience="https://vault.example.com")
    assert status == 400
    status, _, _ = broker_env.exchange(server, prod.mint(pod, ["https://kubernetes.default.svc"]))
    assert status == 400
    review = admission_fixture()
    status, _, raw = server.request("POST", "/mutate", body=json.dumps(review).encode(),
                                    headers={"Content-Type": "application/json"})
    assert status == 200 and json.loads(raw)["response"]["uid"] == review["request"]["uid"]

    server.signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
    flushed = wait_for_log(server, lambda e: e.get("message") == "audit trail flushed")
    assert int(flushed["dropped"]) == 0

    rows = audit_query(db, "--kind", "token_exchange")
    assert len(rows) == 3
    [ok] = audit_query(db, "--decision", "granted")
    claims = decode_jwt(issued)[1]
    subject_claims = decode_jwt(subject)[1]
    assert ok["issuedJTI"] == claims["jti"] and ok["subjectJTI"] == subject_claims["jti"]
    assert (ok["podName"], ok["podUID"], ok["nodeName"]) == (pod.name, pod.uid, "worker-2")
    assert (ok["namespace"], ok["serviceAccount"], ok["cluster"]) == ("payments", "payments-api", "prod")
    assert ok["audience"] == LEDGER and ok["clientAddress"].startswith("127.0.0.1:")
    assert ok["expiresAt"] and "issued" in ok["reason"]
    denied = audit_query(db, "--decision", "denied")
    reasons = sorted(row["reason"].split(" ")[0] for row in denied)
    assert reasons == ["audience_not_allowed", "wrong_audience"]
    policy_denial = next(row for row in denied if row["reason"].startswith("audience_not_allowed"))
    assert policy_denial["podUID"] == pod.uid, "a refusal after the token checked out names the pod too"
    assert policy_denial["audience"] == "https://vault.example.com" and "issuedJTI" not in policy_denial
    assert audit_query(db, "--pod", pod.name, "--decision", "granted")[0]["id"] == ok["id"]

    [admission] = audit_query(db, "--kind", "admission")
    assert admission["requestUID"] == review["request"]["uid"]
    assert admission["resourceKind"] == review["request"]["kind"]["kind"]
    assert admission["operation"] == review["request"]["operation"]
    assert admission["decision"] in ("allowed", "patched", "denied")

    # `audit trace` on the issued token names its pod, node and source token.
    trace = run_tokengate("audit", "trace", issued, "--db", db, check=False)
    assert trace.returncode == 0, trace.stderr
    assert f"payments/{pod.name}" in trace.stdout and pod.uid in trace.stdout
    assert "worker-2" in trace.stdout and subject_claims["jti"] in trace.stdout

    # The rows are in SQLite itself, not only behind the CLI; no token is stored anywhere.
    with sqlite3.connect(db) as conn:
        dump = "\n".join(conn.iterdump())
    assert issued not in dump and subject not in dump
    assert claims["jti"] in dump


def pg(command, directory):
    return subprocess.run(["bash", PG_SCRIPT, command, directory], check=True, capture_output=True, text=True,
                          timeout=600).stdout.strip()


def test_postgresql_trail_loses_nothing_while_the_database_is_down(broker_env, tmp_path, monkeypatch):
    directory = tempfile.mkdtemp(prefix="tokengate-e2e-brokerpg-")
    os.chmod(directory, 0o755)  # the server runs as `postgres` when the tests run as root
    data = os.path.join(directory, "pg")
    try:
        dsn = pg("start", data)
        pg("stop", data)  # serve starts while the database is down
        monkeypatch.setenv("TOKENGATE_AUDIT_DSN", dsn)  # the DSN stays off the command line
        prod = broker_env.add_cluster("prod")
        pod = broker_env.pod(prod)
        server = broker_env.start("--audit-spool", tmp_path / "spool", "--drain-seconds", "0")
        issued = []
        for _ in range(3):
            status, _, body = broker_env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))
            assert status == 200, "exchanges do not wait for the audit database"
            issued.append(decode_jwt(body["access_token"])[1]["jti"])
        pg("start", data)
        deadline = time.monotonic() + 60
        rows = []
        while time.monotonic() < deadline and len(rows) < 3:
            result = run_tokengate("audit", "query", "--decision", "granted", "--format", "json", check=False)
            rows = json.loads(result.stdout) if result.returncode == 0 and result.stdout.strip() else []
            time.sleep(0.5)
        assert sorted(row["issuedJTI"] for row in rows) == sorted(issued), "every spooled event arrived"
        server.signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        count = subprocess.run(["psql", dsn, "-X", "-A", "-t", "-c",
                                "SELECT count(*), count(DISTINCT id) FROM tokengate_audit_events"],
                               check=True, capture_output=True, text=True).stdout.strip()
        assert count == "3|3", "exactly once"
    finally:
        subprocess.run(["bash", PG_SCRIPT, "destroy", data], capture_output=True, timeout=120)
        shutil.rmtree(directory, ignore_errors=True)
