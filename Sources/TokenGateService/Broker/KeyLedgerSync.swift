// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOPosix
import Synchronization
import TokenGateAudit
import TokenGateBroker
import TokenGateHTTP

/// Keeps the published-keys ledger and `/keys` in step, at start and on every broker reload tick:
///
/// 1. renews this replica's signing key in the ledger, published until a token it signs now has
///    expired everywhere (longest policy TTL + clock skew) plus two reload intervals, the time
///    until the next renewal is due (a row's date only ever grows);
/// 2. deletes rows whose date has passed;
/// 3. gives the exchange the issuer's live rows, so `/keys` = key files ∪ ledger.
///
/// When the database cannot be reached the exchange keeps the keys it last read (each until its
/// own date) and the next tick tries again; the failure is logged when it starts or changes.
public final class KeyLedgerSync: Sendable {
    private struct State {
        var problem: String?
        var unusableKeys: Set<String> = []
    }

    public let ledger: any PublishedKeyLedger
    private let exchange: TokenExchange
    private let marginSeconds: Int64
    private let metrics: BrokerMetrics?
    private let logger: Logger
    private let clock: BrokerClock
    private let state = Mutex(State())

    /// - Parameter renewalInterval: how often ``sync()`` runs (the broker's reload interval).
    public init(ledger: any PublishedKeyLedger, exchange: TokenExchange, renewalInterval: Duration, metrics: BrokerMetrics? = nil,
                logger: Logger, clock: BrokerClock = .system) {
        self.ledger = ledger
        self.exchange = exchange
        self.marginSeconds = max(1, Int64((2 * renewalInterval.inSeconds).rounded(.up)))
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    /// One round on the calling thread. For start-up, before the server listens, so the first
    /// `GET /keys` already has the ledger's keys. Returns whether the ledger answered.
    @discardableResult
    public func syncNow() -> Bool {
        finish(Result { try round() })
    }

    /// One round on NIO's thread pool for blocking calls (SQLite and libpq block; the reload tick
    /// runs on the cooperative pool, which must not wait on a database).
    @discardableResult
    public func sync() async -> Bool {
        let result: Result<[LedgerKey], any Error>
        do {
            result = .success(try await NIOThreadPool.singleton.runIfActive { [self] in try round() })
        } catch {
            result = .failure(error)
        }
        return finish(result)
    }

    private func round() throws -> [LedgerKey] {
        let settings = exchange.settings
        let now = clock.now()
        let mine = try LedgerKey.entry(signingWith: exchange.signingKeys, settings: settings, now: now, marginSeconds: marginSeconds)
        try ledger.publish(PublishedKeyEntry(issuer: settings.issuer, keyID: mine.keyID, jwk: mine.jwkJSON, publishUntil: mine.publishUntil))
        try ledger.prune(expiredAt: now)
        var keys: [LedgerKey] = []
        for entry in try ledger.entries(issuer: settings.issuer, liveAt: now) {
            do {
                keys.append(try LedgerKey(keyID: entry.keyID, jwkJSON: entry.jwk, publishUntil: entry.publishUntil))
            } catch {
                let first = state.withLock { $0.unusableKeys.insert(entry.keyID).inserted }
                if first {
                    logger.error("a published-keys ledger row is unusable and is not published; delete it from the \(ledger.kindName) table tokengate_published_keys",
                                 metadata: ["kid": "\(entry.keyID)", "error": "\(error)"])
                }
            }
        }
        return keys
    }

    private func finish(_ result: Result<[LedgerKey], any Error>) -> Bool {
        switch result {
        case .success(let keys):
            exchange.update(ledgerKeys: keys)
            metrics?.reloaded("key_ledger", success: true)
            let recovered = state.withLock { state in
                let failing = state.problem != nil
                state.problem = nil
                return failing
            }
            if recovered {
                logger.info("the published-keys ledger answers again", metadata: ["ledger": "\(ledger.kindName)"])
            }
            return true
        case .failure(let error):
            metrics?.reloaded("key_ledger", success: false)
            let message = "\(error)"
            let changed = state.withLock { state in
                let new = state.problem != message
                state.problem = message
                return new
            }
            if changed {
                logger.warning("the published-keys ledger cannot be read or renewed; /keys keeps the keys it last read, and this key's entry is renewed once it answers",
                               metadata: ["ledger": "\(ledger.kindName)", "error": "\(message)"])
            }
            return false
        }
    }
}
