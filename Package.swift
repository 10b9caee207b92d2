// swift-tools-version: 6.1
// SPDX-License-Identifier: Apache-2.0
//
// TokenGate: a Kubernetes admission webhook and token broker for OpenUnison clusters.
// Module map (dependencies point down only; see README "Design"):
//   COpenSSL / COpenSSLShims / CJansson   the C boundary (system OpenSSL 3, Jansson;
//   CSimdjsonShims                        simdjson's DOM behind a plain C API)
//   TokenGateJSON                         safe Swift values over Jansson and simdjson, JSON Pointer, JSON Patch,
//                                         one-pass writer, base64
//   TokenGateCrypto                       keys, JWS, JWK, X.509 generation on OpenSSL
//   TokenGateWorkflow                     OpenUnison Workflow / Target rules (YAML with positions)
//   TokenGateAdmission                    AdmissionReview codec, projection mutator, validators, settings
//   TokenGateAudit                        audit events, bounded queue + spool, SQLite/PostgreSQL stores
//   TokenGateBroker                       RFC 8693 exchange: subject-token checks, policy, issuing (no sockets)
//   TokenGateHTTP                         TLS (OpenSSL over memory BIOs), HTTP/1.1 server (event-loop and
//                                         waiting routes) and HTTPS client, limits, timeouts, routing, metrics
//                                         primitives, logs, lifecycle; knows nothing of admission, broker, audit
//   TokenGateKubeClient                   in-cluster/kubeconfig credentials, TokenReview, Pod, JWKS over HTTPS
//   TokenGateReview                       the read-only review page over the audit trail: aggregates, HTML
//                                         (Mustache, escaping), server-drawn SVG charts, CSV, loopback routes
//   TokenGateService                      the composition: admission, broker and audit routes, cluster
//                                         connections, reloads, and `serve` wired into one server
//   tokengate                             the CLI: flags -> settings -> a command
//   TokenGateFuzzChecks                   the invariants of the fuzz targets in Tests/Fuzz (and FuzzReplay); not in the binary
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
        // The review page's HTML: templates whose every {{value}} is HTML-escaped, attributes included.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
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
        // C++ inside, C outside: /usr/include/simdjson.h (libsimdjson-dev) is on the default path.
        .target(name: "CSimdjsonShims", linkerSettings: [.linkedLibrary("simdjson")]),

        // Pure libraries (no networking)
        .target(name: "TokenGateJSON", dependencies: ["CJansson", "CSimdjsonShims"], swiftSettings: swiftSettings),
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

        // Kubernetes API client: credentials, TokenReview, Pod GET and JWKS, over TokenGateHTTP's client
        .target(
            name: "TokenGateKubeClient",
            dependencies: [
                "TokenGateJSON", "TokenGateHTTP", .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),

        .target(
            name: "TokenGateAudit",
            dependencies: ["CSQLite", "CLibPQ", "TokenGateJSON", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),

        // Networking: TLS, HTTP/1.1 server and client (no TokenGate domain knowledge)
        .target(
            name: "TokenGateHTTP",
            dependencies: [
                "COpenSSL", "COpenSSLShims", "TokenGateJSON", "TokenGateCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),

        // Composition: the admission, broker and audit parts wired into one server
        .target(
            name: "TokenGateService",
            dependencies: [
                "TokenGateHTTP", "TokenGateJSON", "TokenGateCrypto", "TokenGateAdmission", "TokenGateWorkflow",
                "TokenGateKubeClient", "TokenGateBroker", "TokenGateAudit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),

        // The read-only review page over the audit trail: aggregates, HTML (Mustache), SVG charts, CSV
        .target(
            name: "TokenGateReview",
            dependencies: [
                "TokenGateAudit", "TokenGateHTTP", "TokenGateCrypto", "TokenGateJSON", "TokenGateKubeClient",
                .product(name: "Mustache", package: "swift-mustache"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),

        // CLI
        .executableTarget(
            name: "tokengate",
            dependencies: [
                "TokenGateService", "TokenGateHTTP", "TokenGateAdmission", "TokenGateWorkflow", "TokenGateCrypto",
                "TokenGateJSON", "TokenGateAudit", "TokenGateKubeClient",
                "TokenGateBroker", "TokenGateReview",
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
        .testTarget(
            name: "TokenGateReviewTests", dependencies: ["TokenGateReview", "TokenGateAudit", "TokenGateHTTP", "TokenGateKubeClient"]),
        .testTarget(name: "TokenGateKubeClientTests", dependencies: ["TokenGateKubeClient", "TokenGateJSON"]),
        // The server as a whole: TLS/HTTP layer and the service composed on it, with real clients
        // on loopback.
        .testTarget(
            name: "TokenGateBrokerTests", dependencies: ["TokenGateBroker", "TokenGateCrypto", "TokenGateJSON"]),
        .testTarget(
            name: "TokenGateServerTests",
            dependencies: [
                "TokenGateHTTP", "TokenGateService", "TokenGateCrypto", "TokenGateJSON", "TokenGateAdmission",
                "TokenGateBroker", "TokenGateKubeClient", "TokenGateAudit",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ]),
    ]
)
