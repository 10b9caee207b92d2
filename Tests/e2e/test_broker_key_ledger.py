# SPDX-License-Identifier: Apache-2.0
"""A replaced signing key stays in /keys until every token it signed has expired: across a restart
(the published-keys ledger in the SQLite audit database, or --broker-key-ledger) and across
replicas (the ledger in the PostgreSQL audit database they share), and leaves once that time passes.

The Kubernetes API server is a STAND-IN (kube_standin.py) on loopback. tokengate, SQLite and
PostgreSQL (started by hack/postgres-test.sh, through test_audit.py's fixture) are real, and joserfc
verifies the issued tokens against nothing but GET /keys, as a relying party does.
"""
import html.parser
import json
import shutil
import signal
import sqlite3
import subprocess
import time
import urllib.request

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from broker_support import BROKER_AUDIENCE, decode_jwt, wait_for_log
from conftest import tokengate_binary


def published(server):
    status, _, raw = server.request("GET", "/keys")
    assert status == 200
    return json.loads(raw)


def kids(server):
    return [key["kid"] for key in published(server)["keys"]]


def verifies_against_keys(server, token):
    jwt.decode(token, KeySet.import_key_set(published(server)), algorithms=["ES256"])
    return True


def issue(env, server, cluster, pod):
    status, _, body = env.exchange(server, cluster.mint(pod, [BROKER_AUDIENCE]))
    assert status == 200, body
    return body["access_token"]


def rotate(env, server, key_file):
    """Replaces `key_file` the way a Secret update does and waits until `server` signs with the new key."""
    staged = key_file.with_suffix(".next")
    kid = env.generate_key(staged)
    staged.replace(key_file)
    wait_for_log(server, lambda e: e.get("message") == "signing keys reloaded" and e.get("signing_kid") == kid)
    return kid


class TableCells(html.parser.HTMLParser):
    """The text of each <td> of the table with id `table_id`, row by row."""

    def __init__(self, table_id):
        super().__init__()
        self.table_id, self.inside, self.rows, self.cell = table_id, False, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag == "td":
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag == "td" and self.cell is not None:
            self.rows[-1].append(self.cell)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def rotations_on_the_review_page(tmp_path, *store):
    """The Overview's rotations table (time, issuer, old kid, new kid), as `tokengate audit serve` shows it."""
    log_path = tmp_path / f"review-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([tokengate_binary(), "audit", "serve", *map(str, store), "--listen", "127.0.0.1:0",
                                    "--log-format", "json"], stdout=log, stderr=subprocess.STDOUT)
        try:
            port = None
            deadline = time.monotonic() + 20
            while port is None and time.monotonic() < deadline and process.poll() is None:
                for line in log_path.read_text(errors="replace").splitlines():
                    if '"listening"' in line:
                        port = int(json.loads(line)["address"].rsplit(":", 1)[1])
                time.sleep(0.05)
            assert port, log_path.read_text(errors="replace")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
                parser = TableCells("rotations")
                parser.feed(response.read().decode())
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
    return [row for row in parser.rows if row]


def stop(server):
    server.signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0


def wait_until(condition, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what}: not so within {timeout}s")


