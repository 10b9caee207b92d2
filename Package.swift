// swift-tools-version: 6.1
// SPDX-License-Identifier: Apache-2.0
//
// TokenGate: a Kubernetes admission webhook and token broker for OpenUnison clusters.
// Module map (dependencies point down only; see README "Design"):
//   COpenSSL / COpenSSLShims / CJansson   the C boundary (system OpenSSL 3, Jansson)
//   TokenGateJSON                         safe Swift values over Jansson, JSON Pointer, JSON Patch, base64
//   TokenGateCrypto                       keys, JWS, JWK, X.509 generation on OpenSSL
//   TokenGateWorkflow                     OpenUnison Workflow / Target rules (YAML with positions)
//   TokenGateAdmission                    AdmissionReview codec, projection mutator, validators, settings
//   TokenGateAudit                        audit events, bounded queue + spool, SQLite/PostgreSQL stores
//   TokenGateBroker                       RFC 8693 exchange: subject-token checks, policy, issuing (no sockets)
//   TokenGateServer                       TLS (OpenSSL over memory BIOs), HTTP/1.1 server and HTTPS client,
//                                         routing, lifecycle; broker routes, Kubernetes transport, audit wiring
//   tokengate                             the CLI
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "tokengate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tokengate", targets: ["tokengate"]),
        // For the fuzz package in Tests/Fuzz (it depends on this package by path).
        .library(name: "TokenGateFuzzChecks", targets: ["TokenGateFuzzChecks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // C boundary
        .systemLibrary(
            name: "CJansson", pkgConfig: "jansson",
            providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .target(
            name: "COpenSSLShims",
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),

        // Pure libraries (no networking)
        .target(name: "TokenGateJSON", dependencies: ["CJansson"], swiftSettings: swiftSettings),
        .target(
            name: "TokenGateCrypto",
            dependencies: ["COpenSSL", "COpenSSLShims", "TokenGateJSON"],
            swiftSettings: swiftSettings),
        .target(
            name: "TokenGateWorkflow",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings),
        .target(
            name: "TokenGateAdmission",
            dependencies: [
                "TokenGateJSON", "TokenGateWorkflow",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "TokenGateBroker",
            dependencies: ["TokenGateJSON", "TokenGateCrypto", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings),

        // Kubernetes API client (pure parts here; the HTTPS transport lives with the TLS layer in
        // TokenGateServer/Kube, which also wires the broker and the audit trail into `serve`)
        .target(
            name: "TokenGateKubeClient",
            dependencies: ["TokenGateJSON", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings),

        .target(
            name: "TokenGateAudit",
            dependencies: ["CSQLite", "CLibPQ", "TokenGateJSON", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),

        // Networking
        .target(
            name: "TokenGateServer",
            dependencies: [
                "COpenSSL", "COpenSSLShims", "TokenGateJSON", "TokenGateCrypto", "TokenGateAdmission",
                "TokenGateKubeClient", "TokenGateBroker", "TokenGateAudit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),

        // CLI
        .executableTarget(
            name: "tokengate",
            dependencies: [
                "TokenGateServer", "TokenGateAdmission", "TokenGateWorkflow", "TokenGateCrypto", "TokenGateJSON",
                "TokenGateAudit",
                "TokenGateBroker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),

        // The invariants the fuzz targets (Tests/Fuzz) check; a test target replays their corpus and
        // crash reproducers through the same code.
        .target(
            name: "TokenGateFuzzChecks",
            dependencies: [
                "TokenGateJSON", "TokenGateCrypto", "TokenGateWorkflow", "TokenGateAdmission", "TokenGateBroker",
                "TokenGateKubeClient", .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings),

        // Tests
        .testTarget(name: "TokenGateFuzzChecksTests", dependencies: ["TokenGateFuzzChecks"]),
        .testTarget(name: "TokenGateJSONTests", dependencies: ["TokenGateJSON"]),
        .testTarget(name: "TokenGateCryptoTests", dependencies: ["TokenGateCrypto", "TokenGateJSON"]),
        .testTarget(name: "TokenGateWorkflowTests", dependencies: ["TokenGateWorkflow"]),
        .testTarget(name: "TokenGateAdmissionTests", dependencies: ["TokenGateAdmission", "TokenGateJSON"]),
        .testTarget(name: "TokenGateAuditTests", dependencies: ["TokenGateAudit", "TokenGateJSON"]),
        .testTarget(name: "TokenGateKubeClientTests", dependencies: ["TokenGateKubeClient", "TokenGateJSON"]),
        .testTarget(
            name: "TokenGateBrokerTests", dependencies: ["TokenGateBroker", "TokenGateCrypto", "TokenGateJSON"]),
        .testTarget(
            name: "TokenGateServerTests",
            dependencies: [
                "TokenGateServer", "TokenGateCrypto", "TokenGateJSON", "TokenGateAdmission",
                "TokenGateBroker", "TokenGateKubeClient", "TokenGateAudit",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ]),
    ]
)
