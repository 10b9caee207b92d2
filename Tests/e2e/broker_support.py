# SPDX-License-Identifier: Apache-2.0
"""Shared setup for the broker-server tests: the real `tokengate serve` with a broker: section,
talking HTTPS to STAND-IN Kubernetes API servers (kube_standin.py, loopback, faithful to
k8s-api.md §4-5 — no real kube-apiserver can run here).

    env = BrokerEnv(tmp_path, tokengate_server)       # via the `broker_env` fixture
    prod = env.add_cluster("prod")                     # a started stand-in API server
    server = env.start()                               # serve with every cluster added so far
    status, headers, body = env.exchange(server, prod.mint(pod, [BROKER_AUDIENCE]))
"""
import http.client
import json
import os
import subprocess
import time
import urllib.parse
from pathlib import Path

from conftest import make_certs, run_tokengate
from kube_standin import KubeStandIn, b64url_decode

BROKER_ISSUER = "https://tokengate.test"
BROKER_AUDIENCE = "https://tokengate.test/token"  # what a pod's projected token must carry
LEDGER = "https://ledger.example.com"
GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt"


def form(token: str, audience: str = LEDGER, **extra) -> bytes:
    fields = {"grant_type": GRANT, "subject_token": token, "subject_token_type": JWT_TYPE, "audience": audience}
    fields.update(extra)
    return urllib.parse.urlencode(fields).encode()


def decode_jwt(token: str):
    header, payload, _ = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


class BrokerEnv:
    """Stand-in clusters, a signing key, a config file and the servers started on them."""

    def __init__(self, tmp_path: Path, start_server):
        self.tmp = tmp_path
        self._start_server = start_server
        self.kube_pki = make_certs(tmp_path / "kube-pki", service="kubernetes", namespace="default")
        self.api_token_file = tmp_path / "api-token"
        self.api_token_file.write_text("standin-reader-token\n")
        self.clusters: dict[str, KubeStandIn] = {}
        self.config_path = tmp_path / "tokengate.yaml"
        self.signing_key = tmp_path / "signing" / "current.pem"
        self.signing_key.parent.mkdir()
        self.kid = self.generate_key(self.signing_key)
        self.broker_extra = "  jwksRefetchIntervalSeconds: 1\n"
        self.cluster_extra: dict[str, str] = {}  # per cluster: more YAML lines, e.g. "verify: jwks"
        self.self_issued: set[str] = set()  # clusters reached with auth.selfIssued instead of tokenFile

    def generate_key(self, path: Path, alg: str = "ES256") -> str:
        args = ["keys", "generate", "--alg", alg, "--out", str(path), "--force"]
        return run_tokengate(*args).stdout.strip()

    def add_cluster(self, name: str) -> KubeStandIn:
        standin = KubeStandIn(str(self.kube_pki.cert), str(self.kube_pki.key))
        standin.__enter__()
        self.clusters[name] = standin
        return standin

    def config_text(self, names=None) -> str:
        names = list(self.clusters) if names is None else names
        clusters = "".join(f"""
    - name: {name}
      issuer: {self.clusters[name].issuer}
      apiServer: {self.clusters[name].url}
      caFile: {self.kube_pki.ca}""" + (self.self_issued_yaml(name) if name in self.self_issued else f"""
      tokenFile: {self.api_token_file}""") + "".join(f"\n      {line}" for line in self.cluster_extra.get(name, "").splitlines())
            for name in names)
        return f"""# tokengate serve config written by broker_support.py
broker:
  issuer: {BROKER_ISSUER}
  audience: {BROKER_AUDIENCE}
  signingKeys: [{self.signing_key}]
{self.broker_extra}  clusters:{clusters}
  policy:
    - name: payments-ledger
      serviceAccounts: [{{namespace: payments, name: "payments-*"}}]
      audiences: [{LEDGER}]
      maxTTLSeconds: 600
"""

    @staticmethod
    def self_issued_audience(name: str) -> str:
        return f"https://{name}.clusters.test"

    def self_issued_yaml(self, name: str) -> str:
        return f"""
      auth:
        selfIssued: {{audience: {self.self_issued_audience(name)}, subject: tokengate-broker, ttlSeconds: 120}}"""

    def write_config(self, names=None) -> Path:
        # Atomic replace, as a ConfigMap update is: the server never reads a half-written file.
        staging = self.config_path.with_suffix(".tmp")
        staging.write_text(self.config_text(names))
        os.replace(staging, self.config_path)
        return self.config_path

    def start(self, *args, names=None):
        self.write_config(names)
        return self.serve(self.config_path, *args)

    def serve(self, config: Path, *args):
        """`tokengate serve` with this env's flags on `config` (start() writes it first; a second
        replica passes a config of its own)."""
        # A generous API budget (a loaded CI machine must not turn into 503s); tests that are about
        # timeouts pass their own --kube-timeout-seconds, and the later flag wins.
        server = self._start_server("--broker-reload-seconds", "0.3", "--kube-timeout-seconds", "10", *args, config=config)
        wait_for_log(server, lambda e: e.get("message") == "listening")
        return server

    def pod(self, cluster: KubeStandIn, name: str = "payments-api-6d9f7c8b5-k2x9p"):
        return cluster.add_pod("payments", name, "payments-api", node_name="worker-2")

    @staticmethod
    def exchange(server, token: str, audience: str = LEDGER, content_type="application/x-www-form-urlencoded", body=None):
        status, headers, raw = server.request("POST", "/token", body=form(token, audience) if body is None else body,
                                              headers={"Content-Type": content_type})
        return status, headers, json.loads(raw)

    def close(self):
        for standin in self.clusters.values():
            standin.__exit__(None, None, None)


def exchange_logs(server):
    return [e for e in server.logs() if e.get("message") == "token exchange"]


def wait_for_log(server, predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in server.logs():
            if predicate(entry):
                return entry
        time.sleep(0.05)
    raise AssertionError(f"no matching log line within {timeout}s:\n{server.log_text()[-4000:]}")


def audit_query(db: Path, *args):
    result = run_tokengate("audit", "query", "--db", str(db), "--format", "json", *args, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def curl(*args, input_text=None):
    return subprocess.run(["curl", "-sS", *map(str, args)], capture_output=True, text=True, input=input_text, timeout=30)
