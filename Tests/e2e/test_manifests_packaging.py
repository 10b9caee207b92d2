"""The pieces that cannot run on this machine stay consistent with the ones that can:
hack/e2e-kind.sh (Docker and kind do not run here) and the Containerfile (no Docker engine) are
checked against the built manifests and against the real `tokengate` binary.

Needs: kubectl, openssl, bash, ldd, readelf (binutils), dpkg and dpkg-query (always on Debian),
PyYAML, cel-python.
"""
from __future__ import annotations

import json
import re
import subprocess

import celpy
import pytest
import yaml

from manifest_support import (DEFAULT_NAMESPACE, REPO, TOKENGATE_BIN, documents, find, kustomize,
                              scratch_tree, tokengate, tokengate_has)

SCRIPT = REPO / "hack" / "e2e-kind.sh"
CONTAINERFILE = REPO / "Containerfile"


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    tree = scratch_tree(tmp_path_factory.mktemp("packaging"))
    return documents(kustomize(tree / "manifests" / "overlays" / "self-signed"))


@pytest.fixture(scope="module")
def script_vars() -> dict[str, str]:
    """The script's plain `NAME=value` settings (the `${VAR:-default}` ones are user knobs)."""
    found = re.findall(r"^([A-Z_]+)=([^$\s][^\s]*)$", SCRIPT.read_text(), re.MULTILINE)
    return dict(found)


def heredoc(name: str, variables: dict[str, str]) -> str:
    text = SCRIPT.read_text()
    match = re.search(rf"<<'?{name}'?\n(.*?)\n{name}\n", text, re.DOTALL)
    assert match, f"heredoc {name} not found in {SCRIPT.name}"
    return re.sub(r"\$\{([A-Z_]+)\}|\$([A-Z_]+)", lambda m: variables[m.group(1) or m.group(2)], match.group(1))


def test_e2e_kind_script_is_valid_bash_and_says_it_does_not_run_here():
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)
    head = SCRIPT.read_text().split("set -euo pipefail")[0]
    assert "NOT RUN BY TOKENGATE'S CI" in head and "no Docker engine" in head


