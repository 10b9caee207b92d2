# SPDX-License-Identifier: Apache-2.0
"""The review page off loopback: TLS, and a bearer token that TokenReview authenticates and
SubjectAccessReview allows `get` on auditreviews.tokengate.io.

The real `tokengate audit serve` (and `tokengate serve --review-listen`) bound to 0.0.0.0 (not
loopback; the test reaches it through 127.0.0.1) or to 127.0.0.1 with --review-require-auth, real
clients over real TLS (Python's ssl/http.client and curl). The Kubernetes API server is a STAND-IN
(kube_standin.py: TokenReview of tokens it minted, SubjectAccessReview from a small allow list),
since no real kube-apiserver can run here.
"""
import http.client
import json
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from conftest import make_certs, run_tokengate, tokengate_binary, unused_loopback_port
from kube_standin import KubeStandIn

PERMISSION = ("get", "tokengate.io", "auditreviews")
ALICE = "system:serviceaccount:audit:alice"  # allowed
BOB = "system:serviceaccount:dev:bob"  # authenticated, not allowed


class RemoteReview:
    """A running `tokengate audit serve` in TLS-and-token mode, and what it logs."""

    def __init__(self, tmp_path: Path, standin: KubeStandIn, kube_ca: Path, *listen_args: str, api_url: str | None = None):
        self.pki = make_certs(tmp_path / "review-pki", service="tokengate-review")
        db = tmp_path / "audit.db"
        run_tokengate("audit", "migrate", "--db", db)
        token_file = tmp_path / "sa-token"
        token_file.write_text(standin.api_token + "\n")
        self.log_path = tmp_path / "review.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [tokengate_binary(), "audit", "serve", "--db", str(db), *listen_args, "--log-format", "json",
             "--review-tls-cert", str(self.pki.cert), "--review-tls-key", str(self.pki.key),
             "--kube-api-server", api_url or standin.url, "--kube-ca", str(kube_ca), "--kube-token-file", str(token_file)],
            stdout=self._log, stderr=subprocess.STDOUT)
        self.port = wait_for_port(self.log_path, self.process, "listening")

    def logs(self) -> list[dict]:
        return parse_logs(self.log_path)

    def get(self, path: str = "/", token: str | None = None, header: str | None = None):
        context = ssl.create_default_context(cafile=str(self.pki.ca))
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=context, timeout=30)
        try:
            headers = {}
            if header is not None:
                headers["Authorization"] = header
            elif token is not None:
                headers["Authorization"] = f"Bearer {token}"
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
        finally:
            conn.close()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=20) == 0
        self._log.close()


def parse_logs(path: Path) -> list[dict]:
    entries = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            pass
    return entries


def wait_for_port(log_path: Path, process, message: str) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for entry in parse_logs(log_path):
            if entry.get("message") == message:
                assert entry["transport"] == "HTTPS"
                return int(entry["address"].rsplit(":", 1)[1])
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("the review page did not start:\n" + log_path.read_text(errors="replace"))


@pytest.fixture
def kube(tmp_path):
    pki = make_certs(tmp_path / "kube-pki", service="kubernetes", namespace="default")
    standin = KubeStandIn(str(pki.cert), str(pki.key))
    standin.allowed_access.add((ALICE, *PERMISSION))
    with standin:
        yield standin, pki.ca


def user_token(standin: KubeStandIn, namespace: str, name: str) -> str:
    return standin.mint(None, ["https://kubernetes.default.svc"], namespace=namespace, service_account=name)