@pytest.mark.parametrize("flag", ["--audit-db", "--broker-key-ledger"])
def test_replaced_key_is_still_published_after_a_restart(broker_env, tmp_path, flag):
    prod = broker_env.add_cluster("prod")
    pod = broker_env.pod(prod)
    db = tmp_path / "tokengate.db"  # the audit database, or a ledger file of its own
    first = broker_env.start(flag, db, "--drain-seconds", "0")
    old_kid = broker_env.kid
    before = issue(broker_env, first, prod, pod)
    assert decode_jwt(before)[0]["kid"] == old_kid
    new_kid = rotate(broker_env, first, broker_env.signing_key)
    stop(first)

    second = broker_env.start(flag, db, "--drain-seconds", "0")  # only the new key is in the files now
    assert set(kids(second)) == {new_kid, old_kid}
    assert kids(second)[0] == new_kid, "the key that signs comes first"
    assert verifies_against_keys(second, before), "a token signed before the restart still verifies against /keys"
    after = issue(broker_env, second, prod, pod)
    assert decode_jwt(after)[0]["kid"] == new_kid and verifies_against_keys(second, after)
    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute("SELECT kid, publish_until FROM tokengate_published_keys"))
    assert set(rows) == {old_kid, new_kid} and rows[old_kid] > time.time()
    if flag == "--audit-db":
        # The review page lists the rotation with its time: when the new key was first published.
        with sqlite3.connect(db) as conn:
            history = dict(conn.execute("SELECT kid, first_published_us FROM tokengate_published_key_history"))
        assert set(history) == {old_kid, new_kid} and history[old_kid] < history[new_kid] <= time.time() * 1e6
        [(when, issuer, old, new)] = rotations_on_the_review_page(tmp_path, "--db", db)
        assert (old, new) == (old_kid, new_kid)
        assert when == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(history[new_kid] // 1_000_000))


def test_replicas_sharing_postgresql_publish_each_others_keys(broker_env, tmp_path, postgres):  # noqa: F811
    prod = broker_env.add_cluster("prod")
    pod = broker_env.pod(prod)
    broker_env.write_config()
    replicas = {}
    for name in ("a", "b"):  # each replica its own copy of the Secret, so one can rotate first
        key = tmp_path / "signing" / f"{name}.pem"
        shutil.copyfile(broker_env.signing_key, key)
        config = tmp_path / f"tokengate-{name}.yaml"
        config.write_text(broker_env.config_path.read_text().replace(str(broker_env.signing_key), str(key)))
        replicas[name] = (key, config)

    def serve(name):
        return broker_env.serve(replicas[name][1], "--audit-dsn", postgres, "--audit-spool", tmp_path / f"spool-{name}",
                                "--drain-seconds", "0")

    a, b = serve("a"), serve("b")
    old_kid = broker_env.kid
    from_old = issue(broker_env, a, prod, pod)
    new_kid = rotate(broker_env, a, replicas["a"][0])
    from_new = issue(broker_env, a, prod, pod)
    assert decode_jwt(from_new)[0]["kid"] == new_kid
    # B has not seen the new Secret yet, and still publishes the key A now signs with (next reload tick).
    wait_until(lambda: new_kid in kids(b), "replica b publishes the key replica a signs with")
    assert verifies_against_keys(b, from_new)

    stop(b)
    shutil.copyfile(replicas["a"][0], replicas["b"][0])  # b restarts with the new Secret only
    b = serve("b")
    for replica in (a, b):
        assert set(kids(replica)) == {old_kid, new_kid}
        assert verifies_against_keys(replica, from_old) and verifies_against_keys(replica, from_new)
    # One rotation, however many replicas published each key: the shared key history has each kid once.
    [(_, _, old, new)] = rotations_on_the_review_page(tmp_path, "--dsn", postgres)
    assert (old, new) == (old_kid, new_kid)


def test_replaced_key_leaves_keys_once_its_tokens_have_expired(broker_env, tmp_path):
    prod = broker_env.add_cluster("prod")
    pod = broker_env.pod(prod)
    broker_env.broker_extra += "  clockSkewSeconds: 0\n"
    ledger = tmp_path / "audit.db"
    broker_env.write_config()
    broker_env.config_path.write_text(broker_env.config_path.read_text().replace("maxTTLSeconds: 600", "maxTTLSeconds: 60"))
    first = broker_env.serve(broker_env.config_path, "--audit-db", ledger, "--drain-seconds", "0")
    old_kid = broker_env.kid
    token = issue(broker_env, first, prod, pod)
    new_kid = rotate(broker_env, first, broker_env.signing_key)
    stop(first)

    second = broker_env.serve(broker_env.config_path, "--audit-db", ledger, "--drain-seconds", "0")
    assert set(kids(second)) == {old_kid, new_kid} and verifies_against_keys(second, token)
    with sqlite3.connect(ledger) as conn:
        [(old_until,)] = conn.execute("SELECT publish_until FROM tokengate_published_keys WHERE kid = ?", (old_kid,))
    assert old_until >= decode_jwt(token)[1]["exp"], "published at least until the token it signed expires"

    # publish_until (the old key's last renewal + 60 s TTL + 0 s skew + a reload-interval margin) passes.
    wait_until(lambda: time.time() > old_until, "the old key's publish_until has passed", timeout=150)
    wait_until(lambda: old_kid not in kids(second), "the old key leaves /keys")
    assert kids(second) == [new_kid]

    def old_row_pruned():
        with sqlite3.connect(ledger) as conn:
            return conn.execute("SELECT count(*) FROM tokengate_published_keys WHERE kid = ?", (old_kid,)).fetchone()[0] == 0
    wait_until(old_row_pruned, "the expired row is pruned from the ledger")


def test_without_a_ledger_serve_says_the_promise_is_per_process(broker_env):
    broker_env.add_cluster("prod")
    server = broker_env.start()
    warning = wait_for_log(server, lambda e: "remembered by this process only" in e.get("message", ""))
    assert "--broker-key-ledger" in warning["message"] and "--audit-dsn" in warning["message"]
