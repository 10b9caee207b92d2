// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import Synchronization
import Testing
import TokenGateAudit
import TokenGateBroker
import TokenGateCrypto
import TokenGateHTTP
import TokenGateService

/// ``KeyLedgerSync`` with real exchanges and a real SQLite ledger: "replicas" are exchanges that
/// share the ledger file, a "restart" is a new exchange on the same file. No cluster is ever
/// asked (no exchange runs), so the cluster seams are the real ``ClusterConnections``.
@Suite("Published-keys ledger sync")
struct KeyLedgerSyncTests {
    final class Clock: Sendable {
        let value = Mutex<Int64>(1_760_000_000)
        var now: Int64 { value.withLock { $0 } }
        func advance(_ seconds: Int64) { value.withLock { $0 += seconds } }
        var brokerClock: BrokerClock { BrokerClock { [self] in now } }
    }

    struct Replica {
        let exchange: TokenExchange
        let sync: KeyLedgerSync
        var kids: [String] { exchange.publishedKeys.published.map(\.jwk.keyID) }
    }

    static func replica(signingWith key: PrivateKey, ledgerPath: String, clock: Clock) throws -> Replica {
        let settings = BrokerSettings(
            issuer: "https://tokengate.example.com",
            clusters: [ClusterSettings(name: "prod", issuer: "https://kubernetes.default.svc", jwks: .file("/nonexistent"), verification: .jwks)],
            policy: BrokerPolicy(rules: [PolicyRule(serviceAccounts: [.init(namespace: "payments", name: "*")], audiences: ["https://ledger"],
                                                    maxTTLSeconds: 600)]))
        let connections = ClusterConnections()
        let exchange = TokenExchange(settings: settings, signingKeys: try SigningKeySet(keys: [key]), fetcher: connections,
                                     reviewer: connections, pods: connections, clock: clock.brokerClock)
        let sync = KeyLedgerSync(ledger: try SQLitePublishedKeyLedger(path: ledgerPath), exchange: exchange, renewalInterval: .seconds(10),
                                 logger: Logger(label: "test"), clock: clock.brokerClock)
        return Replica(exchange: exchange, sync: sync)
    }

    static func temporaryFile() -> String { NSTemporaryDirectory() + "tokengate-ledger-\(UUID().uuidString).db" }

    @Test("a replica restarted with a new key publishes its predecessor's key until that key's tokens have expired")
    func restart() async throws {
        let path = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = Clock()
        let old = try PrivateKey.generate(.ecP256), new = try PrivateKey.generate(.ecP256)
        let oldKID = try old.publicKey().keyID, newKID = try new.publicKey().keyID
        let before = try Self.replica(signingWith: old, ledgerPath: path, clock: clock)
        #expect(before.sync.syncNow())
        clock.advance(30)
        let after = try Self.replica(signingWith: new, ledgerPath: path, clock: clock)
        #expect(await after.sync.sync())
        #expect(after.kids == [newKID, oldKID])
        // Renewed at the start: + 600 s TTL + 60 s skew + 2 × 10 s reload interval.
        clock.advance(680 - 30 - 1)
        #expect(await after.sync.sync() && after.kids.count == 2)
        clock.advance(1)
        #expect(await after.sync.sync() && after.kids == [newKID])
        #expect(try SQLitePublishedKeyLedger(path: path).entries(issuer: "https://tokengate.example.com", liveAt: 0).map(\.keyID)
            == [newKID], "the expired row was pruned")
    }

    @Test("replicas sharing a ledger publish each other's signing keys; a row that is not the key its kid names is not published")
    func replicas() throws {
        let path = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = Clock()
        let keyA = try PrivateKey.generate(.ecP256), keyB = try PrivateKey.generate(.rsa(bits: 2048))
        let kidA = try keyA.publicKey().keyID, kidB = try keyB.publicKey().keyID
        let a = try Self.replica(signingWith: keyA, ledgerPath: path, clock: clock)
        let b = try Self.replica(signingWith: keyB, ledgerPath: path, clock: clock)
        #expect(a.sync.syncNow() && b.sync.syncNow() && a.sync.syncNow())
        #expect(a.kids == [kidA, kidB])
        #expect(b.kids == [kidB, kidA])

        let forgedKID = try PrivateKey.generate(.ecP256).publicKey().keyID
        let wrongJWK = try JWK(key: try keyA.publicKey()).json().jsonText
        try a.sync.ledger.publish(PublishedKeyEntry(issuer: "https://tokengate.example.com", keyID: forgedKID,
                                                    jwk: wrongJWK, publishUntil: clock.now + 600))
        #expect(b.sync.syncNow(), "an unusable row is skipped, not fatal")
        #expect(!b.kids.contains(forgedKID))
    }
}
