# SPDX-License-Identifier: Apache-2.0
"""Both webhooks end to end over TLS, as the API server calls them.

`tokengate serve` runs with a certificate from `tokengate certs`; requests go to
`POST /mutate?timeout=10s` and `POST /validate?timeout=10s` (the API server always adds the
query) with Python's ssl and with curl. Every patch is applied with python `jsonpatch` and a
second pass through the server must answer no patch. The server's answer must equal the offline
`tokengate mutate --admission-review` answer: one rule set, two front ends.
"""
import base64
import copy
import glob
import json
import os
import subprocess

import jsonpatch
import pytest
import yaml

from conftest import run_tokengate

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ADMISSION = os.path.join(ROOT, "Tests", "Fixtures", "admission")
WORKFLOWS = os.path.join(ROOT, "Tests", "Fixtures", "openunison-workflows")
AUDIENCE = "https://kubernetes.default.svc"
CONFIG = f"""
services:
  enable_tokenrequest: true
  token_request_audience: {AUDIENCE}
  token_request_expiration_seconds: 600
tokengate:
  selectors:
    - app.kubernetes.io/part-of: openunison
    - app: payments-api
"""
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, */*",
                "User-Agent": "kube-apiserver-admission"}


@pytest.fixture
def server(tokengate_server, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    srv = tokengate_server(config=config)
    srv.config_path = config
    return srv


def post(server, path, review):
    status, headers, body = server.request("POST", f"{path}?timeout=10s", json.dumps(review).encode(), JSON_HEADERS)
    assert status == 200, body
    assert headers["content-type"].startswith("application/json")
    answer = json.loads(body)
    assert answer["apiVersion"] == review["apiVersion"] and answer["kind"] == "AdmissionReview"
    assert answer["response"]["uid"] == review["request"]["uid"]
    return answer


def patch_ops(response):
    if "patch" not in response:
        return []
    assert response["patchType"] == "JSONPatch"
    return json.loads(base64.b64decode(response["patch"], validate=True))


MUTATING = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ADMISSION, "*.json"))
                  if "mutating" in os.path.basename(p) or p.endswith(".v1beta1.json"))


@pytest.mark.parametrize("name", MUTATING)
def test_mutate_over_tls_applies_cleanly_and_is_idempotent(server, name):
    review = json.load(open(os.path.join(ADMISSION, name)))
    answer = post(server, "/mutate", review)
    offline = subprocess.run([os.environ.get("TOKENGATE_BIN", os.path.join(ROOT, ".build/debug/tokengate")),
                              "mutate", "--config", str(server.config_path), "--admission-review", "-"],
                             input=json.dumps(review).encode(), capture_output=True, timeout=60)
    assert json.loads(offline.stdout) == answer, "server and offline mutate must answer the same"
    response = answer["response"]
    if not response["allowed"]:
        assert response["status"]["code"] == 422 and response["status"]["reason"] == "Invalid"
        assert "patch" not in response
        return
    ops = patch_ops(response)
    obj = review["request"]["object"]
    result = jsonpatch.apply_patch(obj, ops) if ops else copy.deepcopy(obj)
    again = copy.deepcopy(review)
    again["request"]["object"] = result
    again["request"]["uid"] += "-2"
    second = post(server, "/mutate", again)["response"]
    assert second["allowed"] is True and "patch" not in second, patch_ops(second)


def test_deployment_gets_the_projection_through_curl(server, tmp_path):
    """curl as the client, exactly the API server's request line, and the patched pod spec checked."""
    review_path = os.path.join(ADMISSION, "deployment-create.mutating.v1.30.json")
    out = subprocess.run(
        ["curl", "-sS", "--fail", "--cacert", str(server.ca_path), "-H", "Content-Type: application/json",
         "--data-binary", f"@{review_path}", f"https://localhost:{server.port}/mutate?timeout=10s"],
        capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    response = json.loads(out.stdout)["response"]
    review = json.load(open(review_path))
    result = jsonpatch.apply_patch(review["request"]["object"], patch_ops(response))
    spec = result["spec"]["template"]["spec"]
    assert spec["automountServiceAccountToken"] is False
    volume = next(v for v in spec["volumes"] if v["name"] == "tokengate-token")
    token = volume["projected"]["sources"][0]["serviceAccountToken"]
    assert token == {"audience": AUDIENCE, "expirationSeconds": 600, "path": "token"}
    for container in spec["containers"]:
        assert {"name": "tokengate-token", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                "readOnly": True} in container["volumeMounts"]
    assert result["metadata"]["annotations"]["tokengate.io/projected"] == f"{AUDIENCE};600"
    # Everything TokenGate does not own survives untouched.
    assert result["metadata"]["managedFields"] == review["request"]["object"]["metadata"]["managedFields"]
    assert result["spec"]["strategy"] == review["request"]["object"]["spec"]["strategy"]


def workflow_review(document, operation="CREATE", uid="wf-uid-1"):
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid, "kind": {"group": "openunison.tremolo.io", "version": document["apiVersion"].split("/")[1],
                             "kind": document["kind"]},
        "resource": {"group": "openunison.tremolo.io", "version": "v1", "resource": "workflows"},
        "name": document["metadata"]["name"], "namespace": document["metadata"].get("namespace", "openunison"),
        "operation": operation, "userInfo": {"username": "alice"}, "object": document, "oldObject": None,
        "dryRun": False, "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"}}}


def real_workflows():
    docs = []
    for path in sorted(glob.glob(os.path.join(WORKFLOWS, "*.yaml"))):
        for doc in yaml.safe_load_all(open(path)):
            if doc and doc.get("kind") == "Workflow":
                docs.append((os.path.basename(path), doc))
    return docs


@pytest.mark.parametrize("name,document", real_workflows(), ids=[n for n, _ in real_workflows()])
def test_real_openunison_workflows_are_allowed(server, name, document):
    response = post(server, "/validate", workflow_review(document))["response"]
    assert response["allowed"] is True, response.get("status")
    assert "patch" not in response and "patchType" not in response


def test_broken_workflow_is_denied_with_actionable_message(server):
    document = yaml.safe_load("""
apiVersion: openunison.tremolo.io/v1
kind: Workflow
metadata: {name: request-access, namespace: openunison}
spec:
  description: request access
  inList: true
  orgId: 04901973-5f4c-46d9-9e22-55e88e168776
  tasks: |-
    - taskType: approval
      emailTemplate: approve
      mailAttr: mail
      failureEmailSubject: denied
      failureEmailMsg: denied
      label: approve
      approvers:
      - scope: groups
        constraint: admins
      escalationPolicy:
        escalations:
        - executeAfterTime: 2
          executeAfterUnits: hour
          azRules:
          - scope: group
            constraint: managers
      onSuccess:
      - taskType: addAttribute
        name: approved
        value: "true"
        remove: "no"
""")
    response = post(server, "/validate", workflow_review(document))["response"]
    assert response["allowed"] is False
    assert response["status"]["code"] == 422 and response["status"]["reason"] == "Invalid"
    message = response["status"]["message"]
    # What kubectl shows: admission webhook "<name>" denied the request: <message>
    print(f'Error from server: admission webhook "workflows.tokengate.io" denied the request: {message}')
    assert "Workflow openunison/request-access" in message
    assert "tasks[0].approvers[0].scope" in message and '"group"' in message
    assert "tasks[0].escalationPolicy.escalations[0].executeAfterUnits" in message and "hr" in message
    assert "tasks[0].onSuccess[0].remove" in message
    assert "line" in message and "column" in message


def test_validate_ignores_other_objects_and_never_patches(server):
    review = json.load(open(os.path.join(ADMISSION, "deployment-create.validating.v1.30.json")))
    response = post(server, "/validate", review)["response"]
    assert response == {"uid": review["request"]["uid"], "allowed": True}


def test_admission_metrics_count_both_webhooks(server):
    review = json.load(open(os.path.join(ADMISSION, "deployment-create.mutating.v1.30.json")))
    post(server, "/mutate", review)
    post(server, "/validate", review)
    text = server.metrics()
    assert any('route="/mutate"' in key and 'code="200"' in key for key in text)
    assert any('route="/validate"' in key and 'code="200"' in key for key in text)
