# SPDX-License-Identifier: Apache-2.0
"""`tokengate audit serve`: the read-only review page, driven by a real headless Chromium.

The trail is filled by real exchanges and admissions: the real `tokengate serve --audit-db` with a
broker whose cluster is a STAND-IN Kubernetes API server (kube_standin.py; no real kube-apiserver
can run here), and recorded AdmissionReviews posted to its /mutate. Then the real `tokengate audit
serve` serves the page and Debian's `chromium` (through `chromium-driver` and Selenium) reads each
view; what it shows is checked against the SQLite trail itself. A screenshot of each view is saved
(in $TOKENGATE_REVIEW_SCREENSHOTS when set, the README's come from there).
"""
import copy
import html
import csv
import http.client
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from broker_support import BROKER_AUDIENCE, BrokerEnv, decode_jwt
from conftest import admission_fixture, run_tokengate, tokengate_binary

# hack/install-deps.sh --test installs selenium, chromium and chromium-driver: a missing one fails here.
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

# Markup and script in a name and in a caller's audience: both must come back as text.
HOSTILE_POD = '<img src=x onerror="alert(1)">web-<b>9</b>'
HOSTILE_AUDIENCE = 'https://evil.example/"><script>alert(2)</script>&amp;'


def rfc3339(us: int) -> str:
    return datetime.fromtimestamp(us // 1_000_000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class ReviewServer:
    """A running `tokengate audit serve` on 127.0.0.1 with a free port."""

    def __init__(self, db: Path, log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen([tokengate_binary(), "audit", "serve", "--db", str(db), "--listen", "127.0.0.1:0",
                                         "--log-format", "json"], stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        self.port = None
        while self.port is None:
            for line in log_path.read_text(errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("message") == "listening":
                    assert entry["transport"] == "plain HTTP, loopback only"
                    self.port = int(entry["address"].rsplit(":", 1)[1])
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("audit serve did not start:\n" + log_path.read_text(errors="replace"))
            time.sleep(0.05)
        self.base = f"http://127.0.0.1:{self.port}"

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=20) == 0
        self._log.close()


@pytest.fixture
def filled_trail(tmp_path, tokengate_server):
    """A trail written by the real server: exchanges (granted, denied, one with a hostile audience)
    and admissions (a Deployment, a Pod whose name is markup, a controller-owned ReplicaSet pod)."""
    env = BrokerEnv(tmp_path, tokengate_server)
    try:
        prod = env.add_cluster("prod")
        pod = env.pod(prod)
        db = tmp_path / "audit.db"
        server = env.start("--audit-db", db, "--drain-seconds", "0", "--enable-tokenrequest",
                           "--audience", "https://kubernetes.default.svc", "--expiration-seconds", "3600")
        subject = prod.mint(pod, [BROKER_AUDIENCE])
        issued = []
        for _ in range(3):  # three tokens from one source token: siblings in the trace
            status, _, body = env.exchange(server, subject)
            assert status == 200, body
            issued.append(body["access_token"])
        status, _, _ = env.exchange(server, subject, audience="https://vault.example.com")
        assert status == 400
        status, _, _ = env.exchange(server, subject, audience=HOSTILE_AUDIENCE)
        assert status == 400
        status, _, _ = env.exchange(server, prod.mint(pod, ["https://kubernetes.default.svc"]))
        assert status == 400
        hostile = copy.deepcopy(admission_fixture("pod-create-from-replicaset.mutating.v1.30.json"))
        hostile["request"]["uid"] = "review-hostile"
        hostile["request"]["name"] = HOSTILE_POD
        hostile["request"]["object"]["metadata"]["name"] = HOSTILE_POD
        opted_out = copy.deepcopy(admission_fixture("deployment-create.mutating.v1.30.json"))
        opted_out["request"]["uid"] = "review-opted-out"
        opted_out["request"]["name"] = opted_out["request"]["object"]["metadata"]["name"] = "legacy-batch"
        opted_out["request"]["object"]["metadata"]["annotations"] = {"tokengate.io/inject": "false"}
        reviews = [admission_fixture(), admission_fixture("openunison-deployment-create.mutating.json"), hostile, opted_out,
                   admission_fixture("deployment-create.mutating.v1.30.json"),
                   admission_fixture("pod-create-from-replicaset.mutating.v1.30.json"),
                   admission_fixture("serviceaccount-create.mutating.v1.30.json")]
        for review in reviews:
            status, _, raw = server.request("POST", "/mutate", body=json.dumps(review).encode(),
                                            headers={"Content-Type": "application/json"})
            assert status == 200, raw
        server.signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        yield db, issued, pod, env.kid
    finally:
        env.close()


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1100"):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver, tmp_path, name):
    path = tmp_path / f"review-{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000, "a screenshot of a rendered page, not a blank one"
    if os.environ.get("TOKENGATE_REVIEW_SCREENSHOTS"):
        shutil.copy(path, Path(os.environ["TOKENGATE_REVIEW_SCREENSHOTS"]) / path.name)


def no_script_ran(driver):
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 - an alert() would be pending here
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.TAG_NAME, "img") == []


def table_rows(driver, css):
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in driver.find_elements(By.CSS_SELECTOR, css + " tr") if row.find_elements(By.TAG_NAME, "td")]


def follow(browser, element, css: str, seconds: float = 15) -> None:
    """Clicks `element` (a link or a form's button) and waits, bounded, for the page it opens to
    show `css`: a click returns before a slow machine has loaded the next page."""
    old_page = browser.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(browser, seconds).until(expected_conditions.staleness_of(old_page))
    WebDriverWait(browser, seconds).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))

