"""manifests/: every overlay builds with the real `kubectl kustomize`, every Kubernetes object
passes the Kubernetes OpenAPI schema (kubernetes-validate, strict: unknown fields fail), and the
objects say what issue 7 asks -- checked on the built output, not on the source files.

Needs: kubectl, openssl, PyPI kubernetes-validate, PyYAML, cel-python (evaluates the webhook's
CEL matchConditions the way the API server would before calling TokenGate). No cluster: where a
test reasons about what the API server would do, it says so.
"""
from __future__ import annotations

import pathlib
import re
import subprocess

import celpy
import kubernetes_validate
import pytest

from manifest_support import (DEFAULT_NAMESPACE, OVERLAYS, REPO, b64decode_k8s, documents, find,
                              find_all, kustomize, scratch_tree)

# 1.30: the oldest release where matchConditions are GA; 1.34: a current one.
SCHEMA_VERSIONS = ("1.30.0", "1.34.0")
OTHER_NAMESPACE = "ou-tokengate"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[tuple[str, str], list[dict]]:
    """Each overlay built for the default namespace and for another one."""
    out = {}
    for namespace in (DEFAULT_NAMESPACE, OTHER_NAMESPACE):
        tree = scratch_tree(tmp_path_factory.mktemp(namespace), namespace)
        for overlay in OVERLAYS:
            out[(overlay, namespace)] = documents(kustomize(tree / "manifests" / "overlays" / overlay))
        out[("certs", namespace)] = tree / "certs"
    return out


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kustomize_builds_each_overlay_with_every_object(built, overlay):
    kinds = sorted(d["kind"] for d in built[(overlay, DEFAULT_NAMESPACE)])
    expected = ["ClusterRole", "ClusterRoleBinding", "ClusterRoleBinding", "ConfigMap", "Deployment",
                "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",  # issue 13
                "MutatingWebhookConfiguration", "Namespace", "NetworkPolicy", "PodDisruptionBudget",
                "Service", "ServiceAccount", "ValidatingWebhookConfiguration"]
    expected += ["Secret"] if overlay == "self-signed" else ["Certificate", "Certificate", "Issuer", "Issuer"]
    assert kinds == sorted(expected)


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_kubernetes_object_validates_against_the_openapi_schema(built, overlay, version):
    checked = 0
    for doc in built[(overlay, DEFAULT_NAMESPACE)]:
        if doc["apiVersion"].startswith("cert-manager.io/"):
            continue  # not a Kubernetes API: checked by test_cert_manager_objects_fit_together
        # strict: an unknown or misspelt field is an error, as `kubectl apply --validate=strict` says
        kubernetes_validate.validate(doc, version, strict=True)
        checked += 1
    assert checked >= 12


def test_cert_manager_objects_fit_together(built):
    """Structural check of the cert-manager objects (their CRD schemas are not shipped offline):
    the chain selfSigned Issuer -> CA Certificate -> CA Issuer -> serving Certificate -> the Secret
    the Deployment mounts, and inject-ca-from pointing at the serving Certificate."""
    for namespace in (DEFAULT_NAMESPACE, OTHER_NAMESPACE):
        docs = built[("cert-manager", namespace)]
        selfsigned = find(docs, "Issuer", "tokengate-selfsigned")
        assert selfsigned["spec"] == {"selfSigned": {}}
        ca_cert = find(docs, "Certificate", "tokengate-ca")
        assert ca_cert["spec"]["isCA"] is True
        assert ca_cert["spec"]["issuerRef"]["name"] == "tokengate-selfsigned"
        assert ca_cert["spec"]["privateKey"]["rotationPolicy"] == "Never"
        ca_issuer = find(docs, "Issuer", "tokengate-ca")
        assert ca_issuer["spec"]["ca"]["secretName"] == ca_cert["spec"]["secretName"]
        serving = find(docs, "Certificate", "tokengate-serving")
        assert serving["spec"]["issuerRef"] == {"kind": "Issuer", "name": "tokengate-ca"}
        assert serving["spec"]["secretName"] == tls_secret_name(docs)
        assert f"tokengate.{namespace}.svc" in serving["spec"]["dnsNames"]
        assert all(DEFAULT_NAMESPACE not in n for n in serving["spec"]["dnsNames"]) or namespace == DEFAULT_NAMESPACE
        assert "server auth" in serving["spec"]["usages"]
        for kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
            annotations = find(docs, kind)["metadata"]["annotations"]
            assert annotations["cert-manager.io/inject-ca-from"] == f"{namespace}/tokengate-serving"
            assert all("caBundle" not in w["clientConfig"] for w in find(docs, kind)["webhooks"])


