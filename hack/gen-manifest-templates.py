#!/usr/bin/env python3
"""Writes Sources/tokengate/ManifestTemplates.swift from manifests/ (the one source of truth).

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
import shutil
import subprocess
import sys
import tempfile

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


def swift_literal(text: str, indent: str) -> list[str]:
    return [f'{indent}#"""', *text.split("\n"), '"""#,']


def swift_source() -> str:
    """Each distinct document is stored once; an overlay is the list of its documents' indices,
    so the objects both overlays share (most of the base) are not embedded twice."""
    documents: list[str] = []
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
            indices.append(documents.index(part))
        overlays[name] = indices
    lines = [
        "// SPDX-License-Identifier: Apache-2.0",
        "// GENERATED by hack/gen-manifest-templates.py from manifests/ -- do not edit by hand.",
        "// Change the YAML under manifests/, then run `python3 hack/gen-manifest-templates.py`;",
        "// Tests/e2e/test_manifests.py fails while this file and manifests/ disagree.",
        "",
        "/// `kubectl kustomize` output of each overlay, with the placeholders `{{namespace}}`,",
        "/// `{{image}}`, `{{caBundle}}` and the `# {{tls-secret}}` document that",
        "/// ``ManifestRenderer`` fills in. Documents the overlays share are stored once.",
        "enum ManifestTemplates {",
    ]
    for name, overlay, component in variants:
        with_component = f" with components/{component}" if component else ""
        lines += [
            f"    /// manifests/overlays/{overlay}{with_component}",
            f"    static var {name}: String {{ assemble({overlays[name]}) }}",
            "",
        ]
    lines += [
        "    /// An overlay's documents in kustomize's order, joined as kustomize prints them.",
        "    private static func assemble(_ indices: [Int]) -> String {",
        '        indices.map { documents[$0] }.joined(separator: "\\n---\\n")',
        "    }",
        "",
        "    /// Every distinct document of the overlays, in first-seen order.",
        "    private static let documents: [String] = [",
    ]
    for document in documents:
        lines += swift_literal(document, "        ")
    lines += ["    ]", "}"]
    return "\n".join(lines) + "\n"


def main() -> int:
    check = "--check" in sys.argv[1:]
    source = swift_source()
    current = OUTPUT.read_text() if OUTPUT.exists() else ""
    if check:
        if current == source:
            return 0
        sys.stdout.writelines(difflib.unified_diff(
            current.splitlines(True), source.splitlines(True),
            str(OUTPUT.relative_to(ROOT)), "regenerated from manifests/"))
        print(f"\n{OUTPUT.relative_to(ROOT)} is stale: run python3 hack/gen-manifest-templates.py",
              file=sys.stderr)
        return 1
    if current != source:
        OUTPUT.write_text(source)
        print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