def test_each_view_shows_what_the_trail_holds(filled_trail, browser, tmp_path):
    db, issued, pod, kid = filled_trail
    store = sqlite3.connect(db)
    q = lambda sql, *args: store.execute(sql, args).fetchall()  # noqa: E731
    review = ReviewServer(db, tmp_path / "review.log")
    try:
        # Overview: the bars of each chart add up to the trail's counts; keys and clusters match.
        browser.get(review.base + "/?since=2d")
        exchange_titles = [t.get_attribute("textContent") for t in browser.find_elements(By.CSS_SELECTOR, "#exchanges rect title")]
        assert sum(int(t.rsplit(": ", 1)[1]) for t in exchange_titles) == \
            q("SELECT count(*) FROM tokengate_audit_events WHERE kind = 'token_exchange'")[0][0]
        [(granted,)] = q("SELECT count(*) FROM tokengate_audit_events WHERE decision = 'granted'")
        assert granted == 3
        assert f"issued ({granted})" in browser.find_element(By.ID, "exchanges-legend").text
        admission_titles = [t.get_attribute("textContent") for t in browser.find_elements(By.CSS_SELECTOR, "#admissions rect title")]
        assert sum(int(t.rsplit(": ", 1)[1]) for t in admission_titles) == \
            q("SELECT count(*) FROM tokengate_audit_events WHERE kind = 'admission'")[0][0]
        ledger = q("SELECT kid FROM tokengate_published_keys")
        assert [row[0] for row in table_rows(browser, "#keys")] == [kid for (kid,) in ledger] == [kid]
        # Each cluster's last JWKS fetch and TokenReview, as the broker stored them (their own table:
        # the events table holds exactly the exchanges and admission decisions sent).
        assert q("SELECT count(*) FROM tokengate_audit_events")[0][0] == 6 + 7
        checks = {(cluster, kind): (success, failure_at, failure) for cluster, kind, success, failure_at, failure in q(
            "SELECT cluster, kind, last_success_us, last_failure_us, last_failure FROM tokengate_cluster_checks")}
        assert set(checks) == {("prod", "jwks"), ("prod", "token_review")}, checks
        [(first_grant, last_event)] = q("""SELECT min(CASE WHEN decision = 'granted' THEN ts_us END), max(ts_us)
            FROM tokengate_audit_events""")
        assert checks[("prod", "jwks")][0] <= first_grant, "the keys were fetched before the first token was verified"
        assert first_grant - 120_000_000 < checks[("prod", "token_review")][0] <= last_event
        assert checks[("prod", "jwks")][1] is None and checks[("prod", "token_review")][1] is None

        def last(cluster, kind):
            success = checks.get((cluster, kind), (None,))[0]
            return rfc3339(success) if success else "none recorded"

        def failures(cluster):
            return "\n".join(f"{label} {rfc3339(checks[(cluster, kind)][1])}: {checks[(cluster, kind)][2]}"
                             for kind, label in (("jwks", "JWKS"), ("token_review", "TokenReview"))
                             if checks.get((cluster, kind), (None, None))[1])

        clusters = [[name or "(none recorded)", last(name, "jwks"), last(name, "token_review"), failures(name),
                     rfc3339(granted_at) if granted_at else "not among the newest 20000 grants",
                     rfc3339(refused_at) if refused_at else "none", str(refused)]
                    for name, granted_at, refused_at, refused in q("""
                        SELECT coalesce(cluster, ''), max(CASE WHEN decision = 'granted' THEN ts_us END),
                          max(CASE WHEN decision <> 'granted' THEN ts_us END), sum(decision <> 'granted')
                        FROM tokengate_audit_events WHERE kind = 'token_exchange' GROUP BY 1 ORDER BY 1""")]
        assert table_rows(browser, "#clusters") == clusters
        assert [row[0] for row in clusters] == ["(none recorded)", "prod"], "a token from no known cluster has none"
        assert clusters[1][1] != "none recorded" and clusters[1][2] != "none recorded"
        # Key rotations: the key history holds the one key, first published while the server ran.
        [(history_kid, first_published)] = q("SELECT kid, first_published_us FROM tokengate_published_key_history")
        assert history_kid == kid and first_published <= first_grant
        assert browser.find_element(By.ID, "no-rotations").text == "No rotation recorded."
        no_script_ran(browser)
        screenshot(browser, tmp_path, "overview")

        # Coverage: each workload's newest decision, the hostile pod name as plain text.
        browser.get(review.base + "/coverage?since=2d")
        shown = {(row[0], row[1]): row[3] for row in table_rows(browser, "table.coverage")}
        expected = {(kind, name): {"patched": "projected", "allowed": "skipped", "denied": "denied"}[decision]
                    for kind, name, decision in q("""
                        SELECT resource_kind, coalesce(nullif(object_name, ''), pod_name, ''), decision
                        FROM tokengate_audit_events e WHERE kind = 'admission' AND resource_kind <> 'ServiceAccount'
                        AND ts_us = (SELECT max(ts_us) FROM tokengate_audit_events f WHERE f.kind = 'admission'
                          AND f.resource_kind = e.resource_kind
                          AND coalesce(nullif(f.object_name, ''), f.pod_name, '') = coalesce(nullif(e.object_name, ''), e.pod_name, ''))""")}
        assert shown == expected
        assert ("Pod", HOSTILE_POD) in shown, "markup in a name is shown as the name itself"
        no_script_ran(browser)
        screenshot(browser, tmp_path, "coverage")
        browser.get(review.base + "/coverage?since=2d&status=skipped")
        assert {row[3] for row in table_rows(browser, "table.coverage")} == {"skipped"}

        # Pods: tokens issued, denials, audiences; one click opens the timeline.
        browser.get(review.base + "/pods?since=2d")
        rows = table_rows(browser, "#pods")
        [row] = [r for r in rows if r[0] == pod.name]
        [(issued_count, denied_count)] = q("""SELECT sum(decision = 'granted'), sum(decision = 'denied')
            FROM tokengate_audit_events WHERE kind = 'token_exchange' AND pod_uid = ?""", pod.uid)
        assert (row[2], row[3], row[4], row[5]) == (pod.uid, "worker-2", "payments-api", "prod")
        assert (int(row[6]), int(row[9])) == (issued_count, denied_count) == (3, 2)
        assert row[7] == "https://ledger.example.com"
        screenshot(browser, tmp_path, "pods")
        follow(browser, browser.find_element(By.LINK_TEXT, pod.name), "table.events")
        assert "/pod?uid=" in browser.current_url
        timeline = table_rows(browser, "table.events")
        assert len(timeline) == q("SELECT count(*) FROM tokengate_audit_events WHERE pod_uid = ?", pod.uid)[0][0]
        screenshot(browser, tmp_path, "timeline")

        # Denials: grouped counts add up; the hostile audience is text, in the detail list.
        browser.get(review.base + "/denials?since=2d")
        groups = table_rows(browser, "#denial-groups")
        assert sum(int(g[4]) for g in groups) == q("SELECT count(*) FROM tokengate_audit_events WHERE decision = 'denied'")[0][0]
        detail = table_rows(browser, "table.events")
        assert any(HOSTILE_AUDIENCE in cell for r in detail for cell in r)
        no_script_ran(browser)
        screenshot(browser, tmp_path, "denials")

        # Trace: the pasted token names its pod and source, and its two siblings.
        browser.get(review.base + "/trace")
        browser.find_element(By.NAME, "q").send_keys(issued[0])
        follow(browser, browser.find_element(By.CSS_SELECTOR, "form button"), "#issuance tr")
        fields = {r[0]: r[1] for r in ([c.text for c in row.find_elements(By.XPATH, "./*")]
                                       for row in browser.find_elements(By.CSS_SELECTOR, "#issuance tr"))}
        claims = decode_jwt(issued[0])[1]
        assert fields["pod"] == f"payments/{pod.name} (uid {pod.uid})"
        [(subject_jti,)] = q("SELECT subject_jti FROM tokengate_audit_events WHERE issued_jti = ?", claims["jti"])
        assert fields["source token"] == f"jti {subject_jti}"
        siblings = table_rows(browser, "#siblings table.events")
        others = q("SELECT issued_jti FROM tokengate_audit_events WHERE subject_jti = ? AND issued_jti <> ?", subject_jti, claims["jti"])
        assert sorted(r[8] for r in siblings if r[8]) == sorted(j for (j,) in others)
        screenshot(browser, tmp_path, "trace")

        # CSV: the same rows as the store, formula-looking cells disarmed.
        status, headers, body = review.request("GET", "/pods.csv?since=2d")
        assert status == 200 and headers["content-type"].startswith("text/csv")
        parsed = list(csv.DictReader(io.StringIO(body.decode())))
        assert {r["pod"] for r in parsed} == {name for (name,) in q(
            "SELECT DISTINCT pod_name FROM tokengate_audit_events WHERE kind = 'token_exchange' AND pod_name IS NOT NULL")}
    finally:
        review.stop()


