#!/usr/bin/env python3
"""Writes Sources/tokengate/ManifestTemplates*.swift from manifests/ (the one source of truth).

`tokengate manifests` must work from the binary alone (in the container image, on a laptop
without kustomize), so it carries the overlays' output inside. Rather than keeping a second,
hand-written copy that drifts, this script renders each overlay with `kubectl kustomize` and
embeds the result with four placeholders the Swift side fills in:

    {{namespace}}   every occurrence of the overlays' namespace (tokengate-system)
    {{image}}       the container image (tokengate:dev)
    {{caBundle}}    the base64 CA bundle (self-signed overlay only)
    # {{tls-secret}} the document where the Secret tokengate-tls goes (self-signed only)

Each overlay is also rendered with the opt-in component manifests/components/review-page added
to it (as its comment tells a user to do), for `tokengate manifests --review-page`.

Run it after changing anything under manifests/ or certs/kustomization.yaml:
    python3 hack/gen-manifest-templates.py          # rewrite the Swift file
    python3 hack/gen-manifest-templates.py --check  # exit 1 and show a diff when it is stale
Tests/e2e/test_manifests.py runs the --check form. Needs only python3 and kubectl.
"""
from __future__ import annotations

import base64
import difflib
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "Sources" / "tokengate" / "ManifestTemplates.swift"
NAMESPACE = "tokengate-system"
IMAGE = "tokengate:dev"
SECRET_NAME = "tokengate-tls"
PLACEHOLDER_CA = b"TOKENGATE-CA-BUNDLE-PLACEHOLDER\n"
OVERLAYS = {"selfSigned": "self-signed", "certManager": "cert-manager"}
# Opt-in components: each overlay is also embedded with each of these added to it.
COMPONENTS = {"ReviewPage": "review-page"}


def render(overlay: str, component: str | None = None) -> str:
    """`kubectl kustomize` of one overlay (with `component` added to its kustomization), in a
    scratch copy whose certs/ holds placeholders."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp_root = pathlib.Path(tmp)
        shutil.copytree(ROOT / "manifests", tmp_root / "manifests")
        (tmp_root / "certs").mkdir()
        shutil.copy(ROOT / "certs" / "kustomization.yaml", tmp_root / "certs")
        (tmp_root / "certs" / "ca.crt").write_bytes(PLACEHOLDER_CA)
        (tmp_root / "certs" / "tls.crt").write_bytes(b"TOKENGATE-TLS-CRT-PLACEHOLDER\n")
        (tmp_root / "certs" / "tls.key").write_bytes(b"TOKENGATE-TLS-KEY-PLACEHOLDER\n")
        if component is not None:
            kustomization = tmp_root / "manifests" / "overlays" / overlay / "kustomization.yaml"
            if "\ncomponents:" in kustomization.read_text():
                sys.exit(f"gen-manifest-templates: overlay {overlay} already lists components; extend this script")
            with kustomization.open("a") as f:
                f.write(f"components:\n  - ../../components/{component}\n")
        out = subprocess.run(
            ["kubectl", "kustomize", str(tmp_root / "manifests" / "overlays" / overlay)],
            check=True, capture_output=True, text=True)
        return out.stdout


def templatize(rendered: str) -> str:
    documents = rendered.split("\n---\n")
    kept = []
    for doc in documents:
        if "\nkind: Secret\n" in f"\n{doc}" and f"\n  name: {SECRET_NAME}\n" in doc:
            kept.append("# {{tls-secret}}")
        else:
            kept.append(doc)
    text = "\n---\n".join(kept)
    ca_b64 = base64.b64encode(PLACEHOLDER_CA).decode()
    text = text.replace(f"caBundle: {ca_b64}", "caBundle: {{caBundle}}")
    if ca_b64 in text:
        sys.exit("gen-manifest-templates: the placeholder CA appears outside caBundle; check the overlay")
    if "{{" in rendered:
        sys.exit("gen-manifest-templates: manifests/ must not contain '{{' (reserved for placeholders)")
    text = text.replace(f"image: {IMAGE}\n", "image: {{image}}\n")
    text = text.replace(NAMESPACE, "{{namespace}}")
    if '"""#' in text:
        sys.exit('gen-manifest-templates: manifests/ must not contain """# (ends a Swift raw string)')
    return text


