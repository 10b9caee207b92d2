# SPDX-License-Identifier: Apache-2.0
"""TrustedCluster resources (issue 13) through the real `tokengate serve` and `tokengate lint`:
the validating webhook on /validate, lint offline, and (with broker.clusterResources: true) the
LIST/WATCH reconciler against STAND-IN Kubernetes API servers (kube_standin.py, loopback).
"""
import json
import subprocess
import uuid

import pytest
import yaml

from conftest import tokengate_binary

JSON_HEADERS = {"Content-Type": "application/json"}

GOOD = {
    "apiVersion": "tokengate.io/v1alpha1", "kind": "TrustedCluster",
    "metadata": {"name": "prod-b", "generation": 1},
    "spec": {
        "issuer": "https://prod-b.example.com", "apiServer": "https://prod-b.example.com:6443",
        "caConfigMap": {"name": "prod-b-ca", "key": "ca.crt"},
        "auth": {"selfIssued": {"audience": "https://prod-b.example.com/tokengate", "subject": "tokengate-broker"}},
    },
}


def review(obj, operation="CREATE"):
    return json.dumps({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": str(uuid.uuid4()),
            "kind": {"group": "tokengate.io", "version": "v1alpha1", "kind": "TrustedCluster"},
            "resource": {"group": "tokengate.io", "version": "v1alpha1", "resource": "trustedclusters"},
            "requestKind": {"group": "tokengate.io", "version": "v1alpha1", "kind": "TrustedCluster"},
            "requestResource": {"group": "tokengate.io", "version": "v1alpha1", "resource": "trustedclusters"},
            "name": obj["metadata"]["name"], "operation": operation,
            "userInfo": {"username": "admin", "groups": ["system:masters"]},
            "object": obj, "oldObject": None, "dryRun": False,
            "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"},
        },
    }).encode()


def validate(server, obj):
    status, _, body = server.request("POST", "/validate?timeout=10s", body=review(obj), headers=JSON_HEADERS)
    assert status == 200
    return json.loads(body)["response"]


def test_webhook_allows_a_good_trusted_cluster(tokengate_server):
    server = tokengate_server()
    response = validate(server, GOOD)
    assert response["allowed"] is True


@pytest.mark.parametrize("field,value,path,words", [
    ("caBundle", "not a certificate", "spec.caBundle", "is not PEM"),
    ("jwksURL", "https://keys.elsewhere.example.net/jwks", "spec.jwksURL", "not the issuer's host"),
])
def test_webhook_denies_what_the_schema_cannot_say_with_path_and_fix(tokengate_server, field, value, path, words):
    server = tokengate_server()
    obj = json.loads(json.dumps(GOOD))
    if field == "jwksURL":
        obj["spec"] = {"issuer": "https://oidc.edge.example.com", "verify": "jwks", "jwksURL": value}
    else:
        obj["spec"].pop("caConfigMap")
        obj["spec"][field] = value
    response = validate(server, obj)
    assert response["allowed"] is False
    message = response["status"]["message"]
    assert response["status"]["code"] == 422 and response["status"]["reason"] == "Invalid"
    assert message.startswith("TrustedCluster prod-b is invalid (1 error):")
    assert f"- {path}: " in message and words in message and "(hint: " in message


