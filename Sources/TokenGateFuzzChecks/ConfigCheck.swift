// SPDX-License-Identifier: Apache-2.0
import TokenGateAdmission
import TokenGateBroker

/// `config`: the config file loader, both of its readers (projection settings from the seed keys
/// and `tokengate:`, broker settings from `broker:`).
///
/// Invariants: a refusal is a ``ConfigError`` / `SettingsError` with a message, never a trap; a
/// projection configuration that loads and validates drives a mutator that still meets every
/// admission invariant on ``ConfigProbeReviews``; broker settings that load satisfy the
/// contract `BrokerSettings` documents (https issuer, at least one cluster, unique names and
/// issuers, policy naming only known clusters, every bound respected).
enum ConfigCheck {
    static let target = "config"

    static func check(_ bytes: UnsafeRawBufferPointer) throws(FuzzCheckFailure) {
        // The loader reads the file as UTF-8 and refuses anything else before YAML sees it.
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        try checkProjection(text)
        try checkBroker(text)
    }

    private static func checkProjection(_ text: String) throws(FuzzCheckFailure) {
        let settings: ProjectionSettings
        do {
            settings = try ProjectionSettings(config: ConfigFile(yaml: text))
            _ = try settings.validate()
        } catch {
            try require(!error.problems.isEmpty && error.problems.allSatisfy { !$0.isEmpty }, target, "a refusal without a message")
            return
        }
        let handler = TokenGateAdmissionHandler(settings: settings)
        for review in ConfigProbeReviews.all {
            do {
                try Array(review.utf8).withUnsafeBytes { raw in try AdmissionCheck.check(raw, handler: handler) }
            } catch let failure as FuzzCheckFailure {
                throw FuzzCheckFailure(target, "with these settings, \(failure.message)")
            } catch {
                throw FuzzCheckFailure(target, "with these settings: \(error)")
            }
        }
    }

    private static func checkBroker(_ text: String) throws(FuzzCheckFailure) {
        let settings: BrokerSettings
        do {
            settings = try BrokerSettings.parse(yaml: text)
        } catch {
            try require(!error.description.isEmpty, target, "a broker refusal without a message")
            return
        }
        try require(settings.issuer.hasPrefix("https://") && !settings.issuer.contains("?") && !settings.issuer.contains("#"),
                    target, "issuer \(shown(settings.issuer))")
        try require(settings.tokenPath.hasPrefix("/") && !settings.tokenPath.contains("?"), target, "tokenPath \(shown(settings.tokenPath))")
        try require(settings.tokenEndpoint.hasPrefix("https://") && settings.jwksURL.hasSuffix("/keys"), target, "derived URLs")
        try require(!settings.audience.isEmpty && !settings.signingKeyFiles.isEmpty, target, "empty audience or signing keys")
        try require((0...60).contains(settings.clockSkewSeconds) && (0...10).contains(settings.tokenReviewCacheSeconds)
                    && (1024...65_536).contains(settings.maxSubjectTokenBytes), target, "a bound is not respected")
        try require(!settings.clusters.isEmpty, target, "no clusters")
        try require(Set(settings.clusters.map(\.name)).count == settings.clusters.count
                    && Set(settings.clusters.map(\.issuer)).count == settings.clusters.count, target, "clusters repeat a name or issuer")
        for cluster in settings.clusters {
            try require(!cluster.algorithms.isEmpty, target, "cluster \(cluster.name) allows no algorithm")
            try require(settings.cluster(forIssuer: cluster.issuer)?.name == cluster.name, target, "issuer lookup")
        }
        for rule in settings.policy.rules {
            try require(!rule.serviceAccounts.isEmpty && !rule.audiences.isEmpty, target, "an empty policy rule")
            try require((60...PolicyRule.ceilingTTLSeconds).contains(rule.maxTTLSeconds), target, "maxTTLSeconds \(rule.maxTTLSeconds)")
            for name in rule.clusters ?? [] {
                try require(settings.clusters.contains { $0.name == name }, target, "a rule names unknown cluster \(shown(name))")
            }
        }
    }
}
