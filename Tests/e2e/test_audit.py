# SPDX-License-Identifier: Apache-2.0
"""End-to-end tests of `tokengate audit` (query, trace, import, migrate, prune) through the binary.

The trail is generated here in Python, independently of TokenGate's Swift code, and the expected
answers are computed here too. The SQLite tests use a temporary file; the PostgreSQL tests run a
REAL PostgreSQL server started by hack/postgres-test.sh (initdb into a temporary directory, a free
loopback port) and check what TokenGate wrote with psql.
"""
import base64
import json
import os
import random
import subprocess
import uuid
from datetime import datetime, timedelta, timezone

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("TOKENGATE_BIN", os.path.join(ROOT, ".build/debug/tokengate"))
BASE = datetime(2025, 10, 9, 8, 0, 0, tzinfo=timezone.utc)


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def make_trail(count=3000, seed=11):
    rng = random.Random(seed)
    events = []
    source = None
    for i in range(count):
        t = BASE + timedelta(seconds=i * 7, microseconds=rng.randrange(1_000_000))
        pod = rng.randrange(200)
        ns = f"ns-{pod % 7}"
        if rng.random() < 0.15:
            events.append({
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "time": rfc3339(t), "kind": "admission",
                "decision": rng.choice(["allowed", "patched", "denied"]), "namespace": ns, "requestUID": f"req-{i}",
                "resourceKind": "Deployment", "name": f"web-{pod}", "operation": "CREATE",
                "patchSummary": "projected volume tokengate-token into 2 containers",
            })
            continue
        if source is None or i % 4 == 0:
            source = f"src-{i}"
        denied = rng.random() < 0.1
        event = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "time": rfc3339(t), "kind": "token_exchange",
            "decision": "denied" if denied else "granted", "cluster": "east", "namespace": ns,
            "podName": f"pod-{pod}", "podUID": f"pod-uid-{pod}", "nodeName": f"worker-{pod % 5}",
            "nodeUID": f"node-uid-{pod % 5}", "serviceAccount": f"sa-{pod % 11}", "serviceAccountUID": f"sa-uid-{pod % 11}",
            "subjectJTI": source, "audience": f"https://svc-{rng.randrange(4)}.example",
            "expiresAt": rfc3339(t + timedelta(minutes=10)), "clientAddress": f"127.0.0.1:{40000 + pod}",
        }
        if denied:
            event["reason"] = "invalid_target: audience not allowed for this ServiceAccount"
        else:
            event["issuedJTI"] = f"iss-{i}"
        events.append(event)
    return events


def expected(events, **f):
    def keep(e):
        if "pod" in f and e.get("podName") != f["pod"]:
            return False
        if "namespace" in f and e.get("namespace") != f["namespace"]:
            return False
        if "service_account" in f and e.get("serviceAccount") != f["service_account"]:
            return False
        if "jti" in f and f["jti"] not in (e.get("issuedJTI"), e.get("subjectJTI")):
            return False
        if "audience" in f and e.get("audience") != f["audience"]:
            return False
        if "decision" in f and e["decision"] != f["decision"]:
            return False
        if "since" in f and e["time"] < f["since"]:
            return False
        if "until" in f and e["time"] >= f["until"]:
            return False
        return True
    rows = [e for e in events if keep(e)]
    rows.sort(key=lambda e: (e["time"], e["id"]), reverse=True)
    return [e["id"] for e in rows]


