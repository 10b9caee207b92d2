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
