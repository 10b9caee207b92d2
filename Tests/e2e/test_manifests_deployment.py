"""The Deployment and the objects around it fit together and follow issue 7: restricted pod
security, two spread replicas with a PodDisruptionBudget, probes on the server's paths, a drain
that fits in the grace period, Service/NetworkPolicy ports that reach the container, RBAC that
grants only TokenReview and `get pods` -- all read from the built self-signed overlay.

Needs: kubectl, openssl, PyYAML; the binary at $TOKENGATE_BIN for the config check.
"""
from __future__ import annotations

import pytest
import yaml

from manifest_support import (DEFAULT_NAMESPACE, documents, find, find_all, kustomize, scratch_tree, tokengate,
                              tokengate_has)


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    tree = scratch_tree(tmp_path_factory.mktemp("deployment"))
    return documents(kustomize(tree / "manifests" / "overlays" / "self-signed"))


@pytest.fixture(scope="module")
def pod(docs):
    return find(docs, "Deployment", "tokengate")["spec"]["template"]


@pytest.fixture(scope="module")
def container(pod):
    containers = pod["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def arg_value(container: dict, flag: str) -> str:
    args = container["args"]
    assert flag in args, f"{flag} missing from {args}"
    return args[args.index(flag) + 1]


def labels_select(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector["matchLabels"].items())


def test_restricted_pod_security(pod, container):
    spec = pod["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    sc = container["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["runAsNonRoot"] is True
    assert not spec.get("hostNetwork") and not spec.get("hostPID") and not sc.get("privileged")
    volume_types = {k for v in spec["volumes"] for k in v if k != "name"}
    assert volume_types <= {"secret", "configMap", "emptyDir", "projected"}, volume_types


def test_namespace_enforces_restricted_pod_security(docs):
    labels = find(docs, "Namespace")["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_resources_requests_and_limits(container):
    resources = container["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    assert set(resources["limits"]) == {"cpu", "memory"}


def test_two_spread_replicas_and_a_disruption_budget(docs, pod):
    deployment = find(docs, "Deployment", "tokengate")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    term = pod["spec"]["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert labels_select(term["podAffinityTerm"]["labelSelector"], pod["metadata"]["labels"])
    pdb = find(docs, "PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1
    assert labels_select(pdb["spec"]["selector"], pod["metadata"]["labels"])
    assert labels_select(deployment["spec"]["selector"], pod["metadata"]["labels"])


def test_probes_use_https_on_the_serving_port(container):
    port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = container[probe]["httpGet"]
        assert get["scheme"] == "HTTPS" and get["path"] == path
        assert port_names[get["port"]] == listen_port(container)


def listen_port(container: dict) -> int:
    return int(arg_value(container, "--listen").rsplit(":", 1)[1])


def test_drain_fits_in_the_termination_grace_period(docs, pod, container):
    """SIGTERM -> /readyz 503 while still serving for --drain-seconds -> listener closes ->
    in-flight requests get --shutdown-grace-seconds (no less than the longest webhook timeout,
    after which the API server stops waiting) -> exit, all before the kubelet's SIGKILL."""
    drain = int(arg_value(container, "--drain-seconds"))
    shutdown_grace = int(arg_value(container, "--shutdown-grace-seconds"))
    timeouts = [w["timeoutSeconds"] for kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
                for w in find(docs, kind)["webhooks"]]
    grace = pod["spec"]["terminationGracePeriodSeconds"]
    assert drain >= 5, "endpoint removal needs a few seconds to reach kube-proxy and the API server"
    assert shutdown_grace >= max(timeouts), (shutdown_grace, timeouts)
    prestop = container.get("lifecycle", {}).get("preStop", {})
    prestop_sleep = prestop.get("sleep", {}).get("seconds", 0)  # a preStop sleep would add to the drain
    assert grace >= prestop_sleep + drain + shutdown_grace + 5, (grace, prestop_sleep, drain, shutdown_grace)


def test_mounted_paths_match_the_server_flags(pod, container):
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert arg_value(container, "--tls-cert") == mounts["tls"] + "/tls.crt"
    assert arg_value(container, "--tls-key") == mounts["tls"] + "/tls.key"
    assert "subPath" not in str(container["volumeMounts"]), "subPath mounts never see Secret updates"
    config = arg_value(container, "--config")
    assert config == mounts["config"] + "/config.yaml"
    assert volumes["config"]["configMap"]["name"] == "tokengate-config"
    writable = {"tmp", "audit"}
    assert all(m.get("readOnly") for m in container["volumeMounts"] if m["name"] not in writable)


def test_the_audit_trail_is_kept_on_its_own_writable_volume(pod, container):
    """Issue 10 §3: an install from manifests/ keeps an audit trail by default. The root file
    system is read-only, so the SQLite file needs a writable volume; an emptyDir with a size limit
    (past it the kubelet evicts the pod) and a retention that keeps the file well below it."""
    path = arg_value(container, "--audit-db")
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    directory = path.rsplit("/", 1)[0]
    assert directory in mounts, f"{path} is not on a mounted volume: {sorted(mounts)}"
    mount = mounts[directory]
    assert not mount.get("readOnly"), "the audit volume must be writable"
    volume, = [v for v in pod["spec"]["volumes"] if v["name"] == mount["name"]]
    assert "emptyDir" in volume and volume["emptyDir"].get("sizeLimit"), volume
    assert int(arg_value(container, "--audit-retention-days")) >= 1
    assert "--audit-dsn" not in container["args"], "give --audit-db or TOKENGATE_AUDIT_DSN, not both"
    assert "--audit-spool" not in container["args"], "the default spool (<audit-db>.spool) is on the same volume"


def test_configmap_has_the_openunison_keys_at_the_top(docs):
    text = find(docs, "ConfigMap", "tokengate-config")["data"]["config.yaml"]
    config = yaml.safe_load(text)
    assert config["enable_tokenrequest"] is True
    assert config["token_request_expiration_seconds"] >= 600
    assert config["token_request_audience"] not in ("", "api")  # OpenUnison issue #108
    first_keys = [line.split(":")[0] for line in text.splitlines() if line and not line.startswith((" ", "#"))][:3]
    assert first_keys == ["enable_tokenrequest", "token_request_audience", "token_request_expiration_seconds"]


def test_service_and_network_policy_reach_the_container(docs, pod, container):
    port = listen_port(container)
    service = find(docs, "Service", "tokengate")
    svc_port, = service["spec"]["ports"]
    assert svc_port["port"] == 443
    named = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert named.get(svc_port["targetPort"], svc_port["targetPort"]) == port
    assert labels_select({"matchLabels": service["spec"]["selector"]}, pod["metadata"]["labels"])
    for kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
        for webhook in find(docs, kind)["webhooks"]:
            ref = webhook["clientConfig"]["service"]
            assert (ref["name"], ref["namespace"], ref["port"]) == ("tokengate", DEFAULT_NAMESPACE, 443)
    policy = find(docs, "NetworkPolicy")
    assert labels_select(policy["spec"]["podSelector"], pod["metadata"]["labels"])
    rules = policy["spec"]["ingress"]
    assert all([p["port"] for p in r["ports"]] == [port] for r in rules)
    api_server = [r for r in rules if any("ipBlock" in f for f in r["from"])]
    assert {f["ipBlock"]["cidr"] for r in api_server for f in r["from"]} == {"0.0.0.0/0", "::/0"}
    assert [r for r in rules if {"namespaceSelector": {}} in r["from"]], "pods in every namespace reach the broker"


def test_rbac_grants_only_tokenreview_and_get_pods(docs):
    """...plus, for TrustedCluster resources (issue 13), exactly get/list/watch on them and
    update/patch on their status."""
    roles = find_all(docs, "ClusterRole")
    assert [r["rules"] for r in roles] == [
        [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}],
        [{"apiGroups": ["tokengate.io"], "resources": ["trustedclusters"], "verbs": ["get", "list", "watch"]},
         {"apiGroups": ["tokengate.io"], "resources": ["trustedclusters/status"], "verbs": ["update", "patch"]}],
    ]
    bindings = {b["roleRef"]["name"]: b["subjects"] for b in find_all(docs, "ClusterRoleBinding")}
    subject = [{"kind": "ServiceAccount", "name": "tokengate", "namespace": DEFAULT_NAMESPACE}]
    assert bindings == {"system:auth-delegator": subject, roles[0]["metadata"]["name"]: subject,
                        roles[1]["metadata"]["name"]: subject}
    role, = find_all(docs, "Role")  # caConfigMap of a TrustedCluster: ConfigMaps in TokenGate's namespace only
    assert role["metadata"]["namespace"] == DEFAULT_NAMESPACE
    assert role["rules"] == [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]
    binding, = find_all(docs, "RoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"] and binding["subjects"] == subject
    deployment = find(docs, "Deployment", "tokengate")
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "tokengate"


@pytest.mark.skipif(not tokengate_has("mutate"), reason="binary has no `mutate` subcommand (issue 3)")
def test_configmap_config_is_the_one_tokengate_reads(docs, tmp_path):
    """The ConfigMap's config.yaml, fed to the same settings code the server uses (through the
    offline `tokengate mutate`), projects an OpenUnison Deployment with the configured audience."""
    text = find(docs, "ConfigMap", "tokengate-config")["data"]["config.yaml"]
    config = yaml.safe_load(text)
    (tmp_path / "config.yaml").write_text(text)
    (tmp_path / "deployment.yaml").write_text(yaml.safe_dump({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "openunison-orchestra", "namespace": "openunison",
                     "labels": {"app.kubernetes.io/part-of": "openunison"}},
        "spec": {"selector": {"matchLabels": {"app": "ou"}}, "template": {
            "metadata": {"labels": {"app": "ou"}},
            "spec": {"containers": [{"name": "openunison", "image": "tremolosecurity/openunison:1.0.42"}]}}}}))
    result = tokengate("mutate", "--config", str(tmp_path / "config.yaml"), str(tmp_path / "deployment.yaml"))
    mutated, = documents(result.stdout)
    sources = [s for v in mutated["spec"]["template"]["spec"]["volumes"] for s in v.get("projected", {}).get("sources", [])]
    token = next(s["serviceAccountToken"] for s in sources if "serviceAccountToken" in s)
    assert token["audience"] == config["token_request_audience"]
    assert token["expirationSeconds"] == config["token_request_expiration_seconds"]
