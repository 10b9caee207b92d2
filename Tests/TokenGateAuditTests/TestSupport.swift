// SPDX-License-Identifier: Apache-2.0
import Foundation
import TokenGateAudit

/// A temporary directory removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/tokengate-audit-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw AuditError(.io, "mkdtemp failed") }
        path = String(cString: made)
        // PostgreSQL runs as another user when the tests run as root: it must be able to enter.
        chmod(path, 0o755)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

/// The repository root, found from this file's path.
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

/// Runs a command and returns its standard output; throws with its standard error on failure.
///
/// posix_spawn + waitpid rather than Foundation's Process: Process reaps children from a SIGCHLD
/// handler, and a child that starts a daemon (pg_ctl) was observed never to be reaped, hanging the
/// test. Output goes to files, not pipes, so a daemon that inherits a descriptor cannot hold it open.
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let dir = try TemporaryDirectory()
    let outPath = dir.file("stdout"), errPath = dir.file("stderr")
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard rc == 0 else { throw AuditError(.io, "cannot run \(executable): \(String(cString: strerror(rc)))") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    // WIFEXITED && WEXITSTATUS == 0
    guard status & 0x7F == 0, (status >> 8) & 0xFF == 0 else {
        throw AuditError(.io, "\(executable) \(arguments.joined(separator: " ")) failed (status \(status)): \(errors)")
    }
    return output.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A real PostgreSQL server for one test, started by hack/postgres-test.sh (which installs Debian's
/// `postgresql` when missing, runs initdb into a temporary directory and listens on a free loopback port).
final class PostgresTestServer {
    let directory: TemporaryDirectory
    private(set) var dsn: String
    private let script = repositoryRoot + "/hack/postgres-test.sh"

    init() throws {
        directory = try TemporaryDirectory()
        dsn = ""
        dsn = try run("/bin/bash", [script, "start", directory.file("pg")])
    }

    /// Stops the server (fast shutdown: clients are disconnected, as when a database fails over).
    func stop(mode: String = "fast") throws { try run("/bin/bash", [script, "stop", directory.file("pg"), mode]) }

    /// Starts it again with the same data and port.
    func start() throws { dsn = try run("/bin/bash", [script, "start", directory.file("pg")]) }

    /// Runs SQL through `psql`, the independent client, and returns its unaligned output.
    func psql(_ sql: String) throws -> String {
        try run("/usr/bin/psql", [dsn, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
    }

    deinit { _ = try? run("/bin/bash", [script, "destroy", directory.file("pg")]) }
}

/// A deterministic generator (SplitMix64) so a generated trail is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A generated trail shaped like a busy cluster: pods exchanging their projected tokens for several
/// audiences, a share of denials, and admission decisions, over 30 days.
enum TrailGenerator {
    static let base = AuditTime(seconds: 1_760_000_000)

    static func make(count: Int, seed: UInt64 = 42) -> [AuditEvent] {
        var rng = SeededGenerator(seed: seed)
        var events: [AuditEvent] = []
        events.reserveCapacity(count)
        var sourceJTI = ""
        for index in 0..<count {
            let time = AuditTime(microseconds: base.microseconds + Int64(index) * 25_000_000 + Int64.random(in: 0..<1_000_000, using: &rng))
            let ns = "ns-\(Int.random(in: 0..<20, using: &rng))"
            let pod = Int.random(in: 0..<2000, using: &rng)
            let idBytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let id = AuditEventID(uuidFrom: idBytes)
            if Int.random(in: 0..<10, using: &rng) < 2 {
                let decisions: [AuditEvent.Decision] = [.allowed, .patched, .patched, .denied]
                events.append(.admission(id: id, time: time, decision: decisions.randomElement(using: &rng)!,
                    reason: "rule", requestUID: "req-\(index)", resourceKind: "Deployment", namespace: ns,
                    objectName: "deploy-\(pod)", operation: "CREATE", patchSummary: "projected volume"))
                continue
            }
            // A pod's source token is reused for about three exchanges.
            if index % 3 == 0 || sourceJTI.isEmpty { sourceJTI = "src-\(index)" }
            let denied = Int.random(in: 0..<10, using: &rng) == 0
            events.append(.tokenExchange(
                id: id, time: time, decision: denied ? .denied : .granted, reason: denied ? "invalid_target" : nil,
                cluster: "cluster-\(pod % 3)", namespace: ns, podName: "pod-\(pod)", podUID: "uid-\(pod)",
                nodeName: "node-\(pod % 50)", nodeUID: "node-uid-\(pod % 50)",
                serviceAccountName: "sa-\(pod % 50)", serviceAccountUID: "sa-uid-\(pod % 50)",
                subjectJTI: sourceJTI, issuedJTI: denied ? nil : "iss-\(index)",
                audience: "aud-\(Int.random(in: 0..<10, using: &rng))", issuedAt: time,
                expiresAt: time.adding(seconds: 600), clientAddress: "127.0.0.1:\(40000 + pod)"))
        }
        return events
    }

    /// What a query must return, computed over the array, independently of any SQL.
    static func expected(_ events: [AuditEvent], _ query: AuditQuery) -> [AuditEventID] {
        events.filter { event in
            (query.podName == nil || event.podName == query.podName)
                && (query.podUID == nil || event.podUID == query.podUID)
                && (query.namespace == nil || event.namespace == query.namespace)
                && (query.serviceAccount == nil || event.serviceAccountName == query.serviceAccount)
                && (query.jti == nil || event.issuedJTI == query.jti || event.subjectJTI == query.jti)
                && (query.issuedJTI == nil || event.issuedJTI == query.issuedJTI)
                && (query.subjectJTI == nil || event.subjectJTI == query.subjectJTI)
                && (query.audience == nil || event.audience == query.audience)
                && (query.decision == nil || event.decision.rawValue == query.decision)
                && (query.kind == nil || event.kind.rawValue == query.kind)
                && (query.since == nil || event.time >= query.since!)
                && (query.until == nil || event.time < query.until!)
        }
        .sorted { ($0.time, $0.id) > ($1.time, $1.id) }
        .prefix(query.limit ?? Int.max)
        .map(\.id)
    }
}

extension AuditEventID {
    /// An id from given bytes (tests need reproducible ids).
    init(uuidFrom bytes: [UInt8]) {
        let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let chars = Array(hex)
        let text = String(chars[0..<8]) + "-" + String(chars[8..<12]) + "-4" + String(chars[13..<16]) + "-a"
            + String(chars[17..<20]) + "-" + String(chars[20..<32])
        self.init(text)!
    }
}