def test_every_response_is_read_only_and_locked_down(filled_trail, tmp_path):
    db, _, _, _ = filled_trail
    before = hashlib_of(db)
    review = ReviewServer(db, tmp_path / "review.log")
    try:
        for method, path, expected in [("GET", "/", 200), ("GET", "/nowhere", 404), ("POST", "/trace", 405),
                                       ("GET", "/denials.csv", 200), ("DELETE", "/pods", 405)]:
            status, headers, _ = review.request(method, path, body=b"q=x" if method == "POST" else None)
            assert status == expected, path
            csp = headers["content-security-policy"]
            assert csp.startswith("default-src 'none'; style-src 'sha256-") and "unsafe" not in csp
            assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
            assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    finally:
        review.stop()
    assert hashlib_of(db) == before, "serving the page changed nothing in the trail"


def hashlib_of(db: Path) -> str:
    import hashlib
    with sqlite3.connect(db) as conn:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()


def test_it_refuses_to_listen_beyond_loopback_without_tls(tmp_path):
    # Off loopback the page needs TLS and bearer tokens (test_review_page_remote.py); without a certificate it does not start.
    result = run_tokengate("audit", "serve", "--db", tmp_path / "none.db", "--listen", "0.0.0.0:8090", check=False)
    assert result.returncode != 0
    assert "not loopback" in result.stderr and "--review-tls-cert" in result.stderr


