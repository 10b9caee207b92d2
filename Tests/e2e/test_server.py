# SPDX-License-Identifier: Apache-2.0
"""End-to-end tests of `tokengate serve` (issue 2): real TLS server on loopback, real clients
(curl, Python ssl + http.client, openssl s_client), certificates from `tokengate certs`."""
import copy
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import FIXTURES, admission_fixture, make_certs, read_http_responses, run_tokengate

MUTATE_FIXTURE = FIXTURES / "admission" / "deployment-create.mutating.v1.30.json"
JSON_HEADERS = {"Content-Type": "application/json"}


def review_with_uid(uid, api_version="admission.k8s.io/v1"):
    review = copy.deepcopy(admission_fixture())
    review["request"]["uid"] = uid
    review["apiVersion"] = api_version
    return json.dumps(review).encode()


def assert_status_body(body, code, reason):
    status = json.loads(body)
    assert status["kind"] == "Status" and status["status"] == "Failure"
    assert status["code"] == code and status["reason"] == reason
    assert status["message"]
    return status


def s_client(port, *args, stdin=b""):
    return subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *args],
                          input=stdin, capture_output=True, timeout=20)


# --- certificates -----------------------------------------------------------------------------

def test_certs_command_writes_ca_and_serving_pair_with_sans_and_0600_key(tmp_path):
    out = tmp_path / "c"
    result = run_tokengate("certs", "--service", "tg", "--namespace", "sys", "--out", out)
    assert "tls.key" in result.stdout
    assert stat.S_IMODE(os.stat(out / "tls.key").st_mode) == 0o600
    text = subprocess.run(["openssl", "x509", "-in", str(out / "tls.crt"), "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    for san in ["DNS:tg,", "DNS:tg.sys,", "DNS:tg.sys.svc,", "DNS:tg.sys.svc.cluster.local,", "DNS:localhost,", "IP Address:127.0.0.1"]:
        assert san in text
    assert "prime256v1" in text or "P-256" in text
    assert "TLS Web Server Authentication" in text
    verify = subprocess.run(["openssl", "verify", "-CAfile", str(out / "ca.crt"), str(out / "tls.crt")],
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    key_check = subprocess.run(["openssl", "pkey", "-in", str(out / "tls.key"), "-noout"], capture_output=True)
    assert key_check.returncode == 0


def test_certs_command_rejects_a_service_name_that_cannot_be_a_dns_label(tmp_path):
    result = run_tokengate("certs", "--service", "Bad_Name", "--namespace", "ns", "--out", tmp_path, check=False)
    assert result.returncode != 0
    assert "DNS label" in result.stderr


def test_cli_version_and_help_explain_every_flag():
    assert run_tokengate("--version").stdout.strip()
    help_text = run_tokengate("serve", "--help").stdout
    for flag in ["--listen", "--tls-cert", "--tls-key", "--client-ca", "--config", "--drain-seconds", "--log-format"]:
        assert flag in help_text
    certs_help = run_tokengate("certs", "--help").stdout
    for flag in ["--service", "--namespace", "--out"]:
        assert flag in certs_help


def test_serve_refuses_to_start_with_a_key_that_does_not_match(tmp_path, certs):
    other = make_certs(tmp_path / "other")
    result = run_tokengate("serve", "--listen", "127.0.0.1:0", "--tls-cert", certs.cert, "--tls-key", other.key, check=False)
    assert result.returncode != 0
    assert "does not match" in result.stderr


# --- real clients -----------------------------------------------------------------------------

def test_curl_with_cacert_health_and_mutate(tokengate_server):
    server = tokengate_server()
    health = subprocess.run(["curl", "-sS", "--cacert", server.ca_path, f"{server.base_url}/healthz"],
                            capture_output=True, text=True, check=True)
    assert json.loads(health.stdout) == {"status": "ok"}
    result = subprocess.run(
        ["curl", "-sS", "--cacert", server.ca_path, "-H", "Content-Type: application/json",
         "--data-binary", f"@{MUTATE_FIXTURE}", "-w", "\n%{http_code} %{http_version}", f"{server.base_url}/mutate?timeout=10s"],
        capture_output=True, text=True, check=True)
    body, _, status = result.stdout.rpartition("\n")
    assert status == "200 1.1"
    review = json.loads(body)
    assert review["apiVersion"] == "admission.k8s.io/v1" and review["kind"] == "AdmissionReview"
    assert review["response"]["uid"] == admission_fixture()["request"]["uid"]
    assert isinstance(review["response"]["allowed"], bool)


def test_python_ssl_client_v1beta1_review_is_answered_in_v1beta1(tokengate_server):
    server = tokengate_server()
    status, headers, body = server.request("POST", "/validate?timeout=5s",
                                           body=review_with_uid("beta-1", "admission.k8s.io/v1beta1"), headers=JSON_HEADERS)
    assert status == 200 and headers["content-type"] == "application/json"
    review = json.loads(body)
    assert review["apiVersion"] == "admission.k8s.io/v1beta1"
    assert review["response"]["uid"] == "beta-1"


def test_openssl_s_client_refuses_tls11_accepts_tls12_and_tls13_with_alpn(tokengate_server):
    server = tokengate_server()
    # SECLEVEL=0 lets the client really offer TLS 1.1, so the refusal is the server's.
    old = s_client(server.port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    assert b"Cipher is (NONE)" in old.stdout or old.returncode != 0
    assert b"alert protocol version" in old.stdout + old.stderr
    for version, cipher_prefix in [("-tls1_2", b"ECDHE-"), ("-tls1_3", b"TLS_")]:
        result = s_client(server.port, version, "-alpn", "http/1.1", "-CAfile", server.ca_path,
                          "-servername", "localhost", "-verify_return_error")
        out = result.stdout
        assert b"ALPN protocol: http/1.1" in out, out
        assert b"Verify return code: 0 (ok)" in out
        assert b"Cipher is " + cipher_prefix in out
    assert server.metric("tokengate_tls_handshake_failures_total") >= 1


def test_weak_tls12_ciphers_are_refused(tokengate_server):
    server = tokengate_server()
    for weak in ["ECDHE-ECDSA-AES128-SHA", "AES128-SHA", "ECDHE-RSA-AES128-SHA256"]:
        result = s_client(server.port, "-tls1_2", "-cipher", weak + "@SECLEVEL=0")
        assert b"Cipher is (NONE)" in result.stdout or b"handshake failure" in result.stdout + result.stderr, weak


def test_keep_alive_many_requests_on_one_connection(tokengate_server):
    server = tokengate_server()
    def handshakes():
        scrape = server.metrics()
        return sum(v for k, v in scrape.items() if k.startswith("tokengate_tls_handshakes_total"))

    handshakes_before = handshakes()
    conn = server.connection()
    conn.connect()
    first_socket = conn.sock
    for i in range(200):
        conn.request("POST", "/mutate?timeout=10s", body=review_with_uid(f"ka-{i}"), headers=JSON_HEADERS)
        response = conn.getresponse()
        assert response.status == 200
        assert json.loads(response.read())["response"]["uid"] == f"ka-{i}"
    assert conn.sock is first_socket  # never reconnected
    conn.close()
    # one handshake for the 200 requests on the keep-alive connection, one for the second scrape
    assert handshakes() - handshakes_before == 2


def test_pipelined_requests_are_answered_in_order(tokengate_server):
    server = tokengate_server()
    sock = server.tls_socket()
    body_a, body_b = review_with_uid("pipe-a"), review_with_uid("pipe-b")
    wire = (b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body_a) + body_a
            + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            + b"POST /validate?timeout=3s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body_b) + body_b
            + b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
    sock.sendall(wire)
    responses = read_http_responses(sock, 4)
    sock.close()
    assert [r[0] for r in responses] == [200, 200, 200, 404]
    assert json.loads(responses[0][2])["response"]["uid"] == "pipe-a"
    assert json.loads(responses[1][2]) == {"status": "ok"}
    assert json.loads(responses[2][2])["response"]["uid"] == "pipe-b"


def test_concurrent_clients(tokengate_server):
    server = tokengate_server()

    def client(n):
        conn = server.connection()
        uids = []
        for i in range(25):
            uid = f"c{n}-{i}"
            conn.request("POST", "/mutate", body=review_with_uid(uid), headers=JSON_HEADERS)
            response = conn.getresponse()
            assert response.status == 200
            uids.append(json.loads(response.read())["response"]["uid"] == uid)
        conn.close()
        return all(uids)

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(client, range(16)))
    assert results == [True] * 16
    assert server.metric('tokengate_http_requests_total{route="/mutate",method="POST",code="200"}') == 400


# --- certificate rotation ---------------------------------------------------------------------

def peer_serial(server, cafile) -> str:
    sock = server.tls_socket(cafile=cafile)
    try:
        return sock.getpeercert()["serialNumber"].upper().lstrip("0")
    finally:
        sock.close()


def write_atomically(source, destination):
    temporary = str(destination) + ".swap"
    shutil.copyfile(source, temporary)
    os.replace(temporary, destination)


class BackgroundSender:
    """Keeps sending: admission reviews on one keep-alive connection, and health checks on new
    connections (new handshakes), recording every failure."""

    def __init__(self, server, cafile):
        self.server, self.cafile = server, cafile
        self.failures, self.sent = [], 0
        self.stop_event = threading.Event()
        self.keepalive = server.connection(cafile=cafile)
        self.keepalive.connect()
        self.keepalive_socket = self.keepalive.sock
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        i = 0
        while not self.stop_event.is_set():
            i += 1
            try:
                self.keepalive.request("POST", "/mutate", body=review_with_uid(f"rot-{i}"), headers=JSON_HEADERS)
                response = self.keepalive.getresponse()
                if response.status != 200 or json.loads(response.read())["response"]["uid"] != f"rot-{i}":
                    self.failures.append(("keep-alive", response.status))
                status, _, _ = self.server.request("GET", "/healthz", cafile=self.cafile)
                if status != 200:
                    self.failures.append(("new connection", status))
                self.sent += 2
            except Exception as error:  # any failure is a test failure, recorded with its reason
                self.failures.append(("exception", repr(error)))
            time.sleep(0.01)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(timeout=20)


def wait_for_serial(server, cafile, serial, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if peer_serial(server, cafile) == serial:
            return True
        time.sleep(0.1)
    return False


def both_cas(tmp_path, a, b):
    bundle = tmp_path / "both-cas.pem"
    bundle.write_bytes(a.ca.read_bytes() + b.ca.read_bytes())
    return str(bundle)


def test_certificate_rotation_while_a_client_keeps_sending(tmp_path, tokengate_server):
    a, b = make_certs(tmp_path / "a"), make_certs(tmp_path / "b")
    served = tmp_path / "served"
    served.mkdir()
    shutil.copyfile(a.cert, served / "tls.crt")
    shutil.copyfile(a.key, served / "tls.key")
    server = tokengate_server("--cert-reload-seconds", "0.2", certs=a,
                              cert_path=served / "tls.crt", key_path=served / "tls.key")
    cafile = both_cas(tmp_path, a, b)
    server.ca_path = cafile
    assert peer_serial(server, cafile) == a.serial().lstrip("0")
    with BackgroundSender(server, cafile) as sender:
        time.sleep(0.5)
        write_atomically(b.cert, served / "tls.crt")
        write_atomically(b.key, served / "tls.key")
        assert wait_for_serial(server, cafile, b.serial().lstrip("0"))
        time.sleep(0.5)
    assert sender.failures == []
    assert sender.sent > 20
    # the connection opened before the rotation was never replaced and still has the old certificate
    assert sender.keepalive.sock is sender.keepalive_socket
    assert sender.keepalive_socket.getpeercert()["serialNumber"].upper().lstrip("0") == a.serial().lstrip("0")
    assert server.metric('tokengate_tls_certificate_reloads_total{result="success"}') >= 1
    assert any(e.get("message") == "TLS certificate reloaded" for e in server.logs())


def test_certificate_rotation_by_kubernetes_data_symlink_swap(tmp_path, tokengate_server):
    a, b = make_certs(tmp_path / "a"), make_certs(tmp_path / "b")
    mount = tmp_path / "mount"
    (mount / "..2026_01_01_00_00_00.1").mkdir(parents=True)
    shutil.copyfile(a.cert, mount / "..2026_01_01_00_00_00.1" / "tls.crt")
    shutil.copyfile(a.key, mount / "..2026_01_01_00_00_00.1" / "tls.key")
    os.symlink("..2026_01_01_00_00_00.1", mount / "..data")
    os.symlink("..data/tls.crt", mount / "tls.crt")
    os.symlink("..data/tls.key", mount / "tls.key")
    server = tokengate_server("--cert-reload-seconds", "0.2", certs=a,
                              cert_path=mount / "tls.crt", key_path=mount / "tls.key")
    cafile = both_cas(tmp_path, a, b)
    server.ca_path = cafile
    with BackgroundSender(server, cafile) as sender:
        # what kubelet's AtomicWriter does: new timestamped dir, new ..data_tmp link, rename over ..data
        new_dir = mount / "..2026_01_01_00_05_00.2"
        new_dir.mkdir()
        shutil.copyfile(b.cert, new_dir / "tls.crt")
        shutil.copyfile(b.key, new_dir / "tls.key")
        os.symlink(new_dir.name, mount / "..data_tmp")
        os.replace(mount / "..data_tmp", mount / "..data")
        shutil.rmtree(mount / "..2026_01_01_00_00_00.1")
        assert wait_for_serial(server, cafile, b.serial().lstrip("0"))
    assert sender.failures == []
    assert server.metric('tokengate_tls_certificate_reloads_total{result="success"}') == 1


def test_broken_new_pair_is_logged_and_the_old_certificate_kept(tmp_path, tokengate_server):
    a, b = make_certs(tmp_path / "a"), make_certs(tmp_path / "b")
    served = tmp_path / "served"
    served.mkdir()
    shutil.copyfile(a.cert, served / "tls.crt")
    shutil.copyfile(a.key, served / "tls.key")
    server = tokengate_server("--cert-reload-seconds", "0.2", certs=a,
                              cert_path=served / "tls.crt", key_path=served / "tls.key")
    cafile = both_cas(tmp_path, a, b)
    server.ca_path = cafile
    write_atomically(b.cert, served / "tls.crt")  # new certificate, old key: mismatch
    deadline = time.monotonic() + 10
    while server.metric('tokengate_tls_certificate_reloads_total{result="failure"}') < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.metric('tokengate_tls_certificate_reloads_total{result="failure"}') == 1
    assert peer_serial(server, cafile) == a.serial().lstrip("0")
    errors = [e for e in server.logs() if e.get("level") == "error"]
    assert any("does not match" in e.get("error", "") for e in errors)
    (served / "tls.key").write_text("-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n")
    time.sleep(0.6)
    assert peer_serial(server, cafile) == a.serial().lstrip("0")
    write_atomically(b.key, served / "tls.key")
    assert wait_for_serial(server, cafile, b.serial().lstrip("0"))
    assert server.metric('tokengate_tls_certificate_reloads_total{result="failure"}') == 2


# --- bad input: each gets its clear answer, and the server keeps serving ----------------------

def test_malformed_json_and_non_admission_bodies_get_400(tokengate_server):
    server = tokengate_server()
    for body in [b"{not json", b"[1,2,3]", b'{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"}',
                 b'{"kind":"Pod","apiVersion":"v1","request":{"uid":"x"}}', b"", b'{"a":1,"a":2}']:
        status, headers, response = server.request("POST", "/mutate", body=body, headers=JSON_HEADERS)
        assert status == 400, body
        assert headers["content-type"] == "application/json"
        # the admission codec owns the wording; it must be a JSON object that says something
        answer = json.loads(response)
        assert isinstance(answer, dict) and json.dumps(answer) != "{}" 
    assert server.request("GET", "/healthz")[0] == 200


def test_truncated_body_gets_408_after_the_read_timeout(tokengate_server):
    server = tokengate_server("--read-timeout-seconds", "1")
    sock = server.tls_socket()
    sock.sendall(b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\":")
    [(status, headers, body)] = read_http_responses(sock, 1)
    assert status == 408 and headers["connection"] == "close"
    assert_status_body(body, 408, "Timeout")
    sock.close()
    # a client that vanishes in the middle of a body
    sock = server.tls_socket()
    sock.sendall(b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
    sock.close()
    assert server.request("GET", "/healthz")[0] == 200


def test_oversized_bodies_get_413_declared_or_chunked(tokengate_server):
    server = tokengate_server("--max-body-bytes", "65536")
    status, headers, body = server.request("POST", "/mutate", body=b"x" * 70000, headers=JSON_HEADERS)
    assert status == 413 and headers["connection"] == "close"
    assert_status_body(body, 413, "RequestEntityTooLarge")
    sock = server.tls_socket()
    sock.sendall(b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    for _ in range(5):
        sock.sendall(b"4000\r\n" + b"y" * 0x4000 + b"\r\n")
    [(status, _, body)] = read_http_responses(sock, 1)
    assert status == 413
    sock.close()
    assert server.request("GET", "/healthz")[0] == 200


def test_early_413_then_a_stalled_client_is_only_closed(tokengate_server):
    server = tokengate_server("--max-body-bytes", "65536", "--read-timeout-seconds", "1")
    sock = server.tls_socket()
    sock.sendall(b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n\r\n{")
    [(status, headers, _)] = read_http_responses(sock, 1)
    assert status == 413 and headers["connection"] == "close"
    sock.settimeout(10)
    assert sock.recv(4096) == b""  # no second response after the read timeout, just the close
    sock.close()
    assert server.request("GET", "/healthz")[0] == 200
    assert server.process.poll() is None


def test_default_body_limit_is_7_mib(tokengate_server):
    server = tokengate_server()
    status, _, body = server.request("POST", "/mutate", body=b" " * (7 * 1024 * 1024 + 1), headers=JSON_HEADERS)
    assert status == 413
    assert "7340032" in json.loads(body)["message"]


def test_oversized_headers_get_431(tokengate_server):
    server = tokengate_server()
    status, _, body = server.request("GET", "/healthz", headers={"X-Big": "a" * 40000})
    assert status == 431
    assert_status_body(body, 431, "RequestHeaderFieldsTooLarge")
    assert server.request("GET", "/healthz")[0] == 200


def test_wrong_method_405_wrong_content_type_415_unknown_path_404(tokengate_server):
    server = tokengate_server()
    status, headers, body = server.request("GET", "/mutate")
    assert status == 405 and headers["allow"] == "POST"
    assert_status_body(body, 405, "MethodNotAllowed")
    status, headers, body = server.request("DELETE", "/healthz")
    assert status == 405 and headers["allow"] == "GET"
    status, _, body = server.request("POST", "/validate", body=b"{}", headers={"Content-Type": "text/plain"})
    assert status == 415
    assert "text/plain" in assert_status_body(body, 415, "UnsupportedMediaType")["message"]
    status, _, body = server.request("POST", "/validate", body=review_with_uid("ct"),
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    assert status == 200
    status, _, body = server.request("GET", "/admin")
    assert status == 404
    assert_status_body(body, 404, "NotFound")
    # refusals keep the connection usable
    conn = server.connection()
    conn.request("GET", "/mutate")
    assert conn.getresponse().read() and True
    conn.request("GET", "/healthz")
    assert conn.getresponse().status == 200
    conn.close()


def test_malformed_http_inside_tls_gets_400(tokengate_server):
    server = tokengate_server()
    sock = server.tls_socket()
    sock.sendall(b"THIS IS NOT HTTP\r\n\r\n")
    [(status, headers, body)] = read_http_responses(sock, 1)
    assert status == 400 and headers["connection"] == "close"
    assert_status_body(body, 400, "BadRequest")
    sock.close()
    assert server.request("GET", "/healthz")[0] == 200


def test_garbage_bytes_and_plain_http_instead_of_tls(tokengate_server):
    server = tokengate_server()
    failures_before = server.metric("tokengate_tls_handshake_failures_total")
    for garbage in [os.urandom(300), b"\x16\x03\x01\x00\x05hello", b"\x00" * 64, b"SSH-2.0-OpenSSH_9.2\r\n"]:
        with socket.create_connection(("127.0.0.1", server.port), timeout=15) as raw:
            raw.sendall(garbage)
            try:
                received = raw.recv(4096)  # a TLS alert record, or the connection closed
            except ConnectionResetError:
                received = b""
            assert received == b"" or received[0] == 0x15  # 0x15 = TLS alert
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as raw:
        raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = raw.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"use https://" in answer
    assert server.request("GET", "/healthz")[0] == 200
    assert server.metric("tokengate_tls_handshake_failures_total") >= failures_before + 4


def test_wrong_hostname_is_rejected_by_a_verifying_client(tokengate_server):
    server = tokengate_server()
    with pytest.raises(ssl.SSLCertVerificationError):
        server.tls_socket(host="not-the-service.example")


# --- client certificates ----------------------------------------------------------------------

def make_client_pki(directory):
    directory.mkdir()
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
            "-out", "ca.crt", "-subj", "/CN=test client CA", "-days", "2")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "client.key",
            "-out", "client.csr", "-subj", "/CN=kube-apiserver")
    openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "client.crt", "-days", "1")
    return directory


def test_client_ca_requires_a_client_certificate(tmp_path, tokengate_server):
    pki = make_client_pki(tmp_path / "client-pki")
    stranger = make_client_pki(tmp_path / "stranger-pki")
    server = tokengate_server("--client-ca", pki / "ca.crt")
    context = server.ssl_context()
    context.load_cert_chain(pki / "client.crt", pki / "client.key")
    sock = context.wrap_socket(socket.create_connection(("127.0.0.1", server.port), timeout=10), server_hostname="localhost")
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_http_responses(sock, 1)[0][0] == 200
    sock.close()
    for client in [None, stranger]:
        context = server.ssl_context()
        if client:
            context.load_cert_chain(client / "client.crt", client / "client.key")
        with pytest.raises((ssl.SSLError, ConnectionError)):
            sock = context.wrap_socket(socket.create_connection(("127.0.0.1", server.port), timeout=10), server_hostname="localhost")
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            read_http_responses(sock, 1)  # TLS 1.3 reports the refusal on the first read


# --- timeouts, logs, metrics, drain -----------------------------------------------------------

def test_idle_keep_alive_connection_is_closed(tokengate_server):
    server = tokengate_server("--idle-timeout-seconds", "1")
    sock = server.tls_socket()
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert read_http_responses(sock, 1)[0][0] == 200
    sock.settimeout(10)
    started = time.monotonic()
    assert sock.recv(100) == b""  # closed by the server (after close_notify)
    assert time.monotonic() - started < 8
    sock.close()


def test_one_json_log_line_per_admission_request(tokengate_server):
    server = tokengate_server()
    review = admission_fixture()
    server.request("POST", "/mutate?timeout=10s", body=json.dumps(review).encode(), headers=JSON_HEADERS)
    server.request("POST", "/validate", body=b"{oops", headers=JSON_HEADERS)
    time.sleep(0.2)
    lines = [e for e in server.logs() if e.get("message") == "admission"]
    assert len(lines) == 1
    line = lines[0]
    request = review["request"]
    assert line["uid"] == request["uid"]
    assert line["kind"] == "apps/v1/Deployment"
    assert line["namespace"] == request["namespace"] and line["name"] == request["name"]
    assert line["operation"] == "CREATE" and line["decision"] in ("allowed", "patched", "denied")
    assert float(line["latency_ms"]) >= 0 and line["level"] == "info" and line["time"].endswith("Z")
    refused = [e for e in server.logs() if e.get("message") == "admission request refused"]
    assert len(refused) == 1 and refused[0]["http.status"] == "400"


def test_text_log_format_is_not_json(tmp_path, certs):
    log = tmp_path / "text.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([os.environ.get("TOKENGATE_BIN", str(FIXTURES.parents[1] / ".build/debug/tokengate")),
                                    "serve", "--listen", "127.0.0.1:0", "--tls-cert", str(certs.cert), "--tls-key", str(certs.key),
                                    "--log-format", "text", "--drain-seconds", "0"], stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while b"listening" not in log.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.05)
        process.terminate()
        assert process.wait(timeout=20) == 0
    text = log.read_text()
    assert "listening" in text and not text.lstrip().startswith("{")


def test_metrics_exposition(tokengate_server):
    server = tokengate_server()
    server.request("POST", "/mutate", body=review_with_uid("m1"), headers=JSON_HEADERS)
    server.request("GET", "/mutate")
    status, headers, body = server.request("GET", "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    for expected in [
        'tokengate_http_requests_total{route="/mutate",method="POST",code="200"} 1',
        'tokengate_http_requests_total{route="/mutate",method="GET",code="405"} 1',
        'tokengate_http_request_duration_seconds_bucket{route="/mutate",le="10"} 2',
        'tokengate_http_request_duration_seconds_bucket{route="/mutate",le="+Inf"} 2',
        "tokengate_http_requests_in_flight 1",
        "tokengate_tls_handshake_failures_total 0",
        'tokengate_tls_certificate_reloads_total{result="success"} 0',
        "# TYPE tokengate_http_request_duration_seconds histogram",
    ]:
        assert expected in text, expected
    expiry = [l for l in text.splitlines() if l.startswith("tokengate_tls_certificate_expiry_timestamp_seconds ")]
    assert len(expiry) == 1 and float(expiry[0].split()[1]) > time.time() + 300 * 86400


def test_sigterm_drains_readyz_503_in_flight_request_completes_exit_0(tokengate_server):
    server = tokengate_server("--drain-seconds", "1.5")
    assert server.request("GET", "/readyz")[0] == 200
    body = review_with_uid("in-flight")
    sock = server.tls_socket()
    # a request in flight: head and half the body sent before SIGTERM, the rest after the listener closed
    sock.sendall(b"POST /mutate?timeout=10s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:200])
    idle = server.tls_socket()  # an idle keep-alive connection
    time.sleep(0.2)
    server.signal()
    time.sleep(0.3)
    status, _, ready = server.request("GET", "/readyz")
    assert status == 503 and json.loads(ready)["status"] == "not ready"
    assert server.request("GET", "/healthz")[0] == 200  # still serving while draining
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
            time.sleep(0.1)
        except ConnectionRefusedError:
            break
    else:
        pytest.fail("listener still open after --drain-seconds")
    sock.sendall(body[200:])
    [(status, headers, response)] = read_http_responses(sock, 1)
    assert status == 200 and headers["connection"] == "close"
    assert json.loads(response)["response"]["uid"] == "in-flight"
    idle.settimeout(5)
    assert idle.recv(100) == b""  # idle connection was closed by the drain
    assert server.wait(timeout=20) == 0
    messages = [e.get("message") for e in server.logs()]
    assert "draining: /readyz answers 503" in messages and messages[-1] == "stopped"


# --- hostile input ----------------------------------------------------------------------------

HOSTILE_REQUESTS = [
    b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}",
    b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    b"GET /heal\x00thz HTTP/1.1\r\nHost: x\r\n\r\n",
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
    b"\xff\xfe\xfd GARBAGE \x00\x01\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\n" + b"X: y\r\n" * 2000 + b"\r\n",
    b"CONNECT localhost:443 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\nnull",
    b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n" + b"[" * 2000,
    b"POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 26\r\n\r\n{\"a\":\"\xff\xfe invalid utf8\"}",
]


def send_raw(server, wire):
    """Sends bytes inside TLS; returns the status code of the answer, or None if the server
    just closed the connection."""
    sock = server.tls_socket()
    try:
        sock.sendall(wire)
        try:
            return read_http_responses(sock, 1, timeout=15)[0][0]
        except (ConnectionError, ssl.SSLError):
            return None
    finally:
        sock.close()


def test_hostile_requests_get_4xx_or_a_close_and_the_server_survives(tokengate_server):
    server = tokengate_server()
    for wire in HOSTILE_REQUESTS:
        status = send_raw(server, wire)
        assert status is None or 400 <= status < 500, (wire[:60], status)
        assert server.process.poll() is None, wire[:60]
    assert server.request("GET", "/healthz")[0] == 200


def test_random_bytes_inside_and_outside_tls_never_stop_the_server(tokengate_server):
    import random
    rng = random.Random(2)  # fixed seed: the same inputs every run
    server = tokengate_server()
    for i in range(60):
        payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 3000)))
        if i % 2:
            payload = b"POST /mutate HTTP/1.1\r\nContent-Type: application/json\r\n" + payload
            status = send_raw(server, payload)
            assert status is None or 400 <= status < 500
        else:
            with socket.create_connection(("127.0.0.1", server.port), timeout=15) as raw:
                raw.sendall(payload)
                try:
                    raw.recv(100)
                except ConnectionResetError:
                    pass
    assert server.process.poll() is None
    assert server.request("GET", "/healthz")[0] == 200


def test_tls12_renegotiation_is_refused_and_compression_is_off(tokengate_server):
    server = tokengate_server()
    script = "sleep 1; printf 'R\\n'; sleep 1"
    result = subprocess.run(f"({script}) | openssl s_client -connect 127.0.0.1:{server.port} -tls1_2 -CAfile {server.ca_path}",
                            shell=True, capture_output=True, timeout=20)
    out = result.stdout + result.stderr
    assert b"RENEGOTIATING" in out and b"no renegotiation" in out
    assert b"Compression: NONE" in out
    assert server.request("GET", "/healthz")[0] == 200


def test_connections_beyond_the_limit_are_closed_and_the_server_recovers(tokengate_server):
    server = tokengate_server("--max-connections", "2")
    first, second = server.tls_socket(), server.tls_socket()
    first.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b"tokengate_open_connections 2" in read_http_responses(first, 1)[0][2]
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        third = server.tls_socket()
        third.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        read_http_responses(third, 1)
    first.close()
    second.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            assert server.request("GET", "/healthz")[0] == 200
            break
        except (ssl.SSLError, ConnectionError):
            time.sleep(0.1)  # the closed connections are released asynchronously
    else:
        pytest.fail("server did not accept connections again")


# --- configuration (--config goes to TokenGateAdmission) ---------------------------------------

def test_invalid_config_stops_serve_with_its_reason(tmp_path, certs):
    bad = tmp_path / "bad.yaml"
    bad.write_text("enable_tokenrequest: maybe\n")
    result = run_tokengate("serve", "--listen", "127.0.0.1:0", "--tls-cert", certs.cert, "--tls-key", certs.key,
                           "--config", bad, check=False, timeout=30)
    assert result.returncode != 0
    assert "enable_tokenrequest" in result.stderr and "Usage" not in result.stderr
    result = run_tokengate("serve", "--listen", "127.0.0.1:0", "--tls-cert", certs.cert, "--tls-key", certs.key,
                           "--config", tmp_path / "missing.yaml", check=False, timeout=30)
    assert result.returncode != 0 and "missing.yaml" in result.stderr


def test_mutate_through_the_server_answers_a_json_patch_and_logs_it(tmp_path, tokengate_server):
    import base64
    config = tmp_path / "tokengate.yaml"
    config.write_text("services:\n  enable_tokenrequest: true\ntokengate:\n  selectors:\n    - app: payments-api\n")
    server = tokengate_server(config=config)
    review = admission_fixture()
    status, _, body = server.request("POST", "/mutate?timeout=10s", body=json.dumps(review).encode(), headers=JSON_HEADERS)
    assert status == 200
    response = json.loads(body)["response"]
    assert response["uid"] == review["request"]["uid"] and response["allowed"] is True
    assert response["patchType"] == "JSONPatch"
    operations = json.loads(base64.b64decode(response["patch"], validate=True))
    assert isinstance(operations, list) and operations
    time.sleep(0.2)
    [line] = [e for e in server.logs() if e.get("message") == "admission"]
    assert line["decision"] == "patched" and int(line["patch_ops"]) == len(operations)
