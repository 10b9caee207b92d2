# SPDX-License-Identifier: Apache-2.0
"""Shared pytest fixtures for TokenGate's end-to-end tests.

Everything here starts real processes: the `tokengate` binary ($TOKENGATE_BIN, default
.build/debug/tokengate) serving TLS on an ephemeral loopback port, with certificates made by
`tokengate certs`. Other test files reuse these fixtures:

    def test_x(tokengate_server):
        server = tokengate_server()                      # default flags
        server = tokengate_server("--drain-seconds", "1", config=path)
        server.base_url, server.ca_path, server.port, server.request("GET", "/healthz")

    def test_y(postgres):                                # a REAL PostgreSQL server's DSN (one per module)
"""
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Tests" / "Fixtures"


def tokengate_binary() -> str:
    path = os.environ.get("TOKENGATE_BIN", str(REPO / ".build" / "debug" / "tokengate"))
    if not os.path.exists(path):
        pytest.fail(f"tokengate binary not found at {path}; run `swift build` or set TOKENGATE_BIN")
    return path


def run_tokengate(*args, check=True, timeout=60):
    return subprocess.run([tokengate_binary(), *map(str, args)], capture_output=True, text=True,
                          check=check, timeout=timeout)


class CertSet:
    """ca.crt / tls.crt / tls.key written by `tokengate certs` into `directory`."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.ca = self.dir / "ca.crt"
        self.cert = self.dir / "tls.crt"
        self.key = self.dir / "tls.key"

    def serial(self) -> str:
        out = subprocess.run(["openssl", "x509", "-in", str(self.cert), "-noout", "-serial"],
                             capture_output=True, text=True, check=True).stdout
        return out.strip().split("=", 1)[1].upper()


def make_certs(directory, service="tokengate", namespace="tokengate-system") -> CertSet:
    run_tokengate("certs", "--service", service, "--namespace", namespace, "--out", directory)
    return CertSet(directory)


@pytest.fixture
def certs(tmp_path) -> CertSet:
    return make_certs(tmp_path / "certs")


class TokenGateServer:
    """A running `tokengate serve`; logs go to a file (JSON lines) that tests can read."""

    def __init__(self, args, cert_set: CertSet, log_path: Path, ca_path: Path):
        self.args = args
        self.certs = cert_set
        self.ca_path = str(ca_path)
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen([tokengate_binary(), *args], stdout=self._log, stderr=subprocess.STDOUT)
        self.port = self._wait_for_port()
        self.base_url = f"https://localhost:{self.port}"

    def _wait_for_port(self, timeout=20.0) -> int:
        return self.logged_port("listening", timeout)

    def logged_port(self, message: str, timeout=20.0) -> int:
        """The port of the address a log line with this message reports (`listening` for the
        webhook, `review page listening` for the review page), waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for entry in self.logs():
                if entry.get("message") == message:
                    return int(entry["address"].rsplit(":", 1)[1])
            if self.process.poll() is not None:
                raise RuntimeError(f"tokengate serve exited with {self.process.returncode}:\n{self.log_text()}")
            time.sleep(0.05)
        raise RuntimeError(f"tokengate serve did not log {message!r} with its address:\n{self.log_text()}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def logs(self):
        """Parsed JSON log lines (non-JSON lines are skipped)."""
        entries = []
        for line in self.log_text().splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                pass
        return entries

    def ssl_context(self, cafile=None) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=cafile or self.ca_path)

    def connection(self, host="localhost", cafile=None, timeout=10) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(host, self.port, context=self.ssl_context(cafile), timeout=timeout)

    def request(self, method, path, body=None, headers=None, cafile=None):
        """One request on a new connection; returns (status, headers dict, body bytes)."""
        conn = self.connection(cafile=cafile)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()

    def tls_socket(self, host="localhost", cafile=None, timeout=10) -> ssl.SSLSocket:
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return self.ssl_context(cafile).wrap_socket(raw, server_hostname=host)

    def metrics(self) -> dict:
        """One scrape of /metrics: {'name{labels}': value} (on its own new connection)."""
        _, _, body = self.request("GET", "/metrics")
        values = {}
        for line in body.decode().splitlines():
            if line and not line.startswith("#"):
                series, _, value = line.rpartition(" ")
                values[series] = float(value)
        return values

    def metric(self, name_and_labels: str) -> float:
        """Value of one series, e.g. 'tokengate_tls_handshake_failures_total'; 0 when absent."""
        return self.metrics().get(name_and_labels, 0.0)

    def signal(self, number=signal.SIGTERM):
        self.process.send_signal(number)

    def wait(self, timeout=30) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture
def tokengate_server(tmp_path):
    """Factory: tokengate_server(*extra_args, certs=None, config=None) starts `tokengate serve`
    on 127.0.0.1 with an ephemeral port and JSON logs, and stops it after the test."""
    started = []

    def start(*extra_args, certs: CertSet = None, config=None, cert_path=None, key_path=None):
        index = len(started)
        cert_set = certs or make_certs(tmp_path / f"server-certs-{index}")
        args = ["serve", "--listen", "127.0.0.1:0",
                "--tls-cert", str(cert_path or cert_set.cert), "--tls-key", str(key_path or cert_set.key),
                "--log-format", "json"]
        if config is not None:
            args += ["--config", str(config)]
        args += [str(a) for a in extra_args]
        server = TokenGateServer(args, cert_set, tmp_path / f"server-{index}.log", cert_set.ca)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()



@pytest.fixture
def broker_env(tmp_path, tokengate_server):
    """A BrokerEnv (broker_support.py): stand-in clusters and `tokengate serve` with a broker config,
    closed after the test."""
    from broker_support import BrokerEnv  # imported here: broker_support imports this module
    env = BrokerEnv(tmp_path, tokengate_server)
    yield env
    env.close()

def read_http_responses(sock, count, timeout=10):
    """Reads `count` HTTP/1.1 responses (content-length framed) from a socket, in order.
    Returns a list of (status, headers dict, body bytes)."""
    sock.settimeout(timeout)
    buffer = b""
    responses = []
    while len(responses) < count:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"connection closed after {len(responses)} responses")
            buffer += chunk
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if status < 200:
            continue  # 100 Continue
        length = int(headers.get("content-length", "0"))
        while len(buffer) < length:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed inside a response body")
            buffer += chunk
        responses.append((status, headers, buffer[:length]))
        buffer = buffer[length:]
    return responses


def admission_fixture(name="deployment-create.mutating.v1.30.json") -> dict:
    return json.loads((FIXTURES / "admission" / name).read_text())


@pytest.fixture(scope="module")
def postgres():
    """A REAL PostgreSQL server for the module's tests, started by hack/postgres-test.sh (initdb into a
    temporary directory, a free loopback port, `trust` auth); yields its DSN."""
    directory = tempfile.mkdtemp(prefix="tokengate-e2e-pg-")
    os.chmod(directory, 0o755)  # the server runs as `postgres` when the tests run as root
    pg = os.path.join(directory, "pg")
    try:
        dsn = subprocess.run(["bash", str(REPO / "hack" / "postgres-test.sh"), "start", pg], check=True,
                             capture_output=True, text=True, timeout=600).stdout.strip()
        yield dsn
    finally:
        subprocess.run(["bash", str(REPO / "hack" / "postgres-test.sh"), "destroy", pg], capture_output=True, timeout=120)
        shutil.rmtree(directory, ignore_errors=True)


def unused_loopback_port() -> int:
    """A loopback TCP port nothing listens on (bound once by the OS, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
