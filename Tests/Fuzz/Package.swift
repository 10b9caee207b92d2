// swift-tools-version: 6.1
// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer executables for TokenGate's parsers, one per target (issue 12). Each is a thin
// `LLVMFuzzerTestOneInput` over a check in the main package's `TokenGateFuzzChecks` library,
// where the invariants live so that the replay test (TokenGateFuzzChecksTests) runs the very
// same code. Built by `hack/fuzz.sh` with the fuzzer and address sanitizers on every module:
//
//   swift build --package-path Tests/Fuzz --scratch-path .build-fuzz --product fuzz-json \
//     --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address
//
// This package is never a dependency of anything, so it is free to need those flags.
import Foundation
import PackageDescription

/// One executable per directory `Sources/fuzz-<target>`, so a new target is a new directory (the
/// target name also names its corpus and crash directories, `Tests/Fuzz/Corpus/<target>`).
let targets = ((try? FileManager.default.contentsOfDirectory(atPath: Context.packageDirectory + "/Sources")) ?? [])
    .filter { $0.hasPrefix("fuzz-") }.sorted()

let package = Package(
    name: "tokengate-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "tokengate", path: "../..")],
    targets: targets.map { name in
        .executableTarget(
            name: name,
            dependencies: [.product(name: "TokenGateFuzzChecks", package: "tokengate"), "FuzzSanitizerRuntime"],
            path: "Sources/\(name)",
            // No main: libFuzzer's main drives LLVMFuzzerTestOneInput.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    } + [
        // A symbol Debian's AddressSanitizer runtime refers to but lacks (see termio.c).
        .target(name: "FuzzSanitizerRuntime", path: "Sources/FuzzSanitizerRuntime"),
    ]
)