def test_e2e_kind_names_exist_in_the_manifests(docs, script_vars):
    v = script_vars
    deployment = find(docs, "Deployment", v["DEPLOYMENT"])
    pod = deployment["spec"]["template"]["spec"]
    container, = pod["containers"]
    volumes = {vol["name"]: vol for vol in pod["volumes"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert (REPO / v["OVERLAY"] / "kustomization.yaml").is_file()
    assert f"namespace: {v['NAMESPACE']}\n" in (REPO / v["OVERLAY"] / "kustomization.yaml").read_text()
    assert v["NAMESPACE"] == DEFAULT_NAMESPACE == deployment["metadata"]["namespace"]
    assert container["image"] == v["IMAGE"]
    service = find(docs, "Service", v["SERVICE"])
    assert [p["port"] for p in service["spec"]["ports"]] == [int(v["SERVICE_PORT"])]
    assert volumes["tls"]["secret"]["secretName"] == v["TLS_SECRET"]
    assert volumes["config"]["configMap"]["name"] == v["CONFIGMAP"]
    find(docs, "ConfigMap", v["CONFIGMAP"])
    assert volumes["signing-keys"]["secret"]["secretName"] == v["SIGNING_SECRET"]
    assert mounts["signing-keys"] == v["SIGNING_KEYS_DIR"]
    assert [w["name"] for w in find(docs, "MutatingWebhookConfiguration", v["MUTATING_CONFIG"])["webhooks"]] \
        == [v["PROJECTION_WEBHOOK"]]
    assert [w["name"] for w in find(docs, "ValidatingWebhookConfiguration", v["VALIDATING_CONFIG"])["webhooks"]][0] \
        == v["WORKFLOW_WEBHOOK"]
    config = yaml.safe_load(find(docs, "ConfigMap", v["CONFIGMAP"])["data"]["config.yaml"])
    assert config["token_request_audience"] == v["TOKEN_AUDIENCE"]
    text = SCRIPT.read_text()
    assert 'certs --service "$SERVICE" --namespace "$NAMESPACE" --out certs' in text
    assert 'apply -k "$OVERLAY"' in text
    assert "docker build -f Containerfile" in text


def test_e2e_kind_demo_objects_are_ones_the_webhooks_send(docs, script_vars):
    """The demo Deployment and ServiceAccount pass every matchCondition and namespaceSelector (so
    the API server would send them to TokenGate), and the broken Workflow and its stand-in CRD
    match the validating webhook's rules."""
    demo = [d for d in yaml.safe_load_all(heredoc("DEMO_YAML", script_vars)) if d]
    webhook, = find(docs, "MutatingWebhookConfiguration")["webhooks"]
    env = celpy.Environment()
    programs = [env.program(env.compile(c["expression"])) for c in webhook["matchConditions"]]
    resources = {"Deployment": ("apps", "deployments"), "ServiceAccount": ("", "serviceaccounts")}
    excluded = {v for e in webhook["namespaceSelector"]["matchExpressions"] for v in e["values"]}
    for obj in demo:
        group, resource = resources[obj["kind"]]
        rule_ok = any(group in r["apiGroups"] and resource in r["resources"] and "CREATE" in r["operations"]
                      for r in webhook["rules"])
        activation = {"object": celpy.json_to_cel(obj), "oldObject": celpy.json_to_cel(None),
                      "request": celpy.json_to_cel({"resource": {"group": group, "version": "v1", "resource": resource},
                                                    "operation": "CREATE"})}
        assert rule_ok and all(bool(p.evaluate(activation)) for p in programs), obj["kind"]
        assert obj["metadata"]["namespace"] not in excluded
    crd = yaml.safe_load(heredoc("WORKFLOW_CRD", script_vars))
    workflow = yaml.safe_load(heredoc("BROKEN_WORKFLOW", script_vars))
    rules = find(docs, "ValidatingWebhookConfiguration")["webhooks"][0]["rules"]
    group, version = workflow["apiVersion"].split("/")
    assert crd["spec"]["group"] == group and workflow["kind"] == crd["spec"]["names"]["kind"]
    assert any(group in r["apiGroups"] and version in r["apiVersions"] and crd["spec"]["names"]["plural"] in r["resources"]
               for r in rules)


# -- Containerfile ---------------------------------------------------------------------------------

def containerfile_instruction(name: str) -> str:
    """The last `name` instruction of the runtime (last) stage."""
    runtime = CONTAINERFILE.read_text().split("\nFROM ")[-1]
    lines = re.findall(rf"^{name} (.+)$", runtime, re.MULTILINE)
    assert lines, f"no {name} in the Containerfile's runtime stage"
    return lines[-1]


def runtime_packages() -> set[str]:
    runtime = CONTAINERFILE.read_text().split("\nFROM ")[-1]
    install = re.search(r"apt-get install[^\n]*\\\n(.*?)\n \&\&", runtime, re.DOTALL)
    assert install, "no apt-get install in the runtime stage"
    return set(install.group(1).replace("\\", " ").split())


def test_containerfile_matches_the_deployment(docs):
    deployment = find(docs, "Deployment", "tokengate")
    pod = deployment["spec"]["template"]["spec"]
    container, = pod["containers"]
    assert json.loads(containerfile_instruction("ENTRYPOINT")) == ["/usr/local/bin/tokengate", "serve"]
    assert "command" not in container, "the Deployment relies on the image's `tokengate serve` entrypoint"
    uid, gid = containerfile_instruction("USER").split(":")
    assert (int(uid), int(gid)) == (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"])
    assert int(containerfile_instruction("EXPOSE")) == container["ports"][0]["containerPort"]
    cmd = json.loads(containerfile_instruction("CMD"))
    for flag in ("--listen", "--tls-cert", "--tls-key"):
        assert cmd[cmd.index(flag) + 1] == container["args"][container["args"].index(flag) + 1], flag
    assert "--static-swift-stdlib" in CONTAINERFILE.read_text()
    assert re.search(r"^FROM \$\{SWIFT_IMAGE\} AS build$", CONTAINERFILE.read_text(), re.MULTILINE)
    assert re.search(r"^FROM \$\{RUNTIME_IMAGE\}$", CONTAINERFILE.read_text(), re.MULTILINE)
    assert "ARG RUNTIME_IMAGE=debian:bookworm-slim" in CONTAINERFILE.read_text()


# Always in debian:bookworm-slim (glibc and the GCC runtime; zlib for dpkg).
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}


def owning_package(path: str) -> str | None:
    """The Debian package that ships the library file at `path` (tried as given, resolved, and
    under /usr for merged-/usr systems), or None for a file no package owns."""
    resolved = subprocess.run(["realpath", path], capture_output=True, text=True).stdout.strip()
    for candidate in (path, resolved, path.replace("/lib/", "/usr/lib/", 1), resolved.replace("/lib/", "/usr/lib/", 1)):
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":")[0]
    return None


SYSTEM_LOADER = "/lib64/ld-linux-x86-64.so.2"


def binary() -> str:
    """The built binary, when its libraries are this system's: the Containerfile's runtime stage
    is checked against a binary built on Debian 12 itself. One linked against another root (a
    toolchain from another Debian release run in a chroot, whose binaries name that root's loader)
    loads other sonames from other packages, and says nothing about the image."""
    if not TOKENGATE_BIN.exists():
        pytest.skip(f"no binary at {TOKENGATE_BIN}: run swift build --product tokengate")
    headers = subprocess.run(["readelf", "-l", str(TOKENGATE_BIN)], capture_output=True, text=True, check=True).stdout
    loader = re.search(r"Requesting program interpreter: (\S+)\]", headers)
    if loader and loader.group(1) != SYSTEM_LOADER:
        pytest.skip(f"{TOKENGATE_BIN} loads through {loader.group(1)}, not this system's {SYSTEM_LOADER}: "
                    "it was linked against another root, so its libraries are not what the image installs")
    return str(TOKENGATE_BIN)


def loaded_libraries() -> dict[str, str]:
    """Every shared library the loader maps for the binary (`ldd`: its own and their
    dependencies, recursively), by soname, with the path it was found at."""
    output = subprocess.run(["ldd", binary()], capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^\s*(\S+) => (/\S+)", output, re.MULTILINE))


def needed_libraries() -> set[str]:
    """The sonames the binary itself names (DT_NEEDED): what TokenGate links directly."""
    output = subprocess.run(["readelf", "-d", binary()], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[(\S+)\]", output))


def library_packages(libraries: dict[str, str]) -> dict[str, str]:
    """Debian package of each library. The Swift runtime, which the image links statically
    (--static-swift-stdlib), has no Debian package and is left out."""
    packages = {}
    for library, path in libraries.items():
        owner = owning_package(path)
        if owner is None:
            assert "/swift/" in path, f"{library} ({path}) belongs to no Debian package and is not Swift's"
            continue
        packages[library] = owner
    return packages


def linked_packages() -> dict[str, str]:
    """Package of each library the binary links directly: these the runtime stage must name."""
    loaded = loaded_libraries()
    return library_packages({lib: loaded[lib] for lib in needed_libraries() if lib in loaded})


def dependency_closure(packages: set[str]) -> set[str]:
    """`packages` and everything `apt-get install --no-install-recommends` installs with them:
    Depends and Pre-Depends, recursively, the first alternative of each `a | b` (apt's
    choice), read from this machine's dpkg database."""
    seen, todo = set(), list(packages)
    while todo:
        package = todo.pop()
        if package in seen:
            continue
        seen.add(package)
        result = subprocess.run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", package],
                                capture_output=True, text=True)
        if result.returncode != 0:
            continue  # not installed here (ca-certificates, say): its libraries are not loaded either
        for relation in result.stdout.split(","):
            first = relation.split("|")[0].strip()
            if first:
                todo.append(first.split()[0].split(":")[0])
    return seen


def runtime_release() -> str:
    return re.search(r"^ARG RUNTIME_IMAGE=debian:(\w+)", CONTAINERFILE.read_text(), re.MULTILINE).group(1)


def test_containerfile_runtime_installs_every_linked_library():
    """Every library the binary loads is in the runtime image: the ones it links directly are
    named in the runtime stage's apt-get install (or are in the base image), and the ones those
    need in turn (libpq5's Kerberos and LDAP libraries, GnuTLS under LDAP, ...) come with them
    as apt dependencies -- checked against the package metadata, not assumed. The Containerfile
    also fails its build on `ldd ... not found`; this test runs where Docker does not."""
    installed = runtime_packages() | BASE_IMAGE_PACKAGES
    missing = {lib: pkg for lib, pkg in linked_packages().items() if pkg not in installed}
    assert not missing, f"add these packages to the Containerfile's runtime stage: {missing}"

    release = subprocess.run(["sh", "-c", ". /etc/os-release && echo $VERSION_CODENAME"],
                             capture_output=True, text=True).stdout.strip()
    if release != runtime_release():
        pytest.skip(f"this machine runs Debian {release or 'unknown'}, the image {runtime_release()}: "
                    "its package dependencies cannot be read here")
    closure = dependency_closure(installed)
    unreached = {lib: pkg for lib, pkg in library_packages(loaded_libraries()).items() if pkg not in closure}
    assert not unreached, ("these libraries are loaded but no package the runtime stage installs depends on "
                           f"their package, so the image would lack them: {unreached}")
    # The check is not vacuous: libpq5's own dependencies are among what it covered.
    assert {"libgssapi-krb5-2", "libldap-2.5-0"} <= closure


def test_dependency_closure_follows_depends_and_stops_at_unrelated_packages():
    """The closure helper itself, on packages every machine that built TokenGate has."""
    closure = dependency_closure({"libpq5"})
    assert {"libpq5", "libgssapi-krb5-2", "libkrb5-3", "libldap-2.5-0", "libssl3", "libc6"} <= closure
    assert "libjansson4" not in closure and "libsqlite3-0" not in closure


@pytest.mark.skipif(not tokengate_has("serve"), reason="the full server binary (tokengate serve, issue 2) "
                    "links every library; this one is the skeleton")
def test_containerfile_runtime_installs_nothing_the_binary_does_not_link():
    """Minimal image: each package in the runtime stage provides a library the binary links
    directly (their dependencies come by themselves), besides ca-certificates."""
    extra = runtime_packages() - set(linked_packages().values()) - {"ca-certificates"}
    assert not extra, f"the runtime stage installs libraries tokengate does not link: {extra}"


@pytest.mark.skipif(not tokengate_has("keys"), reason="binary has no `keys` subcommand (issue 5)")
def test_e2e_kind_broker_config_is_accepted_by_the_broker(docs, script_vars, tmp_path):
    """The script appends a broker: section to the ConfigMap's config; the broker's own settings
    parser (through `tokengate keys jwks --config`) must accept the result, with the signing key
    directory mapped to a temp dir holding a key made by `tokengate keys generate`."""
    variables = dict(script_vars, SIGNING_KEYS_DIR=str(tmp_path))
    tokengate("keys", "generate", "--alg", "ES256", "--out", str(tmp_path / "signing.pem"))
    config = find(docs, "ConfigMap", script_vars["CONFIGMAP"])["data"]["config.yaml"]
    (tmp_path / "config.yaml").write_text(config + heredoc("BROKER_CONFIG", variables) + "\n")
    jwks = json.loads(tokengate("keys", "jwks", "--config", str(tmp_path / "config.yaml")).stdout)
    assert len(jwks["keys"]) == 1 and jwks["keys"][0]["kty"] == "EC"


@pytest.mark.skipif(not tokengate_has("mutate"), reason="binary has no `mutate` subcommand (issue 3)")
def test_e2e_kind_demo_deployment_gets_the_token_the_script_expects(docs, script_vars, tmp_path):
    """Offline `tokengate mutate` (the webhook's own logic) with the ConfigMap's config gives the
    demo Deployment the projection step 3 of the script checks: audience $BROKER_AUDIENCE from
    the pod-template annotation, mounted read-only at $MOUNT_PATH, automount off."""
    (tmp_path / "config.yaml").write_text(find(docs, "ConfigMap", script_vars["CONFIGMAP"])["data"]["config.yaml"])
    (tmp_path / "demo.yaml").write_text(heredoc("DEMO_YAML", script_vars))
    mutated = {d["kind"]: d for d in documents(
        tokengate("mutate", "--config", str(tmp_path / "config.yaml"), str(tmp_path / "demo.yaml")).stdout)}
    spec = mutated["Deployment"]["spec"]["template"]["spec"]
    assert spec["automountServiceAccountToken"] is False
    projected = [v for v in spec["volumes"] if any("serviceAccountToken" in s for s in v.get("projected", {}).get("sources", []))]
    assert len(projected) == 1
    token = next(s["serviceAccountToken"] for s in projected[0]["projected"]["sources"] if "serviceAccountToken" in s)
    assert token["audience"] == script_vars["BROKER_AUDIENCE"]
    mount, = [m for m in spec["containers"][0]["volumeMounts"] if m["mountPath"] == script_vars["MOUNT_PATH"]]
    assert mount["name"] == projected[0]["name"] and mount.get("readOnly") is True
    assert mutated["ServiceAccount"].get("automountServiceAccountToken") is False
