// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization

/// Supplies the bearer token for API calls, re-reading a token file as the kubelet rotates it,
/// or asking a provider (a token TokenGate signs itself, `auth.selfIssued`) on every call.
///
/// The kubelet replaces the projected token at 80 % of its life; re-reading at most once a
/// minute keeps every request cheap while never holding a token past its rotation by long.
public final class BearerTokenSource: Sendable {
    private let credentials: KubeEndpoint.Credentials
    private let provider: (@Sendable () throws -> String)?
    private let maxAge: Duration
    private let cache = Mutex<(token: String, readAt: ContinuousClock.Instant)?>(nil)

    public init(_ credentials: KubeEndpoint.Credentials, maxAge: Duration = .seconds(60)) {
        self.credentials = credentials
        self.provider = nil
        self.maxAge = maxAge
    }

    /// A source that asks `provider` for the token of each call; the provider does its own caching.
    public init(provider: @escaping @Sendable () throws -> String) {
        self.credentials = .none
        self.provider = provider
        self.maxAge = .zero
    }

    /// The current token, or nil when the endpoint uses no bearer token.
    public func token() throws -> String? {
        if let provider { return try provider() }
        switch credentials {
        case .none: return nil
        case .bearerToken(let token): return token
        case .bearerTokenFile(let path):
            let now = ContinuousClock.now
            if let cached = cache.withLock({ $0 }), cached.readAt.duration(to: now) < maxAge { return cached.token }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubeClientError.configuration("cannot read the API token file \(path)")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw KubeClientError.configuration("the API token file \(path) is empty") }
            cache.withLock { $0 = (token, now) }
            return token
        }
    }
}