def test_self_signed_cabundle_and_secret_come_from_certs(built):
    docs = built[("self-signed", DEFAULT_NAMESPACE)]
    certs: pathlib.Path = built[("certs", DEFAULT_NAMESPACE)]
    ca = (certs / "ca.crt").read_bytes()
    for kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
        for webhook in find(docs, kind)["webhooks"]:
            assert b64decode_k8s(webhook["clientConfig"]["caBundle"]) == ca
    secret = find(docs, "Secret", tls_secret_name(docs))
    assert secret["type"] == "kubernetes.io/tls"
    for key in ("ca.crt", "tls.crt", "tls.key"):
        assert b64decode_k8s(secret["data"][key]) == (certs / key).read_bytes()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_namespace_change_reaches_every_reference(built, overlay):
    """Only the overlay's `namespace:` line differs; no reference to the old namespace remains."""
    docs = built[(overlay, OTHER_NAMESPACE)]
    assert DEFAULT_NAMESPACE not in repr(docs)
    assert find(docs, "Namespace")["metadata"]["name"] == OTHER_NAMESPACE
    for doc in docs:
        if doc["kind"] not in CLUSTER_SCOPED:
            assert doc["metadata"]["namespace"] == OTHER_NAMESPACE, doc["kind"]
    for binding in find_all(docs, "ClusterRoleBinding"):
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "tokengate", "namespace": OTHER_NAMESPACE}]
    for kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
        for webhook in find(docs, kind)["webhooks"]:
            assert webhook["clientConfig"]["service"]["namespace"] == OTHER_NAMESPACE
            if all(rule.get("scope") == "Cluster" for rule in webhook["rules"]):
                continue  # cluster-scoped objects (TrustedCluster) have no namespace to exclude
            skipped = excluded_namespaces(webhook)
            assert {"kube-system", OTHER_NAMESPACE} <= skipped, skipped


CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration",
                  "ValidatingWebhookConfiguration", "CustomResourceDefinition"}


def excluded_namespaces(webhook: dict) -> set[str]:
    expressions = webhook["namespaceSelector"]["matchExpressions"]
    return {v for e in expressions if e["key"] == "kubernetes.io/metadata.name" and e["operator"] == "NotIn"
            for v in e["values"]}


def tls_secret_name(docs: list[dict]) -> str:
    volumes = find(docs, "Deployment", "tokengate")["spec"]["template"]["spec"]["volumes"]
    return next(v["secret"]["secretName"] for v in volumes if v["name"] == "tls")


def test_mutating_webhook_matches_exactly_the_issue_kinds_and_operations(built):
    webhook, = find(built[("self-signed", DEFAULT_NAMESPACE)], "MutatingWebhookConfiguration")["webhooks"]
    sent = {(g, r): set(rule["operations"]) for rule in webhook["rules"]
            for g in rule["apiGroups"] for r in rule["resources"]}
    create_update = {"CREATE", "UPDATE"}
    assert sent == {
        ("apps", "deployments"): create_update, ("apps", "statefulsets"): create_update,
        ("apps", "daemonsets"): create_update, ("apps", "replicasets"): create_update,
        ("batch", "cronjobs"): create_update,
        ("batch", "jobs"): {"CREATE"},  # a Job's template is immutable: an UPDATE patch would only fail
        ("", "serviceaccounts"): create_update,
        ("", "pods"): {"CREATE"},
    }
    assert all("/" not in r for rule in webhook["rules"] for r in rule["resources"]), "no subresources"
    assert webhook["sideEffects"] == "None"
    assert webhook["admissionReviewVersions"] == ["v1"]
    assert webhook["reinvocationPolicy"] == "IfNeeded"
    assert webhook["failurePolicy"] in ("Ignore", "Fail")
    assert 1 <= webhook["timeoutSeconds"] <= 5
    assert webhook["clientConfig"]["service"]["path"] == "/mutate"
    assert {"kube-system", DEFAULT_NAMESPACE} <= excluded_namespaces(webhook)
    assert len(webhook["name"].split(".")) >= 3


def test_failure_policies_are_explained_both_ways():
    """The choice is documented next to it: what breaks when TokenGate is down, either way."""
    for name in ("mutatingwebhookconfiguration.yaml", "validatingwebhookconfiguration.yaml"):
        text = (REPO / "manifests" / "base" / name).read_text()
        comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
        assert re.search(r"failurePolicy: (Ignore|Fail) -- what breaks when TokenGate is down", comments), name
        assert "* Ignore" in comments and "* Fail" in comments, name