def test_serve_shows_the_review_page_beside_the_webhook_when_asked(tokengate_server, tmp_path):
    db = tmp_path / "audit.db"
    server = tokengate_server("--audit-db", db, "--review-listen", "127.0.0.1:0", "--drain-seconds", "0")
    port = server.logged_port("review page listening")
    assert port != server.port
    review = copy.deepcopy(admission_fixture())
    review["request"]["uid"] = "review-live"
    status, _, _ = server.request("POST", "/mutate", body=json.dumps(review).encode(), headers={"Content-Type": "application/json"})
    assert status == 200
    name = review["request"]["name"]
    shown = []
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and name not in shown:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/coverage.csv")
        response = conn.getresponse()
        assert response.status == 200 and response.getheader("content-security-policy").startswith("default-src 'none'")
        shown = [row["name"] for row in csv.DictReader(io.StringIO(response.read().decode()))]
        conn.close()
        time.sleep(0.2)
    assert name in shown, "the page reads what the running server's writer stored"
    server.signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0


def test_serve_refuses_a_review_page_with_half_a_certificate_or_without_a_trail(tmp_path, certs):
    base = ["serve", "--tls-cert", certs.cert, "--tls-key", certs.key]
    half = run_tokengate(*base, "--audit-db", tmp_path / "a.db", "--review-listen", "0.0.0.0:8090", "--review-tls-cert", certs.cert,
                         check=False)
    assert half.returncode != 0 and "--review-tls-key" in half.stderr
    bare = run_tokengate(*base, "--review-listen", "127.0.0.1:8090", check=False)
    assert bare.returncode != 0 and "--audit-db" in bare.stderr