# Each document goes to the file of its kind's group, so no generated file is a 1,000-line wall.
GROUPS = {
    "CRD": ("the TrustedCluster CustomResourceDefinition", {"CustomResourceDefinition"}),
    "RBAC": ("ServiceAccount, Roles, ClusterRoles and their bindings",
             {"ServiceAccount", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}),
    "Deployment": ("the Deployment", {"Deployment"}),
    "Webhooks": ("the webhook configurations", {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}),
    "CertManager": ("cert-manager's Issuers and Certificates", {"Issuer", "Certificate"}),
    "Workload": ("the namespace and what serves the webhook beside its Deployment", None),
}
HEADER = [
    "// SPDX-License-Identifier: Apache-2.0",
    "// GENERATED by hack/gen-manifest-templates.py from manifests/ -- do not edit by hand.",
    "// Change the YAML under manifests/, then run `python3 hack/gen-manifest-templates.py`;",
    "// Tests/e2e/test_manifests.py fails while these files and manifests/ disagree.",
    "",
]


def camel(words: list[str], upper_first: bool) -> str:
    parts = [w for word in words for w in re.split(r"[^A-Za-z0-9]+", word) if w]
    text = "".join(w[:1].upper() + w[1:] for w in parts)
    return text if upper_first or not text else text[:1].lower() + text[1:]


def kind_and_name(document: str) -> tuple[str, str]:
    if document == "# {{tls-secret}}":
        return "Secret", "tls-placeholder"
    kind = re.search(r"^kind: (\S+)$", document, re.M)
    name = re.search(r"^  name: (\S+)$", document, re.M)
    if not kind or not name:
        sys.exit(f"gen-manifest-templates: a document without kind or metadata.name:\n{document[:200]}")
    return kind[1], name[1]


def document_names(documents: list[str], users: list[set[tuple[str, str | None]]]) -> list[str]:
    """A Swift name per document: its kind and name (`roleTrustedclusterCa`), plus, where one kind
    and name has several documents, what tells them apart (the overlay, or the component)."""
    base = []
    for document in documents:
        kind, name = kind_and_name(document)
        name = "" if name == "{{namespace}}" else name.replace(".tokengate.io", "").replace("tokengate-", "").replace("tokengate", "")
        base.append(camel([kind, name], upper_first=False))
    names = list(base)
    for index, name in enumerate(base):
        siblings = [i for i, other in enumerate(base) if other == name]
        if len(siblings) == 1:
            continue
        suffix = []
        for position, label in ((0, lambda v: camel([v], True)), (1, lambda v: camel([v or "none"], True))):
            values = [{user[position] for user in users[i]} for i in siblings]
            if all(len(v) == 1 for v in values) and len({next(iter(v)) for v in values}) == len(siblings):
                value = next(iter(users[index]))[position]
                if position == 0 or value is not None:
                    suffix.append(label(value))
        names[index] = name + "".join(suffix)
    if len(set(names)) != len(names):
        sys.exit(f"gen-manifest-templates: documents are not told apart by name: {names}; extend document_names")
    return names


def group_of(document: str) -> str:
    kind, _ = kind_and_name(document)
    for group, (_, kinds) in GROUPS.items():
        if kinds is not None and kind in kinds:
            return group
    return "Workload"


