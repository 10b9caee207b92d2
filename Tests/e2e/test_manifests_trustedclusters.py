# SPDX-License-Identifier: Apache-2.0
"""The TrustedCluster CRD (issue 13): every overlay carries it with its RBAC, the CRD object passes
kubernetes-validate, and the sample resources pass the CRD's own schema the way the API server
would apply it -- the structural OpenAPI schema (as JSON Schema, with `kubectl --validate=strict`'s
"unknown fields are errors") plus the x-kubernetes-validations CEL rules, evaluated with celpy.
No API server runs here; kubernetes-validate has no schema for custom kinds, so the sample is
checked against the CRD it ships with. Broken samples are refused by the same checks.
"""
from __future__ import annotations

import copy
import subprocess

import celpy
import jsonschema
import kubernetes_validate
import pytest
import yaml

from manifest_support import DEFAULT_NAMESPACE, MANIFESTS, OVERLAYS, TOKENGATE_BIN, documents, find, find_all, kustomize, scratch_tree

SAMPLES = MANIFESTS / "samples" / "trustedcluster.yaml"
CRD_FILE = MANIFESTS / "base" / "trustedcluster-crd.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tree = scratch_tree(tmp_path_factory.mktemp("tc"), DEFAULT_NAMESPACE)
    return {overlay: documents(kustomize(tree / "manifests" / "overlays" / overlay)) for overlay in OVERLAYS}


def crd_version(crd: dict) -> dict:
    version, = crd["spec"]["versions"]
    return version


def strict_json_schema(schema: dict) -> dict:
    """The structural schema as JSON Schema: x-kubernetes-* dropped, and unknown fields refused
    where the schema lists properties (metadata excepted: the API server owns it)."""
    out = {}
    for key, value in schema.items():
        if key.startswith("x-kubernetes-"):
            continue
        if key == "properties":
            out[key] = {name: (sub if name == "metadata" else strict_json_schema(sub)) for name, sub in value.items()}
        elif key == "items":
            out[key] = strict_json_schema(value)
        else:
            out[key] = value
    if "properties" in out and out.get("type") == "object":
        out["additionalProperties"] = False
    return out


def cel_rules(schema: dict, path=()):
    """(path, rule, message) for every x-kubernetes-validations rule in the schema."""
    for rule in schema.get("x-kubernetes-validations", []):
        yield path, rule["rule"], rule["message"]
    for name, sub in schema.get("properties", {}).items():
        yield from cel_rules(sub, path + (name,))


def schema_errors(crd: dict, obj: dict) -> list[str]:
    schema = crd_version(crd)["schema"]["openAPIV3Schema"]
    errors = [e.message for e in jsonschema.Draft7Validator(strict_json_schema(schema)).iter_errors(obj)]
    env = celpy.Environment()
    for path, rule, message in cel_rules(schema):
        value = obj
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            continue
        program = env.program(env.compile(rule))
        if not bool(program.evaluate({"self": celpy.json_to_cel(value)})):
            errors.append(message)
    return errors


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_has_the_crd_and_exactly_its_rbac(built, overlay):
    docs = built[overlay]
    crd = find(docs, "CustomResourceDefinition", "trustedclusters.tokengate.io")
    assert "namespace" not in crd["metadata"]
    assert crd["spec"]["scope"] == "Cluster" and crd["spec"]["names"]["shortNames"] == ["tc"]
    version = crd_version(crd)
    assert version["name"] == "v1alpha1" and version["subresources"] == {"status": {}}
    columns = [c["name"] for c in version["additionalPrinterColumns"] if c.get("priority", 0) == 0]
    assert columns == ["Issuer", "Verify", "Ready", "Reason", "Age"]  # which cluster is broken, and why, at once
    role = find(docs, "ClusterRole", "tokengate-trustedclusters")
    assert role["rules"] == [
        {"apiGroups": ["tokengate.io"], "resources": ["trustedclusters"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["tokengate.io"], "resources": ["trustedclusters/status"], "verbs": ["update", "patch"]},
    ]
    binding = find(docs, "ClusterRoleBinding", "tokengate-trustedclusters")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "tokengate", "namespace": DEFAULT_NAMESPACE}]
    webhook = [w for w in find(docs, "ValidatingWebhookConfiguration")["webhooks"] if w["name"] == "trustedclusters.tokengate.io"]
    assert [r["resources"] for r in webhook[0]["rules"]] == [["trustedclusters"]]
    assert webhook[0]["rules"][0]["scope"] == "Cluster" and webhook[0]["clientConfig"]["service"]["path"] == "/validate"


@pytest.mark.parametrize("version", ("1.30.0", "1.34.0"))
def test_crd_passes_kubernetes_validate(version):
    crd = yaml.safe_load(CRD_FILE.read_text())
    kubernetes_validate.validate(crd, version, strict=True)


def test_samples_pass_the_crd_schema_and_lint():
    crd = yaml.safe_load(CRD_FILE.read_text())
    samples = [d for d in yaml.safe_load_all(SAMPLES.read_text()) if d]
    assert len(samples) == 2
    for sample in samples:
        assert schema_errors(crd, sample) == [], sample["metadata"]["name"]
    result = subprocess.run([str(TOKENGATE_BIN), "lint", str(SAMPLES)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout


BROKEN = [
    ("http issuer", lambda o: o["spec"].update(issuer="http://prod-b.example.com"), "does not match"),
    ("verify typo", lambda o: o["spec"].update(verify="jwk"), "is not one of"),
    ("uppercase name", lambda o: o["metadata"].update(name="Prod_B"), None),
    ("unknown field", lambda o: o["spec"].update(tokenFile="/t"), "Additional properties"),
    ("short ttl", lambda o: o["spec"]["auth"]["selfIssued"].update(ttlSeconds=5), "less than the minimum"),
    ("both CAs", lambda o: o["spec"].update(caBundle="x"), "not both"),
    ("apiServer without auth", lambda o: o["spec"].pop("auth"), "auth.selfIssued"),
]


@pytest.mark.parametrize("what,breaks,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_schema_refuses_what_it_can_say_statically(what, breaks, message):
    crd = yaml.safe_load(CRD_FILE.read_text())
    sample = copy.deepcopy(next(d for d in yaml.safe_load_all(SAMPLES.read_text()) if d))
    breaks(sample)
    errors = schema_errors(crd, sample)
    if what == "uppercase name":
        # metadata.name: the API server applies the CRD's pattern to it; checked here directly.
        pattern = crd_version(crd)["schema"]["openAPIV3Schema"]["properties"]["metadata"]["properties"]["name"]
        errors = [e.message for e in jsonschema.Draft7Validator(pattern).iter_errors(sample["metadata"]["name"])]
        assert errors
        return
    assert any(message in e for e in errors), errors
