# SPDX-License-Identifier: Apache-2.0
"""Load for the fault tests (issue 12 §2): clients that retry the way the API server's webhook
client does, run on threads for a bounded count and time while a test breaks something.

    load = Load(server.port, server.ca_path, mutate_request, threads=4, max_requests=2000)
    with load:                       # started; stopped and joined (bounded) on exit
        ... break something ...
    load.results                     # one Result per request, in the order they finished

The retry rule (k8s.io/apiserver/pkg/util/webhook DefaultShouldRetry, on Go's transport): a request
whose connection failed (refused, reset, closed before any answer) is sent again on a new
connection, a few times with a short backoff. An answer, any status, is final: a 5xx is counted,
not retried. Connections are kept alive between requests, as the API server's are.
"""
import http.client
import json
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field

from conftest import admission_fixture

CONNECTION_ERRORS = (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine,
                     http.client.IncompleteRead, ssl.SSLError, socket.timeout, OSError)


@dataclass
class Result:
    name: str  # what was sent, e.g. "mutate" (the request factory's label)
    key: str  # the request's identity (an AdmissionReview uid), for matching with logs and audit rows
    status: int | None  # None: no answer after every retry
    body: bytes = b""
    seconds: float = 0.0  # from the first attempt to the answer (or the last failure)
    attempts: int = 1
    errors: list[str] = field(default_factory=list)  # each failed attempt's error
    started: float = 0.0  # time.monotonic() of the first attempt


class RetryingClient:
    """One keep-alive HTTPS connection at a time to 127.0.0.1:port (SNI/verify as `host`)."""

    def __init__(self, port, cafile, host="localhost", timeout=10.0, retries=4, backoff=0.05, reconnect_every=0):
        self.port, self.host, self.timeout = port, host, timeout
        self.retries, self.backoff = retries, backoff
        self.context = ssl.create_default_context(cafile=str(cafile))
        self.reconnect_every = reconnect_every  # >0: a new connection (a new TLS handshake) every N requests
        self.conn = None
        self.sent_on_conn = 0

    def _connection(self):
        if self.conn is None or (self.reconnect_every and self.sent_on_conn >= self.reconnect_every):
            self.close()
            self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=self.timeout)
            self.sent_on_conn = 0
        return self.conn

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def send(self, name, key, method, path, body=None, headers=None) -> Result:
        result = Result(name, key, None, started=time.monotonic())
        for attempt in range(self.retries + 1):
            result.attempts = attempt + 1
            try:
                conn = self._connection()
                self.sent_on_conn += 1
                conn.request(method, path, body=body, headers=headers or {})
                response = conn.getresponse()
                result.body = response.read()
                result.status = response.status
                if response.getheader("connection", "").lower() == "close":
                    self.close()
                break
            except CONNECTION_ERRORS as error:
                result.errors.append(f"{type(error).__name__}: {error}")
                self.close()
                if isinstance(error, socket.timeout):
                    break  # a request that hung is not resent: the API server's own deadline has passed
                time.sleep(self.backoff * (2 ** attempt))
        result.seconds = time.monotonic() - result.started
        return result


def mutate_request():
    """A `/mutate` of the Deployment fixture with a fresh uid: (name, key, method, path, body, headers)."""
    review = admission_fixture()
    key = str(uuid.uuid4())
    review["request"]["uid"] = key
    return ("mutate", key, "POST", "/mutate?timeout=10s", json.dumps(review).encode(),
            {"Content-Type": "application/json"})


def validate_request():
    """A `/validate` of the Deployment fixture (a quick allowed decision) with a fresh uid."""
    review = admission_fixture("deployment-create.validating.v1.30.json")
    key = str(uuid.uuid4())
    review["request"]["uid"] = key
    return ("validate", key, "POST", "/validate?timeout=10s", json.dumps(review).encode(),
            {"Content-Type": "application/json"})


class Load:
    """`threads` RetryingClients, each sending make_request() in a loop until max_requests in all
    have been sent, max_seconds have passed, or stop() (bounded, whatever happens)."""

    def __init__(self, port, cafile, make_request, threads=4, max_requests=2000, max_seconds=30.0,
                 stop_after_unanswered=0, **client_args):
        self.port, self.cafile, self.make_request = port, cafile, make_request
        self.threads, self.max_requests, self.max_seconds = threads, max_requests, max_seconds
        self.stop_after_unanswered = stop_after_unanswered  # >0: a client stops after N unanswered in a row
        self.client_args = client_args
        self.results: list[Result] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sent = 0
        self._workers = []

    def _take(self) -> bool:
        with self._lock:
            if self._stop.is_set() or self._sent >= self.max_requests:
                return False
            self._sent += 1
            return True

    def _run(self):
        client = RetryingClient(self.port, self.cafile, **self.client_args)
        deadline = time.monotonic() + self.max_seconds
        unanswered = 0
        try:
            while time.monotonic() < deadline and self._take():
                name, key, method, path, body, headers = self.make_request()
                result = client.send(name, key, method, path, body, headers)
                with self._lock:
                    self.results.append(result)
                unanswered = unanswered + 1 if result.status is None else 0
                if self.stop_after_unanswered and unanswered >= self.stop_after_unanswered:
                    return
        finally:
            client.close()

    def start(self):
        for _ in range(self.threads):
            worker = threading.Thread(target=self._run, daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def stop(self):
        self._stop.set()

    def join(self, timeout=None):
        deadline = time.monotonic() + (self.max_seconds + 30 if timeout is None else timeout)
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        assert not any(w.is_alive() for w in self._workers), "the load did not stop in time"

    def wait_for(self, count, timeout=20.0):
        """Returns once `count` results are in (so a fault lands under load)."""
        deadline = time.monotonic() + timeout
        while len(self.results) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.results) >= count, f"only {len(self.results)} requests finished in {timeout}s"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.join()

    # -- summaries ---------------------------------------------------------------------------
    def failed(self):
        """Requests without a 2xx answer: no answer at all, or a 5xx/4xx."""
        return [r for r in self.results if r.status is None or not 200 <= r.status < 300]

    @staticmethod
    def describe(results, limit=5) -> str:
        return "; ".join(f"{r.name} {r.key[:8]} status={r.status} attempts={r.attempts} errors={r.errors[-2:]}"
                         for r in results[:limit]) + (f" (+{len(results) - limit} more)" if len(results) > limit else "")
