# SPDX-License-Identifier: Apache-2.0
"""End-to-end checks of the projection mutator through the real `tokengate` binary.

Every patch TokenGate answers is base64-decoded and applied by an independent JSON Patch
implementation (python `jsonpatch`, the same RFC 6902 semantics the API server's evanphx
library has), the result is checked field by field, and a second pass over the result must
produce no patch. No API server is involved: the AdmissionReviews are the fixtures in
Tests/Fixtures/admission (composed from upstream code and captured requests).
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

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("TOKENGATE_BIN", os.path.join(ROOT, ".build", "debug", "tokengate"))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "admission")
SA_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
AUDIENCE = "https://kubernetes.default.svc"
MARKER = "tokengate.io/projected"

CONFIG = f"""
services:
  enable_tokenrequest: true
  token_request_audience: {AUDIENCE}
  token_request_expiration_seconds: 600
tokengate:
  selectors:
    - app.kubernetes.io/part-of: openunison
    - app.kubernetes.io/managed-by: openunison-operator
    - operated-by: openunison-operator
    - app: payments-api
"""


def expected_volume(audience=AUDIENCE, seconds=600, name="tokengate-token"):
    return {"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"audience": audience, "expirationSeconds": seconds, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}


EXPECTED_MOUNT = {"name": "tokengate-token", "mountPath": SA_PATH, "readOnly": True}


@pytest.fixture(scope="session")
def config(tmp_path_factory):
    if not os.access(BIN, os.X_OK):
        pytest.fail(f"tokengate binary not found at {BIN}; run `swift build --product tokengate` or set TOKENGATE_BIN")
    path = tmp_path_factory.mktemp("config") / "tokengate.yaml"
    path.write_text(CONFIG)
    return str(path)


def run(args, stdin, check=True):
    proc = subprocess.run([BIN, "mutate", *args], input=stdin, capture_output=True, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"tokengate {' '.join(args)} exited {proc.returncode}: {proc.stderr.decode()}")
    return proc


def respond(config, review):
    """Runs one AdmissionReview through `tokengate mutate --admission-review` and checks the envelope."""
    proc = run(["--config", config, "--admission-review", "-"], json.dumps(review).encode())
    answer = json.loads(proc.stdout)
    assert answer["apiVersion"] == review["apiVersion"]
    assert answer["kind"] == "AdmissionReview"
    response = answer["response"]
    assert response["uid"] == review["request"]["uid"]
    assert isinstance(response["allowed"], bool)
    assert ("patch" in response) == ("patchType" in response)
    return response


def decode_patch(response):
    if "patch" not in response:
        return None
    assert response["patchType"] == "JSONPatch"
    text = response["patch"]
    assert len(text) % 4 == 0, "standard base64 must be padded"
    ops = json.loads(base64.b64decode(text, validate=True))
    assert isinstance(ops, list) and ops, "a patch is only sent when it is non-empty"
    return ops


def apply_and_recheck(config, review):
    """Applies the answered patch with python jsonpatch and checks that a second pass changes nothing."""
    response = respond(config, review)
    ops = decode_patch(response)
    obj = review["request"]["object"]
    result = jsonpatch.apply_patch(obj, ops) if ops else copy.deepcopy(obj)
    again = copy.deepcopy(review)
    again["request"]["object"] = result
    again["request"]["uid"] = review["request"]["uid"] + "-again"
    second = respond(config, again)
    assert second["allowed"] is True
    assert "patch" not in second, f"second pass patched: {decode_patch(second)}"
    return response, ops, result


def load(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def strip_projection(result, original, spec_path):
    """Removes exactly what TokenGate adds (marker, automount, its volume and mounts) so the rest
    can be compared with the input: nothing else may have changed or been dropped."""
    out = copy.deepcopy(result)
    annotations = out.get("metadata", {}).get("annotations", {})
    annotations.pop(MARKER, None)
    if not annotations and "annotations" not in original.get("metadata", {}):
        out["metadata"].pop("annotations", None)
    spec = out
    for key in spec_path:
        spec = spec[key]
    original_spec = original
    for key in spec_path:
        original_spec = original_spec[key]
    if "automountServiceAccountToken" not in original_spec:
        spec.pop("automountServiceAccountToken", None)
    spec["volumes"] = [v for v in spec.get("volumes", []) if v["name"] != "tokengate-token"]
    if not spec["volumes"] and "volumes" not in original_spec:
        del spec["volumes"]
    for field in ("initContainers", "containers"):
        for index, container in enumerate(spec.get(field, [])):
            mounts = [m for m in container.get("volumeMounts", []) if m != EXPECTED_MOUNT]
            had = "volumeMounts" in original_spec[field][index]
            if mounts or had:
                container["volumeMounts"] = mounts
            else:
                container.pop("volumeMounts", None)
    return out


TEMPLATE = ["spec", "template", "spec"]


def test_shared_deployment(config):
    review = load("deployment-create.mutating.v1.30.json")
    response, ops, result = apply_and_recheck(config, review)
    assert response["allowed"] is True
    assert response["auditAnnotations"]["projection"].startswith("Deployment payments/payments-api:")
    spec = result["spec"]["template"]["spec"]
    assert spec["automountServiceAccountToken"] is False
    assert spec["volumes"] == [expected_volume()]
    assert spec["containers"][0]["volumeMounts"] == [EXPECTED_MOUNT]
    assert result["metadata"]["annotations"][MARKER] == f"{AUDIENCE};600"
    assert "kubectl.kubernetes.io/last-applied-configuration" in result["metadata"]["annotations"]
    assert {"op": "add", "path": "/metadata/annotations/tokengate.io~1projected", "value": f"{AUDIENCE};600"} in ops
    assert strip_projection(result, review["request"]["object"], TEMPLATE) == review["request"]["object"]


def test_shared_pod_replaces_kube_api_access(config):
    review = load("pod-create-from-replicaset.mutating.v1.30.json")
    _, ops, result = apply_and_recheck(config, review)
    assert result["spec"]["volumes"] == [expected_volume()]
    assert result["spec"]["containers"][0]["volumeMounts"] == [EXPECTED_MOUNT]
    assert result["spec"]["automountServiceAccountToken"] is False
    assert result["metadata"]["annotations"] == {MARKER: f"{AUDIENCE};600"}
    assert result["spec"]["tolerations"] == review["request"]["object"]["spec"]["tolerations"]
    assert {"op": "remove", "path": "/spec/volumes/0"} in ops


def test_pod_as_api_server_sends_it(config):
    review = load("pod-kube-api-access-create.mutating.json")
    response, ops, result = apply_and_recheck(config, review)
    spec = result["spec"]
    assert [v["name"] for v in spec["volumes"]] == ["secret-volume", "vault-token", "cache", "tokengate-token"]
    assert spec["volumes"][3] == expected_volume()
    assert spec["initContainers"][0]["volumeMounts"] == [{"name": "cache", "mountPath": "/cache"}, EXPECTED_MOUNT]
    assert spec["initContainers"][1] == review["request"]["object"]["spec"]["initContainers"][1]
    assert spec["containers"][0]["volumeMounts"][-1] == EXPECTED_MOUNT
    assert spec["containers"][1]["volumeMounts"] == [{"name": "cache", "mountPath": "/cache"}, EXPECTED_MOUNT]
    assert spec["someFutureField"] == {"keep": ["me", 1]}
    assert any("vault-agent" in w for w in response["warnings"])
    assert all(not m["name"].startswith("kube-api-access-")
               for c in spec["initContainers"] + spec["containers"] for m in c.get("volumeMounts", []))
    # Removals inside one array come highest index first.
    removes = [op["path"] for op in ops if op["op"] == "remove"]
    assert removes == ["/spec/initContainers/0/volumeMounts/1", "/spec/containers/0/volumeMounts/1",
                       "/spec/containers/1/volumeMounts/0", "/spec/volumes/1"]


def test_openunison_deployment(config):
    review = load("openunison-deployment-create.mutating.json")
    _, ops, result = apply_and_recheck(config, review)
    original = review["request"]["object"]
    spec = result["spec"]["template"]["spec"]
    assert [v["name"] for v in spec["volumes"]] == ["secret-volume", "krb5-conf", "ou-token", "tokengate-token"]
    assert spec["volumes"][2] == original["spec"]["template"]["spec"]["volumes"][2]
    assert spec["containers"][0]["volumeMounts"][-1] == EXPECTED_MOUNT
    assert spec["containers"][1]["volumeMounts"][-1] == EXPECTED_MOUNT
    assert not any(op["path"].endswith("automountServiceAccountToken") for op in ops)
    assert strip_projection(result, original, TEMPLATE) == original


def test_init_containers_native_sidecar_overrides_and_skip(config):
    review = load("deployment-init-sidecar-create.mutating.json")
    response, _, result = apply_and_recheck(config, review)
    spec = result["spec"]["template"]["spec"]
    aud = "https://kubernetes.default.svc.cluster.local"
    assert spec["volumes"] == [{"name": "logs", "emptyDir": {}}, expected_volume(aud, 3600)]
    assert spec["initContainers"][0]["volumeMounts"] == [EXPECTED_MOUNT]
    assert spec["initContainers"][1]["volumeMounts"] == [{"name": "logs", "mountPath": "/logs"}, EXPECTED_MOUNT]
    assert spec["initContainers"][1]["restartPolicy"] == "Always"
    assert "volumeMounts" not in spec["containers"][1]  # skipped: metrics
    assert result["metadata"]["annotations"] == {MARKER: f"{aud};3600"}
    assert "warnings" not in response
    assert strip_projection(result, review["request"]["object"], TEMPLATE) == review["request"]["object"]


def test_cronjob(config):
    review = load("cronjob-create.mutating.json")
    _, _, result = apply_and_recheck(config, review)
    spec = result["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert spec["volumes"] == [expected_volume()]
    assert spec["containers"][0]["volumeMounts"] == [EXPECTED_MOUNT]
    assert spec["automountServiceAccountToken"] is False
    path = ["spec", "jobTemplate", "spec", "template", "spec"]
    assert strip_projection(result, review["request"]["object"], path) == review["request"]["object"]


@pytest.mark.parametrize("name", ["serviceaccount-openunison-create.mutating.json",
                                  "serviceaccount-create.mutating.v1.30.json"])
def test_service_accounts(config, name):
    review = load(name)
    _, _, result = apply_and_recheck(config, review)
    assert result["automountServiceAccountToken"] is False
    assert result["metadata"]["annotations"][MARKER] == f"{AUDIENCE};600"
    before = review["request"]["object"]["metadata"]
    for key, value in before.get("annotations", {}).items():
        assert result["metadata"]["annotations"][key] == value
    assert result["metadata"]["labels"] == before["labels"]


def test_bad_override_is_denied_in_v1beta1(config):
    review = load("statefulset-update-bad-expiration.v1beta1.json")
    response = respond(config, review)
    assert response["allowed"] is False
    assert "patch" not in response
    assert response["status"]["code"] == 422
    assert "tokengate.io/expiration-seconds" in response["status"]["message"]
    assert "from 600 to 86400" in response["status"]["message"]


def test_dry_run_same_answer(config):
    review = load("pod-kube-api-access-create.mutating.json")
    dry = copy.deepcopy(review)
    dry["request"]["dryRun"] = True
    assert respond(config, review)["patch"] == respond(config, dry)["patch"]


def test_unselected_and_disabled_are_unchanged(tmp_path, config):
    review = load("deployment-create.mutating.v1.30.json")
    review["request"]["object"]["metadata"]["labels"] = {"app": "other"}
    review["request"]["object"]["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    response = respond(config, review)
    assert response == {"uid": review["request"]["uid"], "allowed": True}
    disabled = tmp_path / "off.yaml"
    disabled.write_text(CONFIG.replace("enable_tokenrequest: true", "enable_tokenrequest: false"))
    proc = run(["--config", str(disabled), "--admission-review", "-"],
               json.dumps(load("deployment-create.mutating.v1.30.json")).encode())
    assert json.loads(proc.stdout)["response"] == {"uid": review["request"]["uid"], "allowed": True}


def test_not_an_admission_review(config):
    proc = run(["--config", config, "--admission-review", "-"], b'{"apiVersion":"v1","kind":"Pod"}', check=False)
    assert proc.returncode == 1
    status = json.loads(proc.stdout)
    assert status["code"] == 400 and status["reason"] == "BadRequest"
    assert "AdmissionReview" in status["message"]


PEER_PODS = sorted(glob.glob(os.path.join(FIXTURES, "peer-pods", "*.pod.yaml")))


@pytest.mark.parametrize("path", PEER_PODS, ids=[os.path.basename(p) for p in PEER_PODS])
def test_peer_pods_invariants(config, path):
    """Pods from another projected-token webhook's test data: the patch applies, every container
    gets the token or keeps its own mount at the path, nothing else changes, second pass is a no-op."""
    with open(path) as f:
        pod = yaml.safe_load(f)  # PyYAML keeps the last of duplicated keys, like Go's decoder
    pod.setdefault("metadata", {}).setdefault("labels", {})["tokengate.io/inject"] = "true"
    review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
              "request": {"uid": "peer-" + os.path.basename(path), "kind": {"group": "", "version": "v1", "kind": "Pod"},
                          "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "default",
                          "operation": "CREATE", "userInfo": {"username": "test"}, "object": pod, "oldObject": None,
                          "dryRun": False, "options": None}}
    response, _, result = apply_and_recheck(config, review)
    assert response["allowed"] is True
    spec = result["spec"]
    names = [v["name"] for v in spec.get("volumes", [])]
    assert len(names) == len(set(names)), "volume names must stay unique"
    for container in spec.get("initContainers", []) + spec.get("containers", []):
        at_path = [m for m in container.get("volumeMounts", []) if m.get("mountPath") == SA_PATH]
        assert len(at_path) == 1, f"{container['name']} must have exactly one mount at {SA_PATH}"
        if at_path[0] != EXPECTED_MOUNT:
            assert any(container["name"] in w for w in response.get("warnings", []))
    assert strip_projection(result, pod, ["spec"]) == pod


MANIFESTS = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: openunison-orchestra
  labels: {app.kubernetes.io/part-of: openunison}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app.kubernetes.io/part-of: openunison}
  annotations: {version: "1.10"}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: untouched}
data: {port: "8080"}
"""


