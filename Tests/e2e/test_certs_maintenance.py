"""`tokengate certs --check` and `tokengate certs --rotate` (issue 7), driven through the real
binary and checked with the openssl CLI. The logic is Sources/tokengate/CertsMaintenance.swift,
wired into CertsCommand; the tests skip, saying so, on a binary without the flags.

Needs: openssl, the binary at $TOKENGATE_BIN with `certs --check/--rotate`.
"""
from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

from manifest_support import REPO, b64decode_k8s, documents, find, make_ca_and_leaf, tokengate, tokengate_has

NAMESPACE = "ou-tokengate"


def certs_has_maintenance() -> bool:
    if not tokengate_has("certs"):
        return False
    help_text = tokengate("certs", "--help", check=False)
    return "--rotate" in help_text.stdout and "--check" in help_text.stdout


pytestmark = pytest.mark.skipif(not certs_has_maintenance(),
                                reason="`tokengate certs` has no --check/--rotate yet (CertsMaintenance.swift is not wired)")


def check(directory: pathlib.Path, namespace: str = NAMESPACE, *extra: str) -> subprocess.CompletedProcess:
    return tokengate("certs", "--check", "--service", "tokengate", "--namespace", namespace,
                     "--out", str(directory), *extra, check=False)


def openssl(*args: str) -> str:
    return subprocess.run(["openssl", *args], check=True, capture_output=True, text=True).stdout


def test_check_passes_for_fresh_certificates_and_prints_names_and_days(tmp_path):
    tokengate("certs", "--service", "tokengate", "--namespace", NAMESPACE, "--out", str(tmp_path))
    result = check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"DNS:tokengate.{NAMESPACE}.svc" in result.stdout
    assert "IP Address:127.0.0.1" in result.stdout
    assert "expires in 36" in result.stdout  # 365 days by default, minus the seconds the test took


@pytest.mark.parametrize("problem", ["other namespace", "expires soon", "foreign key", "foreign CA"])
def test_check_fails_and_names_the_problem(tmp_path, problem):
    tokengate("certs", "--service", "tokengate", "--namespace", NAMESPACE, "--out", str(tmp_path / "a"))
    other = make_ca_and_leaf(tmp_path / "other", NAMESPACE)
    args, message = {
        "other namespace": ((tmp_path / "a", "elsewhere"), "does not name tokengate.elsewhere.svc"),
        "expires soon": ((tmp_path / "a", NAMESPACE, "--warn-days", "400"), "less than 400"),
        "foreign key": ((tmp_path / "a", NAMESPACE), "tls.key is not the key of tls.crt"),
        "foreign CA": ((tmp_path / "a", NAMESPACE), "not signed by any CA in ca.crt"),
    }[problem]
    if problem == "foreign key":
        shutil.copy(other / "tls.key", tmp_path / "a" / "tls.key")
    if problem == "foreign CA":
        shutil.copy(other / "ca.crt", tmp_path / "a" / "ca.crt")
    result = check(*args)
    assert result.returncode == 1
    assert message in result.stdout, result.stdout


def test_rotate_issues_a_new_serving_certificate_that_the_old_cabundle_still_trusts(tmp_path):
    certs = make_ca_and_leaf(tmp_path / "certs", NAMESPACE)  # openssl CA, so ca.key exists
    ca_before = (certs / "ca.crt").read_bytes()
    serial_before = openssl("x509", "-in", str(certs / "tls.crt"), "-noout", "-serial")
    bundle_docs = documents(tokengate("manifests", "--namespace", NAMESPACE, "--ca", str(certs / "ca.crt")).stdout)

    tokengate("certs", "--rotate", "--service", "tokengate", "--namespace", NAMESPACE, "--out", str(certs))

    assert (certs / "ca.crt").read_bytes() == ca_before, "--rotate must leave the CA alone"
    assert openssl("x509", "-in", str(certs / "tls.crt"), "-noout", "-serial") != serial_before
    assert (certs / "tls.key").stat().st_mode & 0o777 == 0o600
    cert_pub = openssl("x509", "-in", str(certs / "tls.crt"), "-noout", "-pubkey")
    key_pub = openssl("pkey", "-in", str(certs / "tls.key"), "-pubout")
    assert cert_pub == key_pub, "tls.key is not the key of the new tls.crt"
    bundle = tmp_path / "bundle.crt"  # the caBundle rendered BEFORE the rotation
    bundle.write_bytes(b64decode_k8s(find(bundle_docs, "MutatingWebhookConfiguration")["webhooks"][0]["clientConfig"]["caBundle"]))
    openssl("verify", "-CAfile", str(bundle), "-verify_hostname", f"tokengate.{NAMESPACE}.svc",
            "-purpose", "sslserver", str(certs / "tls.crt"))
    assert check(certs).returncode in (0, 1)  # runs; the openssl test CA itself expires in 2 days


