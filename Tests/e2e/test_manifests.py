"""manifests/: every overlay builds with the real `kubectl kustomize`, every Kubernetes object
passes the Kubernetes OpenAPI schema (kubernetes-validate, strict: unknown fields fail), and the
objects say what issue 7 asks -- checked on the built output, not on the source files.

Needs: kubectl, openssl, PyPI kubernetes-validate, PyYAML, cel-python (evaluates the webhook's
CEL matchConditions the way the API server would before calling TokenGate). No cluster: where a
test reasons about what the API server would do, it says so.
"""
from __future__ import annotations

import ipaddress
import pathlib
import re
import subprocess

import celpy
import kubernetes_validate
import pytest

from manifest_support import (DEFAULT_NAMESPACE, OVERLAYS, REPO, REVIEW_PAGE, add_component, b64decode_k8s,
                              documents, find, find_all, kustomize, scratch_tree)

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


# -- The opt-in review page (manifests/components/review-page) ----------------------------------

@pytest.fixture(scope="module")
def built_with_review_page(tmp_path_factory) -> dict[tuple[str, str], list[dict]]:
    """Each overlay with the review-page component added, for the default namespace and another;
    under ("plain", overlay, namespace) the same overlay without it, built from the same certs/."""
    out = {}
    for namespace in (DEFAULT_NAMESPACE, OTHER_NAMESPACE):
        tree = scratch_tree(tmp_path_factory.mktemp("review-" + namespace), namespace)
        for overlay in OVERLAYS:
            out[("plain", overlay, namespace)] = documents(kustomize(tree / "manifests" / "overlays" / overlay))
            out[(overlay, namespace)] = documents(kustomize(add_component(tree, overlay, REVIEW_PAGE)))
    return out


def server_args(docs: list[dict]) -> list[str]:
    container, = find(docs, "Deployment", "tokengate")["spec"]["template"]["spec"]["containers"]
    return container["args"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_review_page_is_off_unless_the_component_is_added(built_with_review_page, overlay):
    plain = built_with_review_page[("plain", overlay, DEFAULT_NAMESPACE)]
    review = built_with_review_page[(overlay, DEFAULT_NAMESPACE)]
    assert not any(a.startswith("--review-listen") for a in server_args(plain))
    assert not [d for d in plain if d["metadata"]["name"].startswith("tokengate-reviewer")]
    added = [a for a in server_args(review) if a.startswith("--review-listen")]
    assert added == ["--review-listen=127.0.0.1:8090"]
    host = added[0].split("=", 1)[1].rsplit(":", 1)[0]
    assert ipaddress.ip_address(host).is_loopback, "the page must stay on loopback: port-forward is the way in"
    assert server_args(review) == server_args(plain) + added
    # Nothing else changes: the component only adds its flag and the reviewers' RBAC.
    key = lambda d: (d["kind"], d["metadata"]["name"])  # noqa: E731
    extra = sorted(key(d) for d in review if key(d) not in {key(p) for p in plain})
    assert extra == [("Role", "tokengate-reviewer"), ("RoleBinding", "tokengate-reviewers")]
    unchanged = lambda docs: sorted((repr(d) for d in docs if d["kind"] != "Deployment" and key(d) not in extra))  # noqa: E731
    assert unchanged(review) == unchanged(plain)


@pytest.mark.parametrize("namespace", (DEFAULT_NAMESPACE, OTHER_NAMESPACE))
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_reviewers_may_port_forward_in_tokengates_namespace_and_nothing_more(built_with_review_page, overlay, namespace):
    docs = built_with_review_page[(overlay, namespace)]
    role, binding = find(docs, "Role", "tokengate-reviewer"), find(docs, "RoleBinding", "tokengate-reviewers")
    assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == namespace
    assert role["rules"] == [
        {"apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["tokengate"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
        {"apiGroups": [""], "resources": ["pods/portforward"], "verbs": ["create"]},
    ]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "tokengate-reviewer"}
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "tokengate-reviewers"}]
    # The Deployment `kubectl port-forward deploy/tokengate` names is the one the Role allows.
    assert find(docs, "Deployment", "tokengate")["metadata"]["namespace"] == namespace
    if namespace != DEFAULT_NAMESPACE:
        assert DEFAULT_NAMESPACE not in repr(docs)


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_review_page_objects_validate_against_the_openapi_schema(built_with_review_page, overlay, version):
    docs = built_with_review_page[(overlay, DEFAULT_NAMESPACE)]
    for kind, name in (("Role", "tokengate-reviewer"), ("RoleBinding", "tokengate-reviewers"), ("Deployment", "tokengate")):
        kubernetes_validate.validate(find(docs, kind, name), version, strict=True)