def test_off_loopback_every_request_needs_a_token_that_review_allows(tmp_path, kube):
    standin, kube_ca = kube
    review = RemoteReview(tmp_path, standin, kube_ca, "--listen", "0.0.0.0:0")
    alice, bob, carol = (user_token(standin, "audit", "alice"), user_token(standin, "dev", "bob"),
                         user_token(standin, "audit", "carol"))
    try:
        started = [e for e in review.logs() if "over TLS" in e.get("message", "")]
        assert started, review.log_path.read_text()
        assert "SubjectAccessReview allows get on auditreviews.tokengate.io" in started[0]["message"]
        assert started[0]["why"] == "0.0.0.0 is not loopback"

        # Plain HTTP is not spoken: the TLS layer answers it 400 and never reaches the page.
        plain = http.client.HTTPConnection("127.0.0.1", review.port, timeout=5)
        plain.request("GET", "/")
        answer = plain.getresponse()
        assert answer.status == 400 and "<html" not in answer.read().decode(errors="replace").lower()
        plain.close()

        status, headers, body = review.get("/")
        assert status == 401 and headers["www-authenticate"].startswith("Bearer")
        assert "no Authorization header" in body
        status, headers, _ = review.get("/", header="Basic YWxpY2U6cHc=")
        assert status == 401 and headers["www-authenticate"].startswith("Bearer")
        status, headers, body = review.get("/pods", token="not-a-kubernetes-token")
        assert status == 401 and headers["www-authenticate"].startswith("Bearer")
        assert "did not authenticate" in body

        status, headers, body = review.get("/denials", token=bob)
        assert status == 403
        assert BOB in body and "get on auditreviews.tokengate.io" in body
        assert headers["content-security-policy"].startswith("default-src 'none'"), "refusals carry the page's headers too"

        reviews_before = sum(1 for r in standin.requests if r[1].endswith("/tokenreviews"))
        status, headers, body = review.get("/", token=alice)
        assert status == 200 and "<html" in body.lower()
        for path in ("/coverage", "/pods.csv", "/denials"):
            status, _, _ = review.get(path, token=alice)
            assert status == 200, path
        token_reviews = sum(1 for r in standin.requests if r[1].endswith("/tokenreviews")) - reviews_before
        assert token_reviews == 1, "four requests within 10 s: one TokenReview, the rest from the cache"
        spec = standin.access_reviews[-1]
        assert spec["user"] == ALICE and "system:serviceaccounts:audit" in spec["groups"] and spec["uid"]
        assert spec["resourceAttributes"] == {"verb": "get", "group": "tokengate.io", "resource": "auditreviews"}

        # The API server stops answering in time (2 s deadline): 503, not a hang and not a page.
        standin.hang_seconds = 4
        began = time.monotonic()
        status, headers, body = review.get("/", token=carol)
        assert status == 503 and "TokenReview failed" in body and headers["retry-after"]
        assert time.monotonic() - began < 3.9
        standin.hang_seconds = 0

        refused = [e for e in review.logs() if e.get("message") == "review page request refused"]
        assert {e["status"] for e in refused} == {"401", "403", "503"}
        assert any(e.get("user") == BOB and e.get("permission") == "get on auditreviews.tokengate.io" for e in refused)
    finally:
        review.stop()
    log_text = review.log_path.read_text()
    for token in (alice, bob, carol, "not-a-kubernetes-token"):
        assert token not in log_text
        assert token.split(".")[-1] not in log_text, "not even the token's signature"


def test_with_the_api_server_down_a_token_gets_503_and_curl_sees_the_same(tmp_path, kube):
    standin, kube_ca = kube
    nothing_there = f"https://127.0.0.1:{unused_loopback_port()}"
    review = RemoteReview(tmp_path, standin, kube_ca, "--listen", "127.0.0.1:0", "--review-require-auth", api_url=nothing_there)
    alice = user_token(standin, "audit", "alice")
    try:
        started = [e for e in review.logs() if "over TLS" in e.get("message", "")]
        assert started and started[0]["why"] == "--review-require-auth", "loopback, yet TLS and tokens: the flag says so"
        curl = ["curl", "-sS", "--cacert", str(review.pki.ca), "-o", "/dev/null", "-w", "%{http_code}",
                f"https://127.0.0.1:{review.port}/coverage"]
        assert subprocess.run(curl, capture_output=True, text=True, timeout=30).stdout == "401"
        began = time.monotonic()
        down = subprocess.run(curl + ["-H", f"Authorization: Bearer {alice}"], capture_output=True, text=True, timeout=30)
        assert down.stdout == "503", down.stderr
        assert time.monotonic() - began < 5
        assert standin.requests == [], "the stand-in was never asked"
    finally:
        review.stop()
    assert alice not in review.log_path.read_text()
    assert any(e.get("status") == "503" and "TokenReview failed" in e.get("reason", "") for e in review.logs())