def test_validating_webhook_matches_openunison_workflows_and_targets(built):
    webhooks = find(built[("self-signed", DEFAULT_NAMESPACE)], "ValidatingWebhookConfiguration")["webhooks"]
    assert [w["name"] for w in webhooks] == ["openunison.tokengate.io", "trustedclusters.tokengate.io"]
    webhook = webhooks[0]
    sent = {(g, v, r): set(rule["operations"]) for rule in webhook["rules"]
            for g in rule["apiGroups"] for v in rule["apiVersions"] for r in rule["resources"]}
    assert sent == {("openunison.tremolo.io", "v1", "workflows"): {"CREATE", "UPDATE"},
                    ("openunison.tremolo.io", "v2", "workflows"): {"CREATE", "UPDATE"},
                    ("openunison.tremolo.io", "v1", "targets"): {"CREATE", "UPDATE"}}
    assert webhook["clientConfig"]["service"]["path"] == "/validate"
    assert webhook["sideEffects"] == "None" and webhook["admissionReviewVersions"] == ["v1"]
    assert {"kube-system", DEFAULT_NAMESPACE} <= excluded_namespaces(webhook)


# -- What the API server would send: the CEL matchConditions evaluated like KAS does ----------
OU_LABELS = {"app.kubernetes.io/part-of": "openunison"}
CEL_CASES = [
    # (description, resource, operation, object, sent?)
    ("OpenUnison chart Deployment", "deployments", "CREATE", {"labels": OU_LABELS}, True),
    ("operator-managed object", "deployments", "UPDATE", {"labels": {"app.kubernetes.io/managed-by": "openunison-operator"}}, True),
    ("operator-created object", "serviceaccounts", "CREATE", {"labels": {"operated-by": "openunison-operator"}}, True),
    ("opt-in label", "statefulsets", "CREATE", {"labels": {"tokengate.io/inject": "true"}}, True),
    ("opt-in label set to false", "daemonsets", "CREATE", {"labels": {"tokengate.io/inject": "false"}}, False),
    ("unlabelled Deployment", "deployments", "CREATE", {"labels": {"app": "payments-api"}}, False),
    ("no labels at all", "cronjobs", "CREATE", {"name": "x"}, False),
    ("part-of another product", "deployments", "CREATE", {"labels": {"app.kubernetes.io/part-of": "argocd"}}, False),
    ("OpenUnison pod from a ReplicaSet", "pods", "CREATE",
     {"labels": OU_LABELS, "ownerReferences": [{"kind": "ReplicaSet", "name": "ou-1", "controller": True}]}, True),
    ("mirror pod of a static pod", "pods", "CREATE",
     {"labels": OU_LABELS, "annotations": {"kubernetes.io/config.mirror": "0f1e"}}, False),
    ("ReplicaSet owned by a Deployment", "replicasets", "CREATE",
     {"labels": OU_LABELS, "ownerReferences": [{"kind": "Deployment", "name": "ou", "controller": True}]}, False),
    ("standalone ReplicaSet", "replicasets", "CREATE", {"labels": OU_LABELS}, True),
]


@pytest.fixture(scope="module")
def match_conditions(built):
    webhook, = find(built[("self-signed", DEFAULT_NAMESPACE)], "MutatingWebhookConfiguration")["webhooks"]
    env = celpy.Environment()
    return [(c["name"], env.program(env.compile(c["expression"]))) for c in webhook["matchConditions"]]


@pytest.mark.parametrize("description,resource,operation,metadata,sent", CEL_CASES, ids=[c[0] for c in CEL_CASES])
def test_match_conditions_send_only_candidates(match_conditions, description, resource, operation, metadata, sent):
    """KAS calls the webhook only when every matchCondition is true (k8s-api.md §2.3)."""
    group = {"pods": "", "serviceaccounts": ""}.get(resource, "batch" if resource in ("jobs", "cronjobs") else "apps")
    activation = {
        "object": celpy.json_to_cel({"metadata": metadata}),
        "oldObject": celpy.json_to_cel(None),
        "request": celpy.json_to_cel({"resource": {"group": group, "version": "v1", "resource": resource},
                                      "operation": operation}),
    }
    results = {name: bool(program.evaluate(activation)) for name, program in match_conditions}
    assert all(results.values()) == sent, results


def test_templates_embedded_in_the_binary_match_manifests():
    """`tokengate manifests` carries generated copies of the overlays; they must not drift."""
    result = subprocess.run(["python3", str(REPO / "hack" / "gen-manifest-templates.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr
