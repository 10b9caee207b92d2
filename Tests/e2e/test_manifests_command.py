"""`tokengate manifests` prints what `kubectl kustomize` of the overlay prints (for any
namespace), with a caBundle that verifies the serving certificate; and the paths, ports and
probe paths in the manifests are ones the real server serves.

Needs: kubectl, openssl, PyYAML, the binary at $TOKENGATE_BIN. The server test runs
`tokengate serve` with the Deployment's own args (mount paths mapped to temp dirs) and the
ConfigMap's config, certificates from `tokengate certs`; it skips, saying why, while the binary
lacks `serve` or `certs` (issue 2).
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import ssl
import subprocess
import time
import urllib.request
import uuid

import pytest

from manifest_support import (DEFAULT_NAMESPACE, OVERLAYS, REVIEW_PAGE, TOKENGATE_BIN, add_component, b64decode_k8s,
                              documents, find, kustomize, make_ca_and_leaf, scratch_tree, tokengate, tokengate_has)

NAMESPACE = "ou-tokengate"
needs_manifests = pytest.mark.skipif(not tokengate_has("manifests"), reason="binary has no `manifests` subcommand")
needs_server = pytest.mark.skipif(
    not tokengate_has("serve", "certs"),
    reason="needs `tokengate serve` and `tokengate certs` (issue 2) in $TOKENGATE_BIN")


def normalized(docs: list[dict]) -> list[dict]:
    """Base64 fields decoded (kustomize wraps them at 70 columns, TokenGate does not), sorted."""
    for doc in docs:
        if doc["kind"] == "Secret":
            doc["data"] = {k: b64decode_k8s(v) for k, v in doc["data"].items()}
        for webhook in doc.get("webhooks", []):
            if "caBundle" in webhook["clientConfig"]:
                webhook["clientConfig"]["caBundle"] = b64decode_k8s(webhook["clientConfig"]["caBundle"])
    return sorted(docs, key=lambda d: (d["kind"], d["metadata"]["name"]))


@needs_manifests
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_manifests_output_equals_kustomize_of_the_overlay(tmp_path, overlay):
    tree = scratch_tree(tmp_path, NAMESPACE)
    expected = documents(kustomize(tree / "manifests" / "overlays" / overlay))
    args = ["manifests", "--namespace", NAMESPACE, "--overlay", overlay]
    if overlay == "self-signed":
        args += ["--ca", str(tree / "certs" / "ca.crt"), "--with-secret"]
    rendered = documents(tokengate(*args).stdout)
    assert normalized(rendered) == normalized(expected)


@needs_manifests
def test_manifests_leaves_the_private_key_out_unless_asked(tmp_path):
    certs = make_ca_and_leaf(tmp_path / "certs", NAMESPACE)
    output = tokengate("manifests", "--namespace", NAMESPACE, "--ca", str(certs / "ca.crt")).stdout
    assert "PRIVATE KEY" not in output and "tls.key:" not in output
    assert not [d for d in documents(output) if d["kind"] == "Secret"]
    assert f"kubectl -n {NAMESPACE} create secret generic tokengate-tls" in output


@needs_manifests
def test_manifests_keeps_every_ca_of_a_bundle(tmp_path):
    """A CA rotation trusts old and new CA at once: both must survive into caBundle."""
    old = make_ca_and_leaf(tmp_path / "old", NAMESPACE, ca_name="old-ca")
    new = make_ca_and_leaf(tmp_path / "new", NAMESPACE, ca_name="new-ca")
    bundle = tmp_path / "bundle.crt"
    bundle.write_bytes((old / "ca.crt").read_bytes() + (new / "ca.crt").read_bytes())
    docs = documents(tokengate("manifests", "--namespace", NAMESPACE, "--ca", str(bundle)).stdout)
    ca_file = tmp_path / "from-manifests.crt"
    ca_file.write_bytes(b64decode_k8s(find(docs, "MutatingWebhookConfiguration")["webhooks"][0]["clientConfig"]["caBundle"]))
    for leaf in (old / "tls.crt", new / "tls.crt"):
        subprocess.run(["openssl", "verify", "-CAfile", str(ca_file), str(leaf)], check=True, capture_output=True)


@pytest.mark.parametrize("certificates", ["tokengate certs", "openssl"])
@needs_manifests
def test_manifests_cabundle_verifies_the_serving_certificate(tmp_path, certificates):
    certs = tmp_path / "certs"
    if certificates == "tokengate certs":
        if not tokengate_has("certs"):
            pytest.skip("needs `tokengate certs` (issue 2) in $TOKENGATE_BIN")
        tokengate("certs", "--service", "tokengate", "--namespace", NAMESPACE, "--out", str(certs))
    else:
        make_ca_and_leaf(certs, NAMESPACE)
    docs = documents(tokengate("manifests", "--namespace", NAMESPACE, "--ca", str(certs / "ca.crt")).stdout)
    for kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
        for webhook in find(docs, kind)["webhooks"]:
            bundle = tmp_path / f"{kind}.crt"
            bundle.write_bytes(b64decode_k8s(webhook["clientConfig"]["caBundle"]))
            service = webhook["clientConfig"]["service"]
            host = f"{service['name']}.{service['namespace']}.svc"  # the name the API server checks
            verify = subprocess.run(["openssl", "verify", "-CAfile", str(bundle), "-verify_hostname", host,
                                     "-purpose", "sslserver", str(certs / "tls.crt")], capture_output=True, text=True)
            assert verify.returncode == 0, verify.stdout + verify.stderr
    other = make_ca_and_leaf(tmp_path / "other", NAMESPACE, ca_name="other-ca")
    refused = subprocess.run(["openssl", "verify", "-CAfile", str(bundle), str(other / "tls.crt")], capture_output=True)
    assert refused.returncode != 0, "a certificate from another CA must not verify"


@needs_manifests
@pytest.mark.parametrize("args,message", [
    (["--namespace", "Tokengate"], "not a valid Kubernetes namespace name"),
    (["--namespace", "a" * 64], "not a valid Kubernetes namespace name"),
    (["--namespace", "kube-system"], "must not run in kube-system"),
    (["--ca", "{key}"], "contains a private key"),
    (["--ca", "{missing}"], "cannot read"),
    (["--ca", "{notpem}"], "not a PEM certificate"),
    (["--image", "tokengate:dev\nkind: Secret"], "is not an image reference"),
    (["--overlay", "cert-manager", "--ca", "{ca}"], "for the self-signed overlay"),
    (["--overlay", "helm"], "helm"),
])
def test_manifests_rejects_bad_input_with_a_clear_message(tmp_path, args, message):
    certs = make_ca_and_leaf(tmp_path / "certs", NAMESPACE)
    (tmp_path / "not.pem").write_bytes(b"\x30\x82\x01\x0a binary DER")
    paths = {"{key}": str(certs / "tls.key"), "{missing}": str(tmp_path / "nope.crt"),
             "{notpem}": str(tmp_path / "not.pem"), "{ca}": str(certs / "ca.crt")}
    args = [paths.get(a, a) for a in args]
    if "--ca" not in args and "cert-manager" not in args:
        args += ["--ca", str(certs / "ca.crt")]
    result = tokengate("manifests", *args, check=False)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert result.stdout == ""


# -- The manifests against a running server -----------------------------------------------------

class ServiceConnection(http.client.HTTPSConnection):
    """Connects to loopback but verifies the certificate for the Service's DNS name, with the
    caBundle as the only trust anchor -- what the API server does when it calls the webhook."""

    def __init__(self, port: int, server_name: str, context: ssl.SSLContext):
        super().__init__("127.0.0.1", port, context=context, timeout=10)
        self.server_name, self.tls = server_name, context

    def connect(self):
        self.sock = self.tls.wrap_socket(socket.create_connection(("127.0.0.1", self.port), 10),
                                         server_hostname=self.server_name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def review(group: str, version: str, kind: str, resource: str, namespace: str, obj: dict) -> dict:
    gvk, gvr = {"group": group, "version": version, "kind": kind}, {"group": group, "version": version, "resource": resource}
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": str(uuid.uuid4()), "kind": gvk, "resource": gvr, "requestKind": gvk, "requestResource": gvr,
        "name": obj["metadata"].get("name", ""), "namespace": namespace, "operation": "CREATE",
        "userInfo": {"username": "kubernetes-admin", "groups": ["system:masters", "system:authenticated"]},
        "object": obj, "oldObject": None, "dryRun": False,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}}}


REVIEWS = {
    "/mutate": review("apps", "v1", "Deployment", "deployments", "openunison", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "openunison-orchestra", "namespace": "openunison",
                     "labels": {"app.kubernetes.io/part-of": "openunison"}},
        "spec": {"selector": {"matchLabels": {"app": "ou"}}, "template": {
            "metadata": {"labels": {"app": "ou", "app.kubernetes.io/part-of": "openunison"}},
            "spec": {"containers": [{"name": "openunison", "image": "tremolosecurity/openunison:1.0.42"}]}}}}),
    "/validate": review("openunison.tremolo.io", "v1", "Workflow", "workflows", "openunison", {
        "apiVersion": "openunison.tremolo.io/v1", "kind": "Workflow",
        "metadata": {"name": "notify", "namespace": "openunison"},
        "spec": {"description": "notify the user", "inList": False, "orgId": "687da09f-8ec1-48ac-b035-f2f182b9bd1e",
                 "tasks": "- taskType: notifyUser\n  subject: hello\n  msg: hi\n  mailAttrib: mail\n"}}),
}


@pytest.fixture()
def server_from_manifests(tmp_path):
    """`tokengate serve` started exactly as the Deployment starts it (image entrypoint
    `tokengate serve` + the Deployment's args), with the volumes mapped to temp dirs."""
    with started_from_manifests(tmp_path) as started:
        yield started


@contextlib.contextmanager
def started_from_manifests(tmp_path, components=(), loopback_ports=None):
    """The server of the self-signed overlay with `components` added; `loopback_ports` (a dict)
    receives a free port for each 127.0.0.1:PORT the args name, which the server gets instead."""
    certs = tmp_path / "tls"
    tokengate("certs", "--service", "tokengate", "--namespace", DEFAULT_NAMESPACE, "--out", str(certs))
    tree = scratch_tree(tmp_path / "tree", DEFAULT_NAMESPACE, certs_from=certs)
    for component in components:
        add_component(tree, "self-signed", component)
    docs = documents(kustomize(tree / "manifests" / "overlays" / "self-signed"))
    container, = find(docs, "Deployment", "tokengate")["spec"]["template"]["spec"]["containers"]
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.yaml").write_text(find(docs, "ConfigMap", "tokengate-config")["data"]["config.yaml"])
    local = {"tls": certs, "config": config}
    for mount in container["volumeMounts"]:
        local.setdefault(mount["name"], tmp_path / mount["name"])
        local[mount["name"]].mkdir(exist_ok=True)
    port = free_port()
    args = []
    for arg in container["args"]:
        if arg.startswith("0.0.0.0:"):
            arg = f"127.0.0.1:{port}"
        if "=127.0.0.1:" in arg and loopback_ports is not None:
            flag, address = arg.split("=", 1)
            loopback_ports[address] = free_port()
            arg = f"{flag}=127.0.0.1:{loopback_ports[address]}"
        for mount in container["volumeMounts"]:
            if arg.startswith(mount["mountPath"] + "/"):
                arg = str(local[mount["name"]]) + arg[len(mount["mountPath"]):]
                break
        args.append(arg)
    env = dict(os.environ, POD_NAMESPACE=DEFAULT_NAMESPACE, POD_NAME="tokengate-test")
    log = open(tmp_path / "server.log", "w+")
    process = subprocess.Popen([str(TOKENGATE_BIN), "serve", *args], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        yield docs, container, port, process, tmp_path / "server.log"
    finally:
        process.kill()
        process.wait(10)
        log.close()


@needs_server
def test_paths_ports_and_probes_in_the_manifests_are_served(server_from_manifests):
    docs, container, port, process, log = server_from_manifests
    mwc, vwc = find(docs, "MutatingWebhookConfiguration"), find(docs, "ValidatingWebhookConfiguration")
    ref = mwc["webhooks"][0]["clientConfig"]["service"]
    context = ssl.create_default_context(cadata=b64decode_k8s(mwc["webhooks"][0]["clientConfig"]["caBundle"]).decode())
    context.set_alpn_protocols(["http/1.1"])
    connect = lambda: ServiceConnection(port, f"{ref['name']}.{ref['namespace']}.svc", context)  # noqa: E731

    deadline = time.monotonic() + 30
    while True:
        try:
            conn = connect()
            conn.request("GET", container["readinessProbe"]["httpGet"]["path"])
            if conn.getresponse().status == 200:
                break
        except OSError:
            pass
        assert process.poll() is None, "tokengate serve exited with the Deployment's args:\n" + log.read_text()[-3000:]
        assert time.monotonic() < deadline, "server never became ready:\n" + log.read_text()[-3000:]
        time.sleep(0.2)

    for probe in ("readinessProbe", "livenessProbe"):
        conn = connect()
        conn.request("GET", container[probe]["httpGet"]["path"])
        assert conn.getresponse().status == 200, probe

    for webhook in mwc["webhooks"] + vwc["webhooks"]:
        path = webhook["clientConfig"]["service"]["path"]
        body = REVIEWS[path]
        conn = connect()  # KAS adds ?timeout=<timeoutSeconds>s to every call
        conn.request("POST", f"{path}?timeout={webhook['timeoutSeconds']}s", json.dumps(body),
                     {"Content-Type": "application/json"})
        response = conn.getresponse()
        assert response.status == 200, (path, response.status, response.read()[:500])
        answer = json.loads(response.read())
        assert (answer["apiVersion"], answer["kind"]) == ("admission.k8s.io/v1", "AdmissionReview")
        assert answer["response"]["uid"] == body["request"]["uid"]
        assert isinstance(answer["response"]["allowed"], bool)


@needs_server
def test_the_deployment_as_shipped_records_admission_decisions(server_from_manifests, tmp_path):
    """Issue 10 §3: started with the Deployment's own args, the server keeps an audit trail: the
    decisions it answers are in the SQLite file on the `audit` volume after a graceful stop."""
    docs, container, port, process, log = server_from_manifests
    mwc = find(docs, "MutatingWebhookConfiguration")
    ref = mwc["webhooks"][0]["clientConfig"]["service"]
    context = ssl.create_default_context(cadata=b64decode_k8s(mwc["webhooks"][0]["clientConfig"]["caBundle"]).decode())
    deadline = time.monotonic() + 30
    sent = []
    while not sent:
        try:
            conn = ServiceConnection(port, f"{ref['name']}.{ref['namespace']}.svc", context)
            body = REVIEWS[ref["path"]]
            conn.request("POST", ref["path"], json.dumps(body), {"Content-Type": "application/json"})
            assert conn.getresponse().status == 200
            sent.append(body["request"]["uid"])
        except OSError:
            assert process.poll() is None, "tokengate serve exited:\n" + log.read_text()[-3000:]
            assert time.monotonic() < deadline, "server never answered:\n" + log.read_text()[-3000:]
            time.sleep(0.2)
    process.terminate()  # SIGTERM: drain, then flush the audit queue
    assert process.wait(60) == 0, log.read_text()[-3000:]
    args = container["args"]
    mount = next(m for m in container["volumeMounts"] if args[args.index("--audit-db") + 1].startswith(m["mountPath"] + "/"))
    database = tmp_path / mount["name"] / args[args.index("--audit-db") + 1][len(mount["mountPath"]) + 1:]
    result = tokengate("audit", "query", "--db", str(database), "--kind", "admission", "--format", "json")
    events = json.loads(result.stdout)
    assert [e["requestUID"] for e in events if e.get("requestUID") in sent] == sent, events


@needs_manifests
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_manifests_review_page_equals_kustomize_of_the_overlay_with_the_component(tmp_path, overlay):
    tree = scratch_tree(tmp_path, NAMESPACE)
    expected = documents(kustomize(add_component(tree, overlay, REVIEW_PAGE)))
    args = ["manifests", "--namespace", NAMESPACE, "--overlay", overlay, "--review-page"]
    if overlay == "self-signed":
        args += ["--ca", str(tree / "certs" / "ca.crt"), "--with-secret"]
    result = tokengate(*args)
    rendered = documents(result.stdout)
    assert normalized(rendered) == normalized(expected)
    assert find(rendered, "Role", "tokengate-reviewer")["metadata"]["namespace"] == NAMESPACE
    assert f"kubectl -n {NAMESPACE} port-forward deploy/tokengate 8090:8090" in result.stdout
    # Without the flag: no page, no reviewers' Role.
    plain = tokengate(*[a for a in args if a != "--review-page"]).stdout
    assert "--review-listen" not in plain and "tokengate-reviewer" not in plain


@needs_server
def test_the_deployment_with_the_review_page_serves_it_on_loopback(tmp_path):
    """Started with the Deployment's args as the component leaves them, `serve` runs the webhook
    and the review page on the loopback address the component names (mapped to a free port)."""
    ports = {}
    with started_from_manifests(tmp_path, components=[REVIEW_PAGE], loopback_ports=ports) as started:
        docs, container, port, process, log = started
        assert list(ports) == ["127.0.0.1:8090"], container["args"]
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{ports['127.0.0.1:8090']}/", timeout=5) as response:
                    status, body, headers = response.status, response.read().decode(), response.headers
                break
            except OSError:
                assert process.poll() is None, "tokengate serve exited:\n" + log.read_text()[-3000:]
                assert time.monotonic() < deadline, "the review page never answered:\n" + log.read_text()[-3000:]
                time.sleep(0.2)
        assert status == 200 and "TokenGate review" in body
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "kubectl port-forward" in log.read_text()