def test_serve_puts_the_page_off_loopback_on_the_webhook_certificate(tmp_path, kube, tokengate_server, certs):
    standin, kube_ca = kube
    token_file = tmp_path / "sa-token"
    token_file.write_text(standin.api_token)
    server = tokengate_server("--audit-db", tmp_path / "audit.db", "--review-listen", "0.0.0.0:0", "--drain-seconds", "0",
                              "--kube-api-server", standin.url, "--kube-ca", kube_ca, "--kube-token-file", token_file, certs=certs)
    port = server.logged_port("review page listening")
    context = ssl.create_default_context(cafile=str(certs.ca))
    for token, expected in ((None, 401), (user_token(standin, "dev", "bob"), 403), (user_token(standin, "audit", "alice"), 200)):
        conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
        conn.request("GET", "/", headers={"Authorization": f"Bearer {token}"} if token else {})
        response = conn.getresponse()
        assert response.status == expected
        response.read()
        conn.close()
    server.signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0


def served_certificate(port: int) -> bytes:
    """The DER certificate the page presents now (not verified: only which one is compared)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        with context.wrap_socket(sock) as tls:
            return tls.getpeercert(binary_form=True)


def leaf_der(cert_path: Path) -> bytes:
    return ssl.PEM_cert_to_DER_cert(cert_path.read_text())


def replace_certificate(target_cert: Path, target_key: Path, new):
    """Swaps the files in as a Secret update does: write beside, then rename over."""
    for source, target in ((new.cert, target_cert), (new.key, target_key)):
        staged = target.with_suffix(".new")
        staged.write_bytes(source.read_bytes())
        staged.rename(target)


def wait_for_certificate(port: int, expected: bytes, within: float) -> float:
    """Seconds until the page presents `expected`; fails after `within` seconds."""
    start = time.monotonic()
    while time.monotonic() - start < within:
        if served_certificate(port) == expected:
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"the review page still presents its old certificate after {within} s")


def test_audit_serve_rereads_its_certificate_at_cert_reload_seconds(tmp_path, kube):
    standin, kube_ca = kube
    review = RemoteReview(tmp_path, standin, kube_ca, "--listen", "0.0.0.0:0", "--cert-reload-seconds", "0.5")
    try:
        assert served_certificate(review.port) == leaf_der(review.pki.cert)
        renewed = make_certs(tmp_path / "renewed-pki", service="tokengate-review")
        replace_certificate(review.pki.cert, review.pki.key, renewed)
        # At the old fixed 10 s this would not happen within 4 s.
        wait_for_certificate(review.port, leaf_der(renewed.cert), within=4)
        review.pki = renewed  # get() verifies against the new CA
        status, _, body = review.get("/", token=user_token(standin, "audit", "alice"))
        assert status == 200 and "TokenGate review" in body
    finally:
        review.stop()


def test_serve_review_page_rereads_its_certificate_at_cert_reload_seconds(tmp_path, kube, tokengate_server, certs):
    standin, kube_ca = kube
    token_file = tmp_path / "sa-token"
    token_file.write_text(standin.api_token)
    page = make_certs(tmp_path / "page-pki", service="tokengate-review")
    server = tokengate_server("--audit-db", tmp_path / "audit.db", "--review-listen", "0.0.0.0:0", "--drain-seconds", "0",
                              "--review-tls-cert", page.cert, "--review-tls-key", page.key, "--cert-reload-seconds", "0.5",
                              "--kube-api-server", standin.url, "--kube-ca", kube_ca, "--kube-token-file", token_file, certs=certs)
    port = server.logged_port("review page listening")
    assert served_certificate(port) == leaf_der(page.cert)
    renewed = make_certs(tmp_path / "renewed-page-pki", service="tokengate-review")
    replace_certificate(page.cert, page.key, renewed)
    wait_for_certificate(port, leaf_der(renewed.cert), within=4)
    # The renewed page still serves: a request with an allowed token over the new chain.
    context = ssl.create_default_context(cafile=str(renewed.ca))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    conn.request("GET", "/", headers={"Authorization": f"Bearer {user_token(standin, 'audit', 'alice')}"})
    response = conn.getresponse()
    assert response.status == 200
    response.read()
    conn.close()
    server.signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