def test_the_overview_shows_a_clusters_failed_tokenreview_with_its_reason(tmp_path, tokengate_server):
    """A cluster's API server stops answering between two exchanges: the broker stores the
    TokenReview that worked and the one that failed, with its reason, and the Overview marks it."""
    env = BrokerEnv(tmp_path, tokengate_server)
    try:
        edge = env.add_cluster("edge")
        pod = env.pod(edge)
        db = tmp_path / "audit.db"
        server = env.start("--audit-db", db, "--drain-seconds", "0", "--kube-timeout-seconds", "0.5")
        status, _, body = env.exchange(server, edge.mint(pod, [BROKER_AUDIENCE]))
        assert status == 200, body
        edge.hang_seconds = 3  # every API call now answers after TokenGate's deadline
        # Another source token (another lifetime) misses the TokenReview cache; the keys are cached,
        # so the review is what fails.
        status, _, body = env.exchange(server, edge.mint(pod, [BROKER_AUDIENCE], lifetime=3000))
        assert status == 503, body
        edge.hang_seconds = 0
        server.signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        env.close()
    store = sqlite3.connect(db)
    checks = {kind: row for kind, *row in store.execute(
        "SELECT kind, last_success_us, last_failure_us, last_failure FROM tokengate_cluster_checks WHERE cluster = 'edge'")}
    assert set(checks) == {"jwks", "token_review"}
    success, failed_at, reason = checks["token_review"]
    assert success < failed_at and reason, checks
    assert checks["jwks"][1] is None, "the keys were fetched once, while the API server answered"
    [(unavailable,)] = store.execute("SELECT count(*) FROM tokengate_audit_events WHERE decision <> 'granted'")
    assert unavailable == 1 and store.execute("SELECT count(*) FROM tokengate_audit_events").fetchone()[0] == 2

    review = ReviewServer(db, tmp_path / "review.log")
    try:
        status, _, page = review.request("GET", "/?since=2d&cluster=edge")
    finally:
        review.stop()
    page = page.decode()
    assert status == 200
    assert f'<td class="jwks">{rfc3339(checks["jwks"][0])}</td><td class="token-review">{rfc3339(success)}</td>' in page
    assert f'<div class="problem">TokenReview {rfc3339(failed_at)}: {html.escape(reason)}</div>' in page
