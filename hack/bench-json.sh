#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark, not a test: times TokenGateJSON's readers (Jansson documents vs the simdjson view)
# and writers (JSON tree + Jansson + base64 vs the one-pass JSONWriter) on the recorded 5.8 KB
# Deployment AdmissionReview, in a release build.
#
#   hack/bench-json.sh              # prints µs per call, the median of 7 rounds
#
# The benchmark is not part of TokenGate's package (no target, no product): this script copies
# TokenGateJSON and its two C modules next to hack/bench-json/main.swift into a scratch package
# and builds that. BENCH_DIR (default /tmp/tokengate-bench-json) keeps the scratch build, so a
# second run only recompiles what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
work="${BENCH_DIR:-/tmp/tokengate-bench-json}"
review="Tests/Fixtures/admission/deployment-create.mutating.v1.30.json"
patch="Tests/Fixtures/admission/pod-create.patch.jsonpatch.json"

mkdir -p "$work/Sources/JSONBench"
for module in CJansson CSimdjsonShims TokenGateJSON; do
  rm -rf "$work/Sources/$module.new"
  cp -a "Sources/$module" "$work/Sources/$module.new"
  # Replace only when changed, so timestamps (and the incremental build) survive.
  if diff -rq "$work/Sources/$module.new" "$work/Sources/$module" >/dev/null 2>&1; then
    rm -rf "$work/Sources/$module.new"
  else
    rm -rf "$work/Sources/$module" && mv "$work/Sources/$module.new" "$work/Sources/$module"
  fi
done
cmp -s hack/bench-json/main.swift "$work/Sources/JSONBench/main.swift" || cp hack/bench-json/main.swift "$work/Sources/JSONBench/main.swift"
cat >"$work/Package.swift.new" <<'SWIFT'
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "JSONBench",
    platforms: [.macOS(.v15)],
    targets: [
        .systemLibrary(name: "CJansson", pkgConfig: "jansson"),
        .target(name: "CSimdjsonShims", linkerSettings: [.linkedLibrary("simdjson")]),
        .target(name: "TokenGateJSON", dependencies: ["CJansson", "CSimdjsonShims"]),
        .executableTarget(name: "JSONBench", dependencies: ["TokenGateJSON"]),
    ]
)
SWIFT
cmp -s "$work/Package.swift.new" "$work/Package.swift" || mv "$work/Package.swift.new" "$work/Package.swift"
rm -f "$work/Package.swift.new"

echo "building the benchmark (release) in $work ..." >&2
swift build -c release --package-path "$work" --product JSONBench >&2
"$work/.build/release/JSONBench" "$repo/$review" "$repo/$patch"