def tokengate(*args, stdin=None, env=None, check=True):
    result = subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True, timeout=120,
                            env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(f"tokengate {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


def jwt(claims):
    """An unsigned-looking JWT: trace must decode it without verifying anything."""
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return enc({"alg": "ES256", "typ": "at+jwt", "kid": "k1"}) + "." + enc(claims) + "." + enc({"sig": 1})


def query_ids(store_args, *args):
    out = tokengate("audit", "query", *store_args, "--limit", "0", "--format", "json", *args).stdout
    return [e["id"] for e in json.loads(out)]


FILTERS = [
    ("--pod", "pod-17", {"pod": "pod-17"}),
    ("--namespace", "ns-3", {"namespace": "ns-3"}),
    ("--service-account", "sa-4", {"service_account": "sa-4"}),
    ("--audience", "https://svc-2.example", {"audience": "https://svc-2.example"}),
    ("--decision", "denied", {"decision": "denied"}),
]


@pytest.fixture(scope="module")
def trail():
    return make_trail()


@pytest.fixture()
def sqlite_db(tmp_path, trail):
    path = tmp_path / "trail.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in trail))
    db = str(tmp_path / "audit.db")
    out = tokengate("audit", "import", str(path), "--db", db).stdout
    assert f"read {len(trail)} events, stored {len(trail)} new" in out
    return db


def test_query_filters_return_exactly_the_right_rows(sqlite_db, trail):
    store = ["--db", sqlite_db]
    for flag, value, f in FILTERS:
        assert query_ids(store, flag, value) == expected(trail, **f), flag
    exchange = next(e for e in trail if e.get("issuedJTI"))
    assert query_ids(store, "--jti", exchange["issuedJTI"]) == [exchange["id"]]
    assert query_ids(store, "--jti", exchange["subjectJTI"]) == expected(trail, jti=exchange["subjectJTI"])
    since, until = rfc3339(BASE + timedelta(hours=1)), rfc3339(BASE + timedelta(hours=2))
    assert query_ids(store, "--since", since, "--until", until, "--namespace", "ns-1") == \
        expected(trail, since=since, until=until, namespace="ns-1")
    # Combined filters and the default table output.
    table = tokengate("audit", "query", *store, "--pod", "pod-17", "--decision", "granted").stdout.splitlines()
    assert table[0].split()[:3] == ["TIME", "KIND", "DECISION"]
    assert len(table) - 1 == len(expected(trail, pod="pod-17", decision="granted"))
    assert all("pod-17" in line and "granted" in line for line in table[1:])


def test_query_plan_uses_the_index(sqlite_db):
    plan = tokengate("audit", "query", "--db", sqlite_db, "--pod-uid", "pod-uid-3", "--explain").stdout
    assert "USING INDEX idx_tg_audit_pod_uid" in plan, plan


def test_import_is_idempotent(sqlite_db, trail, tmp_path):
    again = tmp_path / "again.jsonl"
    again.write_text("".join(json.dumps(e) + "\n" for e in trail[:500]))
    assert "stored 0 new" in tokengate("audit", "import", str(again), "--db", sqlite_db).stdout
    assert len(query_ids(["--db", sqlite_db])) == len(trail)


def test_trace_names_the_pod_and_the_tokens_from_the_same_source(sqlite_db, trail):
    exchange = next(e for e in trail if e.get("issuedJTI") and
                    sum(1 for o in trail if o.get("subjectJTI") == e["subjectJTI"]) >= 3)
    token = jwt({"iss": "https://tokengate.example", "sub": f"system:serviceaccount:{exchange['namespace']}:{exchange['serviceAccount']}",
                 "aud": exchange["audience"], "jti": exchange["issuedJTI"], "exp": 1760000600, "iat": 1760000000})
    out = tokengate("audit", "trace", "-", "--db", sqlite_db, stdin=token + "\n").stdout
    assert "signature NOT verified" in out
    assert f"{exchange['namespace']}/{exchange['podName']} (uid {exchange['podUID']})" in out
    assert f"{exchange['nodeName']} (uid {exchange['nodeUID']})" in out
    assert f"jti {exchange['subjectJTI']}" in out
    siblings = [e for e in trail if e.get("subjectJTI") == exchange["subjectJTI"] and e["id"] != exchange["id"]]
    assert f"Other exchanges with the same source token ({len(siblings)})" in out
    for sibling in siblings:
        if sibling.get("issuedJTI"):
            assert sibling["issuedJTI"] in out

    report = json.loads(tokengate("audit", "trace", token, "--db", sqlite_db, "--format", "json").stdout)
    assert report["issuance"]["id"] == exchange["id"]
    assert sorted(e["id"] for e in report["sameSource"]) == sorted([exchange["id"]] + [s["id"] for s in siblings])

    # The pod's own projected token (the source) lists what was exchanged with it.
    source = jwt({"iss": "https://kubernetes.default.svc", "jti": exchange["subjectJTI"],
                  "kubernetes.io": {"pod": {"name": exchange["podName"]}}})
    out = tokengate("audit", "trace", source, "--db", sqlite_db).stdout
    assert f"Tokens exchanged with this token as the source ({len(siblings) + 1})" in out


def test_trace_rejects_what_is_not_a_known_token(sqlite_db):
    unknown = tokengate("audit", "trace", jwt({"jti": "never-issued"}), "--db", sqlite_db, check=False)
    assert unknown.returncode == 3 and "No TokenGate issuance record" in unknown.stdout
    for bad in ["garbage", "a.b", "!!!.@@@.###", jwt({"sub": "no jti"}), "x" * 70000]:
        result = tokengate("audit", "trace", bad, "--db", sqlite_db, check=False)
        assert result.returncode not in (0, 3), bad[:20]
        assert "Error:" in result.stderr and "Fatal" not in result.stderr


def test_prune_and_migrate(sqlite_db, trail):
    assert "schema version 3" in tokengate("audit", "migrate", "--db", sqlite_db).stdout
    out = tokengate("audit", "prune", "--db", sqlite_db, "--days", "1").stdout
    assert f"deleted {len(trail)} events" in out  # the generated trail is from October 2025


def psql(dsn, sql):
    return subprocess.run(["psql", dsn, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def test_postgresql_store_through_the_cli(postgres, trail, tmp_path):
    env = {"TOKENGATE_AUDIT_DSN": postgres}  # the DSN stays off the command line
    path = tmp_path / "trail.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in trail))
    assert "schema version 3" in tokengate("audit", "migrate", env=env).stdout
    assert f"stored {len(trail)} new" in tokengate("audit", "import", str(path), env=env).stdout
    assert "stored 0 new" in tokengate("audit", "import", str(path), env=env).stdout
    assert psql(postgres, "SELECT count(*), count(DISTINCT id) FROM tokengate_audit_events") == f"{len(trail)}|{len(trail)}"
    for flag, value, f in FILTERS:
        assert query_ids(["--dsn", postgres], flag, value) == expected(trail, **f), flag
    exchange = next(e for e in trail if e.get("issuedJTI"))
    out = tokengate("audit", "trace", jwt({"jti": exchange["issuedJTI"]}), env=env).stdout
    assert f"{exchange['namespace']}/{exchange['podName']} (uid {exchange['podUID']})" in out
    # A wrong DSN fails with a message, not a hang or a crash.
    bad = tokengate("audit", "query", "--dsn", "host=127.0.0.1 port=1 user=x dbname=x connect_timeout=2", check=False)
    assert bad.returncode != 0 and "cannot connect to the PostgreSQL audit database" in bad.stderr
