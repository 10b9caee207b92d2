// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1
import TokenGateJSON

/// `GET /healthz`, `GET /readyz` and `GET /metrics`.
public enum OperationalRoutes {
    public static func register(on router: inout Router, readiness: Readiness, metrics: ServerMetrics) {
        // Liveness only says the process answers HTTP: restarting a pod because a dependency
        // is down would not help, so no checks here.
        router.add(.GET, "/healthz") { _ in
            .json(.ok, JSON.object([("status", "ok")]).serialized())
        }
        router.add(.GET, "/readyz") { _ in
            let problems = readiness.problems()
            if problems.isEmpty {
                return .json(.ok, JSON.object([("status", "ready")]).serialized())
            }
            return .json(.serviceUnavailable, JSON.object([
                ("status", "not ready"), ("problems", .array(problems.map { .string($0) })),
            ]).serialized())
        }
        router.add(.GET, "/metrics") { _ in
            .text(.ok, metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