def test_offline_yaml_stream_and_diff(config):
    out = run(["--config", config, "--namespace", "openunison", "-"], MANIFESTS.encode()).stdout.decode()
    sa, deployment, cm = yaml.safe_load_all(out)
    assert sa["automountServiceAccountToken"] is False
    assert deployment["spec"]["template"]["spec"]["volumes"] == [expected_volume()]
    assert deployment["metadata"]["annotations"] == {"version": "1.10", MARKER: f"{AUDIENCE};600"}
    assert cm == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "untouched"}, "data": {"port": "8080"}}
    # The printed result is stable: running it through again changes nothing.
    again = run(["--config", config, "--namespace", "openunison", "--diff", "-"], out.encode()).stdout.decode()
    assert again == ""
    diff = run(["--config", config, "--diff", "-"], MANIFESTS.encode()).stdout.decode()
    assert "--- a/Deployment default/web" in diff and "+++ b/Deployment default/web" in diff
    assert "+      automountServiceAccountToken: false" in diff
    assert "ConfigMap" not in diff
    assert all(line[:1] in "-+ @" for line in diff.splitlines())


def test_offline_denial_exit_code(config):
    bad = MANIFESTS.replace('annotations: {version: "1.10"}', 'annotations: {tokengate.io/expiration-seconds: "60"}')
    proc = run(["--config", config, "-"], bad.encode(), check=False)
    assert proc.returncode == 1
    assert "Deployment default/web: denied: annotation tokengate.io/expiration-seconds is \"60\"" in proc.stderr.decode()


def test_config_errors_are_precise(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("services:\n  enable_tokenrequest: true\n  token_request_expiration_seconds: 300\n")
    proc = run(["--config", str(path), "-"], b"", check=False)
    assert proc.returncode == 2
    assert "token_request_expiration_seconds is 300" in proc.stderr.decode()
    path.write_text("services:\n  enable_tokenrequest: true\n  token_request_audience: api\n")
    proc = run(["--config", str(path), "-"], MANIFESTS.encode(), check=False)
    assert proc.returncode == 0
    assert "https://kubernetes.default.svc" in proc.stderr.decode() and "#108" in proc.stderr.decode()