def test_rotate_without_the_ca_key_explains_the_way_out(tmp_path):
    certs = make_ca_and_leaf(tmp_path / "certs", NAMESPACE)
    (certs / "ca.key").unlink()
    result = tokengate("certs", "--rotate", "--service", "tokengate", "--namespace", NAMESPACE,
                       "--out", str(certs), check=False)
    assert result.returncode != 0
    assert "ca.key" in result.stderr and "New CA" in result.stderr


def test_certs_writes_the_ca_key_0600_and_git_ignores_every_key(tmp_path):
    """`tokengate certs` keeps the CA key (for --rotate) next to the certificates, private, and
    certs/.gitignore keeps it -- and every other key -- out of git even without the top-level
    .gitignore (certs/ copied into a GitOps repository, say)."""
    out = tmp_path / "certs"
    tokengate("certs", "--service", "tokengate", "--namespace", NAMESPACE, "--out", str(out))
    assert (out / "ca.key").stat().st_mode & 0o777 == 0o600
    ca_pub = openssl("x509", "-in", str(out / "ca.crt"), "-noout", "-pubkey")
    assert openssl("pkey", "-in", str(out / "ca.key"), "-pubout") == ca_pub, "ca.key is not the key of ca.crt"

    repo = tmp_path / "gitops"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    shutil.copytree(REPO / "certs", repo / "certs", ignore=shutil.ignore_patterns("*.key", "*.crt", "*.pem"))
    for name in ("ca.key", "tls.key", "ca.crt", "tls.crt"):
        shutil.copy(out / name, repo / "certs" / name)
    (repo / "certs" / "signing.pem").write_text("not a real key")
    status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=all"],
                            check=True, capture_output=True, text=True).stdout
    assert "certs/kustomization.yaml" in status and "certs/README.md" in status
    for name in ("ca.key", "tls.key", "signing.pem", "ca.crt", "tls.crt"):
        assert name not in status, f"certs/{name} would be committed:\n{status}"


def test_rotate_and_check_read_the_service_names_from_the_current_certificate(tmp_path):
    """certs/README.md's `tokengate certs --rotate --out certs` works without --service and
    --namespace: the names come from the current tls.crt (CN NAME.NS.svc)."""
    out = tmp_path / "certs"
    tokengate("certs", "--service", "tokengate", "--namespace", NAMESPACE, "--out", str(out))
    serial_before = openssl("x509", "-in", str(out / "tls.crt"), "-noout", "-serial")
    tokengate("certs", "--rotate", "--out", str(out), "--days", "90")
    assert openssl("x509", "-in", str(out / "tls.crt"), "-noout", "-serial") != serial_before
    openssl("verify", "-CAfile", str(out / "ca.crt"), "-verify_hostname", f"tokengate.{NAMESPACE}.svc",
            "-purpose", "sslserver", str(out / "tls.crt"))
    result = tokengate("certs", "--check", "--out", str(out), check=False)
    assert result.returncode == 0, result.stdout
    assert "expires in 89 days" in result.stdout or "expires in 90 days" in result.stdout
    assert tokengate("certs", "--check", "--out", str(out), "--warn-days", "91", check=False).returncode == 1