def test_lint_checks_trusted_cluster_files_offline_with_positions(tmp_path):
    bad = json.loads(json.dumps(GOOD))
    bad["spec"]["jwksURL"] = "http://prod-b.example.com/jwks"
    twin = json.loads(json.dumps(GOOD))
    twin["metadata"]["name"] = "prod-c"
    path = tmp_path / "clusters.yaml"
    path.write_text(yaml.safe_dump_all([bad, twin], sort_keys=False))
    result = subprocess.run([tokengate_binary(), "lint", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert len(lines) == 2, result.stdout
    text = path.read_text().splitlines()
    for line, needle in zip(lines, ["http://prod-b.example.com/jwks", "https://prod-b.example.com"]):
        _, number, column, _ = line.split(":", 3)
        assert needle in text[int(number) - 1][int(column) - 1:], line
    assert "spec.jwksURL" in lines[0] and "spec.issuer" in lines[1] and 'already used by cluster "prod-b"' in lines[1]


# -- broker.clusterResources: LIST/WATCH against a STAND-IN management API server -------------------
import base64  # noqa: E402
import time  # noqa: E402

from broker_support import BROKER_AUDIENCE, BROKER_ISSUER, BrokerEnv, decode_jwt, wait_for_log  # noqa: E402
from kube_standin import KubeStandIn  # noqa: E402

USER = "tokengate:tokengate-broker"


@pytest.fixture
def fleet(tmp_path, tokengate_server):
    """A management stand-in (serves TrustedClusters, read through a kubeconfig), a file cluster
    `prod` and a remote stand-in `remote` that trusts TokenGate's issuer."""
    env = BrokerEnv(tmp_path, tokengate_server)
    env.add_cluster("prod")
    mgmt = KubeStandIn(str(env.kube_pki.cert), str(env.kube_pki.key))
    mgmt.__enter__()
    mgmt.bookmark_seconds = 0.5
    remote = KubeStandIn(str(env.kube_pki.cert), str(env.kube_pki.key))
    remote.__enter__()
    kubeconfig = tmp_path / "mgmt.kubeconfig"
    ca_data = base64.b64encode(env.kube_pki.ca.read_bytes()).decode()
    kubeconfig.write_text(f"""apiVersion: v1
kind: Config
current-context: mgmt
clusters: [{{name: mgmt, cluster: {{server: "{mgmt.url}", certificate-authority-data: {ca_data}}}}}]
users: [{{name: tokengate, user: {{token: {mgmt.api_token}}}}}]
contexts: [{{name: mgmt, context: {{cluster: mgmt, user: tokengate}}}}]
""")
    env.broker_extra += f"  clusterResources: true\n  clusterResourcesKubeconfig: {kubeconfig}\n"

    class Fleet:
        pass
    f = Fleet()
    f.env, f.mgmt, f.remote = env, mgmt, remote

    def start(*args, listed=True):
        server = env.start("--broker-reload-seconds", "0.5", *args)
        remote.trust_jwt_issuer(BROKER_ISSUER, [AUDIENCE], jwks_url=server.base_url + "/keys", ca_file=server.ca_path,
                                granted=(USER,))
        if listed:
            wait_for_log(server, lambda e: e.get("message") == "TrustedClusters listed")
        return server
    f.start = start
    yield f
    env.close()
    mgmt.__exit__(None, None, None)
    remote.__exit__(None, None, None)


AUDIENCE = "https://remote.clusters.test/tokengate"


def remote_resource(fleet, name="remote", **spec):
    body = {
        "issuer": fleet.remote.issuer, "apiServer": fleet.remote.url,
        "caBundle": fleet.env.kube_pki.ca.read_text(),
        "auth": {"selfIssued": {"audience": AUDIENCE, "subject": "tokengate-broker", "ttlSeconds": 120}},
    }
    body.update(spec)
    body = {k: v for k, v in body.items() if v is not None}
    return {"apiVersion": "tokengate.io/v1alpha1", "kind": "TrustedCluster", "metadata": {"name": name}, "spec": body}


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout}s: {what}")


def ready(fleet, name):
    return fleet.mgmt.conditions(name).get("Ready", {})


def test_cluster_added_by_resource_is_usable_within_5s_and_refused_within_5s_after_delete(fleet):
    server = fleet.start()
    pod = fleet.env.pod(fleet.remote)
    token = lambda: fleet.remote.mint(pod, [BROKER_AUDIENCE])  # noqa: E731
    assert fleet.env.exchange(server, token())[0] == 400, "unknown issuer before the resource exists"

    fleet.mgmt.apply_trusted(remote_resource(fleet))
    added = time.monotonic()
    status, _, body = wait_until(lambda: (r := fleet.env.exchange(server, token()))[0] == 200 and r, 5, "exchange accepted")
    assert time.monotonic() - added < 5
    assert decode_jwt(body["access_token"])[1]["tokengate.io"]["cluster"] == "remote"
    assert f"Bearer {fleet.remote.api_token}" not in fleet.remote.bearers, "no static token for a resource's cluster"
    assert USER in fleet.remote.authenticated_users

    conditions = wait_until(lambda: ready(fleet, "remote").get("status") == "True" and fleet.mgmt.conditions("remote"), 10,
                            "Ready=True written")
    assert conditions["JWKSAvailable"]["status"] == "True" and conditions["Authenticated"]["status"] == "True"
    assert all(c["observedGeneration"] == 1 for c in conditions.values())
    assert fleet.mgmt.trusted["remote"]["status"]["observedGeneration"] == 1

    # The webhook knows the issuers in use, the resources' included.
    twin = remote_resource(fleet, name="remote-twin")
    response = validate(server, twin)
    assert response["allowed"] is False
    assert f'issuer "{fleet.remote.issuer}" is already used by cluster "remote"' in response["status"]["message"]
    assert validate(server, {**remote_resource(fleet), "metadata": {"name": "remote", "generation": 2}})["allowed"], \
        "an update of the same resource keeps its own issuer"

    # Written only on change: a quiet period writes nothing more.
    patches = len(fleet.mgmt.status_patches)
    time.sleep(2.5)
    assert len(fleet.mgmt.status_patches) == patches, fleet.mgmt.status_patches[patches:]

    fleet.mgmt.delete_trusted("remote")
    deleted = time.monotonic()
    status, _, body = wait_until(lambda: (r := fleet.env.exchange(server, token()))[0] != 200 and r, 5, "exchange refused")
    assert time.monotonic() - deleted < 5
    assert status == 400 and body["error"] == "invalid_request"


def test_broken_clusters_report_a_condition_that_names_the_cause(fleet):
    server = fleet.start()
    fleet.mgmt.apply_trusted(remote_resource(fleet, auth={"selfIssued": {"audience": "https://wrong.test", "subject": "tokengate-broker"}}))
    fleet.mgmt.apply_trusted(remote_resource(fleet, name="prod", issuer="https://prod-twin.test", verify="jwks",
                                             jwksURL="https://prod-twin.test/keys"))
    fleet.mgmt.apply_trusted(remote_resource(fleet, name="via-configmap", issuer="https://cm.test", caBundle=None,
                                             caConfigMap={"name": "missing-ca", "key": "ca.crt"}))
    try:
        refused = wait_until(lambda: ready(fleet, "remote").get("reason") == "Unauthorized" and fleet.mgmt.conditions("remote"), 10,
                             "remote: Unauthorized")
    except AssertionError:
        raise AssertionError(f"{fleet.mgmt.conditions('remote')}\n{server.log_text()[-3000:]}")
    assert refused["Ready"]["status"] == "False" and refused["Authenticated"]["status"] == "False"
    assert "audience https://wrong.test" in refused["Authenticated"]["message"]
    assert refused["JWKSAvailable"]["status"] == "False", "discovery needs the same (refused) credential"
    conflict = wait_until(lambda: ready(fleet, "prod").get("reason") == "NameConflict" and ready(fleet, "prod"), 10, "prod: NameConflict")
    assert conflict["status"] == "False" and "file's entry is used" in conflict["message"]
    ca = wait_until(lambda: ready(fleet, "via-configmap").get("reason") == "CAUnavailable" and ready(fleet, "via-configmap"), 10,
                    "CAUnavailable")
    assert "missing-ca does not exist" in ca["message"]

    # The file's prod keeps working, and fixing the ConfigMap makes the cluster usable.
    prod = fleet.env.clusters["prod"]
    assert fleet.env.exchange(server, prod.mint(fleet.env.pod(prod), [BROKER_AUDIENCE]))[0] == 200
    fleet.mgmt.configmaps[("tokengate-system", "missing-ca")] = {"ca.crt": fleet.env.kube_pki.ca.read_text()}
    wait_until(lambda: ready(fleet, "via-configmap").get("reason") != "CAUnavailable", 10, "CA read from the ConfigMap")


def test_watch_resumes_after_bookmarks_a_dropped_watch_and_410_gone(fleet):
    server = fleet.start()
    pod = fleet.env.pod(fleet.remote)
    token = lambda: fleet.remote.mint(pod, [BROKER_AUDIENCE])  # noqa: E731
    first_list = fleet.mgmt.lists
    wait_until(lambda: len(fleet.mgmt.watches) >= 1, 5, "watching")
    fleet.mgmt.apply_trusted(remote_resource(fleet, name="other", issuer="https://other.test", verify="jwks",
                                             jwksURL="https://other.test/keys", apiServer=None, auth=None, caBundle=None))
    wait_until(lambda: ready(fleet, "other").get("status"), 10, "status of other written")
    time.sleep(1.0)
    # Other kinds move the global resourceVersion; only a BOOKMARK carries it to the watcher.
    fleet.mgmt.bump_resource_version(50)
    bookmarked = fleet.mgmt.resource_version
    time.sleep(1.2)  # > bookmark_seconds (0.5)

    # A dropped watch is resumed from the last version seen -- here the bookmark's -- without a new LIST.
    watches = len(fleet.mgmt.watches)
    fleet.mgmt.drop_watches()
    wait_until(lambda: len(fleet.mgmt.watches) > watches, 5, "re-watch after the drop")
    assert int(fleet.mgmt.watches[-1]) >= bookmarked, (fleet.mgmt.watches, bookmarked)
    assert fleet.mgmt.lists == first_list
    fleet.mgmt.apply_trusted(remote_resource(fleet))
    wait_until(lambda: fleet.env.exchange(server, token())[0] == 200, 5, "change seen on the resumed watch")

    # 410 Gone: the version is compacted away; the watcher LISTs again and still sees changes.
    fleet.mgmt.compact()
    fleet.mgmt.drop_watches()
    wait_until(lambda: fleet.mgmt.lists > first_list, 5, "re-LIST after 410")
    wait_for_log(server, lambda e: "410 Gone" in e.get("message", ""))
    fleet.mgmt.delete_trusted("remote")
    wait_until(lambda: fleet.env.exchange(server, token())[0] == 400, 5, "delete seen after the re-LIST")
    assert server.process.poll() is None


def test_serve_starts_while_the_api_is_down_retries_with_backoff_and_stops_promptly(fleet):
    fleet.mgmt.trusted_unavailable = True
    fleet.mgmt.apply_trusted(remote_resource(fleet))
    server = fleet.start("--drain-seconds", "0.2", listed=False)
    line = wait_for_log(server, lambda e: e.get("message") == "TrustedCluster list/watch failed; retrying")
    assert "503" in line["error"]
    prod = fleet.env.clusters["prod"]
    assert fleet.env.exchange(server, prod.mint(fleet.env.pod(prod), [BROKER_AUDIENCE]))[0] == 200, "the file's clusters work meanwhile"
    time.sleep(1.5)
    attempts = fleet.mgmt.requests.count(("GET", "/apis/tokengate.io/v1alpha1/trustedclusters"))
    assert 2 <= attempts <= 6, f"backing off, not hammering: {attempts} LISTs in ~1.5 s"

    fleet.mgmt.trusted_unavailable = False
    wait_for_log(server, lambda e: e.get("message") == "TrustedClusters listed", timeout=15)
    pod = fleet.env.pod(fleet.remote)
    wait_until(lambda: fleet.env.exchange(server, fleet.remote.mint(pod, [BROKER_AUDIENCE]))[0] == 200, 5, "usable once listed")

    wait_until(lambda: len(fleet.mgmt.watches) >= 1, 5, "watching")
    stopped = time.monotonic()
    server.signal()  # SIGTERM while a WATCH is open: the watch is cancelled, not waited out
    assert server.wait(timeout=15) == 0
    assert time.monotonic() - stopped < 4, "the WATCH (timeoutSeconds=300) did not hold shutdown up"


def test_an_exchange_in_flight_finishes_with_the_cluster_it_started_with(fleet):
    import threading
    server = fleet.start()
    pod = fleet.env.pod(fleet.remote)
    fleet.mgmt.apply_trusted(remote_resource(fleet))
    wait_until(lambda: fleet.env.exchange(server, fleet.remote.mint(pod, [BROKER_AUDIENCE]))[0] == 200, 5, "usable")

    fleet.remote.hang_seconds = 2.0  # the remote API server is slow: the next exchange waits on it
    results = []
    worker = threading.Thread(target=lambda: results.append(fleet.env.exchange(server, fleet.remote.mint(pod, [BROKER_AUDIENCE]))))
    worker.start()
    wait_until(lambda: fleet.remote.hanging >= 1, 5, "the exchange is waiting on the remote TokenReview")
    fleet.mgmt.delete_trusted("remote")
    wait_for_log(server, lambda e: e.get("message") == "trusted clusters from resources no longer in use" and e["clusters"] == "remote")
    assert worker.is_alive() and not results, "the delete took effect while the exchange was still waiting on the remote side"
    worker.join(timeout=20)
    fleet.remote.hang_seconds = 0
    assert results and results[0][0] == 200, results
    assert decode_jwt(results[0][2]["access_token"])[1]["tokengate.io"]["cluster"] == "remote"
    wait_until(lambda: fleet.env.exchange(server, fleet.remote.mint(pod, [BROKER_AUDIENCE]))[0] == 400, 5, "new exchanges refused")
