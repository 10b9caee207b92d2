# SPDX-License-Identifier: Apache-2.0
"""`tokengate render` (issue 7, GitOps) through the real binary.

* Output equals what the webhook does: every object is also sent, as the AdmissionReview the API
  server would send for its CREATE, to a running `tokengate serve` (and to `tokengate mutate
  --admission-review`) with the same config; the answered patch is applied with python
  `jsonpatch` and must give exactly the rendered object.
* Rendering is stable: rendering the output again gives the same bytes.
* KRM: a kustomize `ResourceList` in gives a ResourceList out, with Workflow/Target lint and
  projection findings as `results`; errors give exit 1. kustomize itself cannot run here
  (kubectl's built-in kustomize has no --enable-exec), so the exec function is run the way
  kustomize runs it: the wrapper script from manifests/RENDER.md, no arguments, ResourceList on
  stdin.

Needs: PyYAML, jsonpatch; the binary at $TOKENGATE_BIN.
"""
from __future__ import annotations

import base64
import copy
import json
import os
import re
import subprocess

import jsonpatch
import pytest
import yaml

from conftest import FIXTURES, REPO, tokengate_binary

AUDIENCE = "https://kubernetes.default.svc"
CONFIG = f"""
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
ADMISSION = FIXTURES / "admission"
WORKFLOWS = FIXTURES / "openunison-workflows"
VALID_WORKFLOW = WORKFLOWS / "OpenUnison_openunison.github.io__docs_documentation_configuring-openunison.md__my-workflow.yaml"
BROKEN_WORKFLOW = """
apiVersion: openunison.tremolo.io/v1
kind: Workflow
metadata:
  name: broken
  namespace: openunison
spec:
  inList: false
  tasks: |-
    - taskType: approval
      approvers:
      - scope: grop
        constraint: admins
