"""Helpers for the manifest tests: build overlays with the real `kubectl kustomize`, make real
OpenSSL certificates, find objects in a YAML stream, run the `tokengate` binary.

Needs: kubectl (for `kubectl kustomize`), openssl, PyYAML; the binary at $TOKENGATE_BIN
(default .build/debug/tokengate) for the tests that run TokenGate itself.
"""
from __future__ import annotations

import base64
import os
import pathlib
import re
import shutil
import subprocess

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "manifests"
OVERLAYS = ("self-signed", "cert-manager")
# Opt-in components an overlay may add (`components:`), each also embedded in `tokengate manifests`.
REVIEW_PAGE = "review-page"
DEFAULT_NAMESPACE = "tokengate-system"
TOKENGATE_BIN = pathlib.Path(os.environ.get("TOKENGATE_BIN", REPO / ".build" / "debug" / "tokengate"))


def kustomize(path: pathlib.Path) -> str:
    """`kubectl kustomize` output; a build error fails the calling test with kustomize's message."""
    result = subprocess.run(["kubectl", "kustomize", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {path} failed:\n{result.stderr}")
    return result.stdout


def documents(stream: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(stream) if d is not None]


def find(docs: list[dict], kind: str, name: str | None = None) -> dict:
    matches = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(matches) == 1, f"expected one {kind} {name or ''}, found {len(matches)}"
    return matches[0]


def find_all(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def make_ca_and_leaf(directory: pathlib.Path, namespace: str, service: str = "tokengate",
                     ca_name: str = "test-ca") -> pathlib.Path:
    """A CA and a serving certificate with the Service's DNS names, made by the openssl CLI.

    Used where only certificate *bytes* matter (kustomize copies them into the Secret and
    caBundle); the tests that check trust use `tokengate certs` instead.
    """
    directory.mkdir(parents=True, exist_ok=True)
    run = lambda *args: subprocess.run(args, check=True, capture_output=True, cwd=directory)  # noqa: E731
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-subj", f"/CN={ca_name}", "-days", "2",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    names = [service, f"{service}.{namespace}", f"{service}.{namespace}.svc",
             f"{service}.{namespace}.svc.cluster.local", "localhost"]
    san = ",".join(f"DNS:{n}" for n in names) + ",IP:127.0.0.1"
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "tls.key", "-out", "tls.csr", "-subj", f"/CN={service}.{namespace}.svc")
    (directory / "ext.cnf").write_text(f"subjectAltName={san}\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "tls.crt", "-days", "2", "-extfile", "ext.cnf")
    return directory


def scratch_tree(tmp: pathlib.Path, namespace: str = DEFAULT_NAMESPACE,
                 certs_from: pathlib.Path | None = None) -> pathlib.Path:
    """A copy of manifests/ and certs/kustomization.yaml whose overlays install into `namespace`
    (only the `namespace:` line changes, as the overlays' comments tell a user to do), with
    certificates in certs/ -- so tests never touch the developer's own certs/."""
    shutil.copytree(MANIFESTS, tmp / "manifests")
    (tmp / "certs").mkdir()
    shutil.copy(REPO / "certs" / "kustomization.yaml", tmp / "certs")
    if certs_from is None:
        make_ca_and_leaf(tmp / "certs", namespace)
    else:
        for name in ("ca.crt", "tls.crt", "tls.key"):
            shutil.copy(certs_from / name, tmp / "certs" / name)
    for overlay in OVERLAYS:
        kustomization = tmp / "manifests" / "overlays" / overlay / "kustomization.yaml"
        text = kustomization.read_text()
        line = f"namespace: {DEFAULT_NAMESPACE}\n"
        assert text.count(line) == 1, f"{overlay}: expected one top-level `{line.strip()}`"
        kustomization.write_text(text.replace(line, f"namespace: {namespace}\n"))
    return tmp


def add_component(tree: pathlib.Path, overlay: str, component: str) -> pathlib.Path:
    """Turns `component` on in the scratch tree's overlay the way manifests/components/<component>
    tells a user to: a `components:` entry in the overlay's kustomization. Returns the overlay."""
    overlay_dir = tree / "manifests" / "overlays" / overlay
    kustomization = overlay_dir / "kustomization.yaml"
    text = kustomization.read_text()
    assert "\ncomponents:" not in text, f"{overlay} already lists components"
    kustomization.write_text(text + f"components:\n  - ../../components/{component}\n")
    return overlay_dir


def b64decode_k8s(value: str) -> bytes:
    """Decode a []byte field as the API server does: Go's StdEncoding skips newlines, and
    kustomize wraps long Secret data at 70 columns."""
    return base64.b64decode("".join(value.split()), validate=True)


def tokengate_help() -> str:
    if not TOKENGATE_BIN.exists():
        return ""
    result = subprocess.run([str(TOKENGATE_BIN), "--help"], capture_output=True, text=True)
    return result.stdout + result.stderr


def tokengate_has(*subcommands: str) -> bool:
    """Whether the built binary has these subcommands (the server and certs commands come from
    other issues; tests that need them skip, saying so, until the binary has them)."""
    text = tokengate_help()
    return all(re.search(rf"^\s+{re.escape(s)}\b", text, re.MULTILINE) for s in subcommands)


def tokengate(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([str(TOKENGATE_BIN), *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"tokengate {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result
