#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark, not a test: times TokenGateAdmissionHandler.review end to end (body bytes in,
# response bytes out) on the recorded 5.8 KB Deployment AdmissionReview, and its parts (decode,
# decide, encode), in a release build. The server adds TLS, HTTP and logging around this.
#
#   hack/bench-admission.sh          # prints µs per call, the median of 7 rounds
#
# Like hack/bench-json.sh, the benchmark is not part of TokenGate's package: this script copies
# the pure modules (TokenGateAdmission and what it imports) next to hack/bench-admission/main.swift
# into a scratch package and builds that. Yams comes from the repository's own checkout
# (.build/checkouts/Yams, made by any `swift build`), so nothing is fetched. BENCH_DIR (default
# /tmp/tokengate-bench-admission) keeps the scratch build, so a second run only recompiles what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
work="${BENCH_DIR:-/tmp/tokengate-bench-admission}"
[[ -d .build/checkouts/Yams ]] || { echo "bench-admission: run swift build once first (it checks out Yams)" >&2; exit 1; }

mkdir -p "$work/Sources/AdmissionBench"
for module in CJansson CSimdjsonShims TokenGateJSON TokenGateWorkflow TokenGateAdmission; do
  rm -rf "$work/Sources/$module.new"
  cp -a "Sources/$module" "$work/Sources/$module.new"
  # Replace only when changed, so timestamps (and the incremental build) survive.
  if diff -rq "$work/Sources/$module.new" "$work/Sources/$module" >/dev/null 2>&1; then
    rm -rf "$work/Sources/$module.new"
  else
    rm -rf "$work/Sources/$module" && mv "$work/Sources/$module.new" "$work/Sources/$module"
  fi
done
cmp -s hack/bench-admission/main.swift "$work/Sources/AdmissionBench/main.swift" \
  || cp hack/bench-admission/main.swift "$work/Sources/AdmissionBench/main.swift"
cat >"$work/Package.swift.new" <<SWIFT
// swift-tools-version: 6.1
import PackageDescription
let package = Package(
    name: "AdmissionBench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "$repo/.build/checkouts/Yams")],
    targets: [
        .systemLibrary(name: "CJansson", pkgConfig: "jansson"),
        .target(name: "CSimdjsonShims", linkerSettings: [.linkedLibrary("simdjson")]),
        .target(name: "TokenGateJSON", dependencies: ["CJansson", "CSimdjsonShims"]),
        .target(name: "TokenGateWorkflow", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "TokenGateAdmission", dependencies: ["TokenGateJSON", "TokenGateWorkflow", .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "AdmissionBench", dependencies: ["TokenGateAdmission", "TokenGateJSON"]),
    ]
)
SWIFT
cmp -s "$work/Package.swift.new" "$work/Package.swift" || mv "$work/Package.swift.new" "$work/Package.swift"
rm -f "$work/Package.swift.new"

echo "building the benchmark (release) in $work ..." >&2
swift build -c release --package-path "$work" --product AdmissionBench >&2
"$work/.build/release/AdmissionBench" "$repo/Tests/Fixtures/admission"