def swift_sources() -> dict[pathlib.Path, str]:
    """ManifestTemplates.swift lists each overlay's documents by name; each distinct document is
    stored once, in ManifestTemplates+<group>.swift, so the objects the overlays share (most of
    the base) are not embedded twice."""
    documents: list[str] = []
    users: list[set[tuple[str, str | None]]] = []
    overlays: dict[str, list[int]] = {}
    variants = [(name, overlay, None) for name, overlay in OVERLAYS.items()]
    variants += [(name + suffix, overlay, component) for suffix, component in COMPONENTS.items()
                 for name, overlay in OVERLAYS.items()]
    for name, overlay, component in variants:
        body = templatize(render(overlay, component)).rstrip("\n")
        parts = body.split("\n---\n")
        if "\n---\n".join(parts) != body or any(part.endswith("\n") or not part for part in parts):
            sys.exit(f"gen-manifest-templates: overlay {overlay} does not split cleanly into documents")
        indices = []
        for part in parts:
            if part not in documents:
                documents.append(part)
                users.append(set())
            index = documents.index(part)
            users[index].add((overlay, component))
            indices.append(index)
        overlays[name] = indices
    names = document_names(documents, users)

    lines = HEADER + [
        "/// `kubectl kustomize` output of each overlay, with the placeholders `{{namespace}}`,",
        "/// `{{image}}`, `{{caBundle}}` and the `# {{tls-secret}}` document that",
        "/// ``ManifestRenderer`` fills in. Each document is stored once, in the",
        "/// `ManifestTemplates+<group>.swift` file of its kind, and named here in kustomize's order.",
        "enum ManifestTemplates {",
    ]
    for name, overlay, component in variants:
        with_component = f" with components/{component}" if component else ""
        listed = textwrap.wrap(", ".join(names[i] for i in overlays[name]), 100)
        lines += [
            f"    /// manifests/overlays/{overlay}{with_component}",
            f"    static var {name}: String {{",
            "        assemble([",
            *(f"            {line}" for line in listed),
            "        ])",
            "    }",
            "",
        ]
    lines += [
        "    /// An overlay's documents joined as kustomize prints them.",
        "    private static func assemble(_ documents: [String]) -> String {",
        '        documents.joined(separator: "\\n---\\n")',
        "    }",
        "}",
    ]
    sources = {OUTPUT: "\n".join(lines) + "\n"}
    for group, (what, _) in GROUPS.items():
        members = [i for i, document in enumerate(documents) if group_of(document) == group]
        if not members:
            continue
        lines = HEADER + [f"/// Overlay documents: {what}.", "extension ManifestTemplates {"]
        for position, index in enumerate(members):
            used = sorted(f"{overlay}" + (f" + {component}" if component else "") for overlay, component in users[index])
            if position:
                lines.append("")
            lines += [f"    /// In: {', '.join(used)}.", f'    static let {names[index]} = #"""',
                      *documents[index].split("\n"), '"""#']
        lines.append("}")
        sources[OUTPUT.with_name(f"ManifestTemplates+{group}.swift")] = "\n".join(lines) + "\n"
    return sources


def main() -> int:
    check = "--check" in sys.argv[1:]
    sources = swift_sources()
    stale = [path for path in sorted(OUTPUT.parent.glob("ManifestTemplates+*.swift")) if path not in sources]
    changed = [path for path, source in sources.items() if (path.read_text() if path.exists() else "") != source]
    if check:
        if not changed and not stale:
            return 0
        for path in changed:
            current = path.read_text() if path.exists() else ""
            sys.stdout.writelines(difflib.unified_diff(
                current.splitlines(True), sources[path].splitlines(True),
                str(path.relative_to(ROOT)), "regenerated from manifests/"))
        for path in stale:
            print(f"{path.relative_to(ROOT)} is no longer generated")
        print("the manifest templates are stale: run python3 hack/gen-manifest-templates.py", file=sys.stderr)
        return 1
    for path in changed:
        path.write_text(sources[path])
        print(f"wrote {path.relative_to(ROOT)}")
    for path in stale:
        path.unlink()
        print(f"removed {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
