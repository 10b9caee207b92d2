// swift-tools-version: 6.1
// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer executables for TokenGate's parsers, one per target (issue 12). Each is a thin
// `LLVMFuzzerTestOneInput` over a check in the main package's `TokenGateFuzzChecks` library,
// where the invariants live so that the replay test (TokenGateFuzzChecksTests) runs the very
// same code. Built by `hack/fuzz.sh` with the fuzzer and address sanitizers on every module:
//
//   swift build --package-path Tests/Fuzz --scratch-path .build-fuzz \
//     -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address
//
// This package is never a dependency of anything, so it is free to need those flags.
import PackageDescription

/// Corpus and crash directories are named after these (`Tests/Fuzz/Corpus/<name>`).
let targets = ["json", "admission", "workflow", "jws", "exchange-form", "kube-answers", "config", "pem"]

let package = Package(
    name: "tokengate-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "tokengate", path: "../..")],
    targets: targets.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [.product(name: "TokenGateFuzzChecks", package: "tokengate")],
            path: "Sources/fuzz-\(name)",
            // No main: libFuzzer's main drives LLVMFuzzerTestOneInput.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
)