"""


def fixture_object(name: str) -> dict:
    return json.loads((ADMISSION / name).read_text())["request"]["object"]


def stream_objects() -> list[dict]:
    """Objects as a GitOps repository holds them: OpenUnison's Deployment and its ServiceAccount,
    a CronJob, a Deployment with init containers and a native sidecar, a Pod that already mounts
    the default token, plus objects TokenGate must leave alone."""
    objects = [fixture_object(n) for n in (
        "openunison-deployment-create.mutating.json", "serviceaccount-openunison-create.mutating.json",
        "cronjob-create.mutating.json", "deployment-init-sidecar-create.mutating.json",
        "pod-kube-api-access-create.mutating.json", "deployment-create.mutating.v1.30.json")]
    objects.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "plain", "namespace": "openunison"},
                    "data": {"enabled": "true", "port": "8443", "when": "2024-05-14T09:21:07Z"}})
    system = copy.deepcopy(objects[0])
    system["metadata"].update(name="in-kube-system", namespace="kube-system")
    objects.append(system)
    objects += [d for d in yaml.safe_load_all(VALID_WORKFLOW.read_text()) if d]
    return objects


def render(*args, stdin: str | None = None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([tokengate_binary(), "render", *map(str, args)], input=stdin, capture_output=True,
                          text=True, timeout=60, env=env)


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "tokengate.yaml"
    path.write_text(CONFIG)
    return path


@pytest.fixture
def manifest(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump_all(stream_objects(), sort_keys=False))
    return path


def review_for(obj: dict, uid: str) -> dict:
    """The AdmissionReview a v1 API server sends to the mutating webhook for `kubectl create`."""
    group, _, version = obj["apiVersion"].rpartition("/")
    kind = {"group": group, "version": version, "kind": obj["kind"]}
    request = {"uid": uid, "kind": kind, "resource": {**kind, "resource": obj["kind"].lower() + "s"},
               "namespace": obj["metadata"].get("namespace", "default"), "operation": "CREATE",
               "userInfo": {"username": "test"}, "object": obj, "oldObject": None, "dryRun": False}
    if "name" in obj["metadata"]:
        request["name"] = obj["metadata"]["name"]
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def apply_answer(obj: dict, response: dict) -> dict:
    assert response["allowed"] is True, response
    if "patch" not in response:
        return obj
    assert response["patchType"] == "JSONPatch"
    return jsonpatch.apply_patch(obj, json.loads(base64.b64decode(response["patch"])))


# -- manifest streams ------------------------------------------------------------------------------

def test_render_twice_changes_nothing(config, manifest, tmp_path):
    first = render("--config", config, manifest)
    assert first.returncode == 0, first.stderr
    (tmp_path / "once.yaml").write_text(first.stdout)
    second = render("--config", config, tmp_path / "once.yaml")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    # ... and through standard input, the pipeline form.
    assert render("--config", config, "-", stdin=first.stdout).stdout == first.stdout
    rendered = [d for d in yaml.safe_load_all(first.stdout) if d]
    assert len(rendered) == len(stream_objects())
    assert sum("tokengate.io/projected" in (d["metadata"].get("annotations") or {}) for d in rendered) == 6


@pytest.mark.parametrize("oracle", ["server /mutate", "tokengate mutate --admission-review"])
def test_render_equals_the_mutate_patch_applied_with_jsonpatch(config, manifest, tokengate_server, oracle):
    rendered = [d for d in yaml.safe_load_all(render("--config", config, manifest).stdout) if d]
    originals = stream_objects()
    assert len(rendered) == len(originals)
    server = tokengate_server(config=config) if oracle.startswith("server") else None
    changed = 0
    for index, (original, got) in enumerate(zip(originals, rendered)):
        review = review_for(copy.deepcopy(original), f"render-{index}")
        if server:
            status, _, body = server.request("POST", "/mutate", body=json.dumps(review).encode(),
                                             headers={"Content-Type": "application/json"})
            assert status == 200
            response = json.loads(body)["response"]
        else:
            proc = subprocess.run([tokengate_binary(), "mutate", "--config", str(config), "--admission-review", "-"],
                                  input=json.dumps(review), capture_output=True, text=True, timeout=60, check=True)
            response = json.loads(proc.stdout)["response"]
        expected = apply_answer(copy.deepcopy(original), response)
        assert got == expected, f"{original['kind']} {original['metadata'].get('name')}: render differs from /mutate"
        changed += expected != original
    assert changed == 6, "the stream should exercise real patches (Deployments, SA, CronJob, Pod)"


def test_objects_the_webhook_leaves_alone_are_unchanged(config, manifest):
    rendered = {(d["kind"], d["metadata"].get("name")): d
                for d in yaml.safe_load_all(render("--config", config, manifest).stdout) if d}
    originals = {(d["kind"], d["metadata"].get("name")): d for d in stream_objects()}
    for key in [("ConfigMap", "plain"), ("Deployment", "in-kube-system"), ("Workflow", "my-workflow")]:
        assert rendered[key] == originals[key], key
    # Quoted strings that look like other types stay strings.
    assert rendered[("ConfigMap", "plain")]["data"] == {"enabled": "true", "port": "8443", "when": "2024-05-14T09:21:07Z"}


def test_errors_go_to_stderr_with_exit_1_and_nothing_on_stdout(config, tmp_path):
    denied = fixture_object("deployment-create.mutating.v1.30.json")
    denied["spec"]["template"]["metadata"]["annotations"] = {"tokengate.io/expiration-seconds": "60"}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(denied) + "---\n" + BROKEN_WORKFLOW)
    result = render("--config", config, path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "error: Deployment payments/payments-api: denied by the projection webhook: annotation tokengate.io/expiration-seconds" in result.stderr
    assert "error: Workflow openunison/broken: spec.tasks[0].approvers[0].scope:" in result.stderr
    assert 'did you mean "group"?' in result.stderr
    assert "nothing was written to standard output" in result.stderr


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yaml")), ids=lambda p: p.name[:60])
def test_workflow_findings_match_tokengate_lint(path):
    """render runs the same Workflow/Target rules as `tokengate lint` on each object."""
    lint = subprocess.run([tokengate_binary(), "lint", "--format", "json", str(path)], capture_output=True, text=True)
    expected = sorted((d["severity"], d["path"]) for f in json.loads(lint.stdout)["files"] for d in f["diagnostics"])
    result = render("--krm", stdin=yaml.safe_dump({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList",
                                                    "items": [d for d in yaml.safe_load_all(path.read_text()) if d]}))
    results = (yaml.safe_load(result.stdout) or {}).get("results") or []
    assert sorted((r["severity"], r["field"]["path"]) for r in results) == expected
    assert result.returncode == (1 if any(s == "error" for s, _ in expected) else 0)


# -- KRM function ----------------------------------------------------------------------------------

def resource_list(items: list[dict], config_text: str | None = CONFIG, **extra) -> dict:
    items = copy.deepcopy(items)
    for index, item in enumerate(items):  # what kustomize adds to each item
        annotations = item["metadata"].setdefault("annotations", {})
        annotations["config.kubernetes.io/index"] = str(index)
        annotations["internal.config.kubernetes.io/path"] = f"item-{index}.yaml"
    document = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items}
    if config_text is not None:
        document["functionConfig"] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tokengate-render"},
                                      "data": {"config.yaml": config_text}}
    document.update(extra)
    return document


def wrapper_script(tmp_path) -> str:
    """The exec function script from manifests/RENDER.md, with `tokengate` pointing at the binary."""
    text = (REPO / "manifests" / "RENDER.md").read_text()
    script = re.search(r"```sh\n(#!/bin/sh\n.*?)```", text, re.DOTALL).group(1)
    assert "tokengate render --krm" in script
    path = tmp_path / "tokengate-render.sh"
    path.write_text(script)
    path.chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(tokengate_binary(), bin_dir / "tokengate")
    return str(path), dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")


def run_as_kustomize(tmp_path, document: dict) -> subprocess.CompletedProcess:
    """What kustomize does with an exec function: run it with no arguments, ResourceList on stdin."""
    script, env = wrapper_script(tmp_path)
    return subprocess.run([script], input=yaml.safe_dump(document, sort_keys=False), capture_output=True,
                          text=True, timeout=60, env=env, cwd=tmp_path)


def test_krm_resource_list_in_and_out(tmp_path, config, manifest):
    objects = stream_objects()
    document = resource_list(objects)
    result = run_as_kustomize(tmp_path, document)
    assert result.returncode == 0, result.stderr
    out = yaml.safe_load(result.stdout)
    assert out["apiVersion"] == "config.kubernetes.io/v1" and out["kind"] == "ResourceList"
    assert out["functionConfig"] == document["functionConfig"]
    # One finding, a warning: the Pod's vault-agent sidecar mounts its own token at the path.
    [warning] = out["results"]
    assert warning["severity"] == "warning" and "vault-agent" in warning["message"]
    assert warning["resourceRef"]["kind"] == "Pod" and warning["file"] == {"path": "item-4.yaml", "index": 4}
    assert warning["tags"] == {"tokengate.io/rule": "projection", "tokengate.io/code": "projection-warning"}
    # Items are what a plain render gives, plus kustomize's annotations, in the same order.
    plain = [d for d in yaml.safe_load_all(render("--config", config, manifest).stdout) if d]
    for got, want in zip(out["items"], plain, strict=True):
        annotations = dict(got["metadata"]["annotations"])
        assert annotations.pop("internal.config.kubernetes.io/path").startswith("item-")
        annotations.pop("config.kubernetes.io/index")
        got = copy.deepcopy(got)
        if annotations:
            got["metadata"]["annotations"] = annotations
        else:
            del got["metadata"]["annotations"]
        assert got == want
    # Stable: the function's output run through it again is byte for byte the same.
    (tmp_path / "again").mkdir()
    assert run_as_kustomize(tmp_path / "again", out).stdout == result.stdout


def test_krm_workflow_errors_become_error_results_and_exit_1(tmp_path):
    broken = yaml.safe_load(BROKEN_WORKFLOW)
    valid = [d for d in yaml.safe_load_all(VALID_WORKFLOW.read_text()) if d][0]
    deployment = fixture_object("openunison-deployment-create.mutating.json")
    other_function = {"message": "from an earlier function", "severity": "info"}
    document = resource_list([deployment, broken, valid], results=[other_function])
    result = render(stdin=yaml.safe_dump(document))  # detected without --krm
    assert result.returncode == 1
    out = yaml.safe_load(result.stdout)
    results = out["results"]
    assert results[0] == other_function, "results of other functions are kept"
    ours = results[1:]
    assert ours and all(r["severity"] == "error" for r in ours)
    for r in ours:
        assert r["resourceRef"] == {"apiVersion": "openunison.tremolo.io/v1", "kind": "Workflow",
                                    "name": "broken", "namespace": "openunison"}
        assert r["field"]["path"].startswith("spec.tasks[0]")
        assert r["file"] == {"path": "item-1.yaml", "index": 1}
        assert r["tags"]["tokengate.io/rule"] == "workflow" and r["tags"]["tokengate.io/code"]
    scope = next(r for r in ours if r["field"]["path"] == "spec.tasks[0].approvers[0].scope")
    assert "grop" in scope["message"] and "line 3" in scope["message"]
    assert scope["tags"]["tokengate.io/code"] == "invalid-value"
    # The other items are still rendered (the Deployment projected, the valid Workflow untouched).
    assert out["items"][0]["spec"]["template"]["spec"]["automountServiceAccountToken"] is False
    assert out["items"][2]["spec"] == valid["spec"]
    # kustomize shows the function's stderr: the errors are there too.
    assert "error: Workflow openunison/broken: (item-1.yaml) spec.tasks[0].approvers[0].scope" in result.stderr
    # Rendering the output again replaces TokenGate's results instead of adding copies.
    again = render("--krm", stdin=result.stdout)
    assert again.returncode == 1 and again.stdout == result.stdout


def test_krm_projection_denials_and_warnings_are_results(tmp_path):
    denied = fixture_object("deployment-create.mutating.v1.30.json")
    denied["metadata"]["labels"]["app.kubernetes.io/part-of"] = "openunison"
    denied["metadata"]["annotations"] = {"tokengate.io/audience": "has space"}
    warned = fixture_object("deployment-create.mutating.v1.30.json")
    warned["metadata"].update(name="skips-missing", labels={"app.kubernetes.io/part-of": "openunison"},
                              annotations={"tokengate.io/skip-containers": "not-there"})
    result = render("--krm", stdin=yaml.safe_dump(resource_list([denied, warned])))
    assert result.returncode == 1
    out = yaml.safe_load(result.stdout)
    by_name = {}
    for r in out["results"]:
        by_name.setdefault(r["resourceRef"]["name"], []).append(r)
    [denial] = by_name["payments-api"]
    assert denial["severity"] == "error" and "tokengate.io/audience" in denial["message"]
    assert denial["tags"] == {"tokengate.io/rule": "projection", "tokengate.io/code": "denied"}
    assert out["items"][0] == resource_list([denied])["items"][0], "a denied object is left as it was"
    [warning] = by_name["skips-missing"]
    assert warning["severity"] == "warning" and "not-there" in warning["message"]
    assert out["items"][1]["spec"]["template"]["spec"]["automountServiceAccountToken"] is False


def test_krm_configuration_and_input_errors(tmp_path, config):
    # --krm on a plain stream, and two ResourceLists: exit 2 with the reason.
    plain = render("--krm", stdin=yaml.safe_dump(fixture_object("deployment-create.mutating.v1.30.json")))
    assert plain.returncode == 2 and "ResourceList" in plain.stderr
    # The configuration twice (functionConfig and --config) is refused rather than guessed.
    twice = render("--config", config, stdin=yaml.safe_dump(resource_list([])))
    assert twice.returncode == 2 and "given twice" in twice.stderr
    # A ResourceList without functionConfig takes --config; an empty one renders to itself.
    empty = render("--config", config, stdin=yaml.safe_dump(resource_list([], config_text=None)))
    assert empty.returncode == 0 and yaml.safe_load(empty.stdout) == {
        "apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": []}
    # An invalid configuration in the functionConfig names its key.
    bad = render(stdin=yaml.safe_dump(resource_list([], config_text="token_request_expiration_seconds: 60\nenable_tokenrequest: true\n")))
    assert bad.returncode == 2 and "token_request_expiration_seconds" in bad.stderr


def test_help_and_doc_say_how_to_wire_it():
    help_text = subprocess.run([tokengate_binary(), "render", "--help"], capture_output=True, text=True).stdout
    for words in ("ResourceList", "kustomize", "transformers:", "exec tokengate render --krm", "RENDER.md"):
        assert words in help_text, words
    doc = (REPO / "manifests" / "RENDER.md").read_text()
    for words in ("--enable-alpha-plugins --enable-exec", "ConfigManagementPlugin", "Flux", "transformers:"):
        assert words in doc, words
