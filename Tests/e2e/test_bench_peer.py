# SPDX-License-Identifier: Apache-2.0
"""hack/bench-mutate.sh's Go peer does TokenGate's projection (issue 11 §7).

The benchmark compares TokenGate with hack/peer/go-webhook, the Go standard-library webhook of
the tutorials. The comparison means something only while both do the same work, so this builds
the peer from the repository (GOPROXY=off: standard library only), serves both with the same
certificate and the benchmark's configuration, and checks that each review gets patches that
python `jsonpatch` turns into the same object, built from the same operations. When TokenGate's
projection changes, this fails until the peer follows. Nothing here is timed.

Needs: go (Debian golang-go, from hack/install-deps.sh --test), jsonpatch; the binary at $TOKENGATE_BIN.
"""
import base64
import copy
import http.client
import json
import os
import shutil
import ssl
import subprocess
import time

import jsonpatch
import pytest

from conftest import REPO, admission_fixture

PEER_SOURCE = REPO / "hack" / "peer" / "go-webhook"
AUDIENCE = "https://kubernetes.default.svc"
# The configuration hack/bench-mutate.sh gives both webhooks.
CONFIG = f"""
enable_tokenrequest: true
token_request_audience: {AUDIENCE}
token_request_expiration_seconds: 600
tokengate:
  selectors:
    - app: payments-api
"""
PEER_ARGS = ["-audience", AUDIENCE, "-expiration-seconds", "600", "-selector", "app=payments-api"]


@pytest.fixture
def go_peer(tmp_path):
    """Factory: go_peer(cert_set) builds and starts the peer; returns its port."""
    go = shutil.which("go")
    if go is None:
        pytest.fail("go is not installed: hack/install-deps.sh --test installs golang-go")
    binary = tmp_path / "go-webhook"
    env = dict(os.environ, GOFLAGS="-mod=mod", GOPROXY="off", GOCACHE=str(tmp_path / "go-cache"),
               GOPATH=str(tmp_path / "go-path"))
    built = subprocess.run([go, "build", "-o", str(binary), "."], cwd=PEER_SOURCE, env=env,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    processes = []

    def start(cert_set):
        log = tmp_path / "go-webhook.log"
        process = subprocess.Popen([str(binary), "-listen", "127.0.0.1:0", "-tls-cert", str(cert_set.cert),
                                    "-tls-key", str(cert_set.key), *PEER_ARGS],
                                   stdout=open(log, "wb"), stderr=subprocess.STDOUT)
        processes.append(process)
        for _ in range(200):
            text = log.read_text()
            if text.startswith("listening on "):
                return int(text.split()[2].rsplit(":", 1)[1])
            assert process.poll() is None, f"go-webhook exited:\n{text}"
            time.sleep(0.05)
        raise AssertionError(f"go-webhook did not report its address:\n{log.read_text()}")

    yield start
    for process in processes:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def both(tokengate_server, go_peer, tmp_path):
    """(tokengate port, peer port, CA path): both serving the same certificate."""
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    server = tokengate_server(config=config)
    return server.port, go_peer(server.certs), server.ca_path


def mutate(port, ca_path, review) -> dict:
    """POST the review as the API server does (HTTP/1.1, TLS, ?timeout=) and return the response."""
    conn = http.client.HTTPSConnection("localhost", port, timeout=30,
                                       context=ssl.create_default_context(cafile=ca_path))
    try:
        conn.request("POST", "/mutate?timeout=10s", json.dumps(review).encode(), {"Content-Type": "application/json"})
        answer = conn.getresponse()
        body = answer.read()
        assert answer.status == 200, body
        assert answer.version == 11
    finally:
        conn.close()
    review_answer = json.loads(body)
    assert review_answer["kind"] == "AdmissionReview" and review_answer["apiVersion"] == review["apiVersion"]
    response = review_answer["response"]
    assert response["uid"] == review["request"]["uid"] and response["allowed"] is True
    return response


def ops(response) -> list:
    if "patch" not in response:
        return []
    assert response["patchType"] == "JSONPatch"
    return json.loads(base64.b64decode(response["patch"], validate=True))


def assert_same_projection(both, review):
    tokengate_port, peer_port, ca_path = both
    expected, got = mutate(tokengate_port, ca_path, review), mutate(peer_port, ca_path, review)
    obj = review["request"]["object"]
    assert jsonpatch.apply_patch(obj, ops(got)) == jsonpatch.apply_patch(obj, ops(expected)), \
        f"the peer's patch gives another object\nTokenGate: {ops(expected)}\npeer: {ops(got)}"
    assert ops(got) == ops(expected), "same object, but the operations differ"
    assert got.get("auditAnnotations") == expected.get("auditAnnotations")
    return ops(expected)


def test_the_benchmark_review_gets_the_same_patch(both):
    patch = assert_same_projection(both, admission_fixture())
    assert [op["path"] for op in patch] == [
        "/spec/template/spec/automountServiceAccountToken", "/spec/template/spec/containers/0/volumeMounts",
        "/spec/template/spec/volumes", "/metadata/annotations/tokengate.io~1projected"]


def test_a_review_with_init_containers_existing_mounts_and_no_annotations(both):
    """The peer computes the patch from the request: other indices, appends to existing arrays,
    a whole annotations map, another namespace and name, selection by the pod template only."""
    review = admission_fixture()
    review["request"].update(uid="peer-2", namespace="billing", name="ledger")
    obj = review["request"]["object"]
    obj["metadata"] = {"name": "ledger", "namespace": "billing", "labels": {"team": "billing"}}
    spec = obj["spec"]["template"]["spec"]
    spec["initContainers"] = [{"name": "migrate", "image": "registry.example.com/ledger-migrate:2"}]
    spec["containers"].append({"name": "sidecar", "image": "registry.example.com/proxy:1",
                               "volumeMounts": [{"name": "cache", "mountPath": "/cache"}]})
    spec["volumes"] = [{"name": "cache", "emptyDir": {}}]
    patch = assert_same_projection(both, review)
    assert len([op for op in patch if op["path"].endswith("volumeMounts") or op["path"].endswith("volumeMounts/-")]) == 3


def test_unselected_and_already_projected_reviews_get_no_patch_from_either(both):
    unselected = admission_fixture()
    unselected["request"]["object"]["metadata"]["labels"] = {"app": "other"}
    unselected["request"]["object"]["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    assert assert_same_projection(both, unselected) == []

    review = admission_fixture()
    tokengate_port, _, ca_path = both
    projected = copy.deepcopy(review)
    projected["request"]["object"] = jsonpatch.apply_patch(review["request"]["object"],
                                                           ops(mutate(tokengate_port, ca_path, review)))
    assert assert_same_projection(both, projected) == []
