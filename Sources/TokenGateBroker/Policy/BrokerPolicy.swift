// SPDX-License-Identifier: Apache-2.0

/// The ordered list of ``PolicyRule``s. Default deny: a request is allowed only when one rule
/// covers the ServiceAccount, every requested audience, every requested scope and (for tokens
/// without a pod claim) says unbound tokens are fine. The first such rule in file order wins,
/// and its TTL ceiling and token type apply.
public struct BrokerPolicy: Sendable, Equatable {
    public var rules: [PolicyRule]

    public init(rules: [PolicyRule]) {
        self.rules = rules
    }

    /// The identity a decision is about (from the validated subject token).
    public struct Subject: Sendable {
        public var cluster: String
        public var namespace: String
        public var serviceAccount: String
        public var podBound: Bool

        public init(cluster: String, namespace: String, serviceAccount: String, podBound: Bool) {
            self.cluster = cluster
            self.namespace = namespace
            self.serviceAccount = serviceAccount
            self.podBound = podBound
        }
    }

    public enum Denial: Error, Sendable, Equatable {
        /// No rule mentions this ServiceAccount in this cluster.
        case noRuleForServiceAccount
        /// Rules exist, but none covers these audiences: the first audience no rule allows, or nil
        /// when each is allowed by some rule but no single rule allows them together.
        case audienceNotAllowed(String?)
        /// A rule covers the audiences but not the scopes (same convention as for audiences).
        case scopeNotAllowed(String?)
        /// The subject token has no pod claim and no matching rule allows that.
        case notPodBound
    }

    /// Whether any rule for this ServiceAccount accepts tokens that are not pod-bound.
    public func allowsUnbound(cluster: String, namespace: String, serviceAccount: String) -> Bool {
        rules.contains { $0.allowUnboundTokens && $0.applies(cluster: cluster, namespace: namespace, serviceAccount: serviceAccount) }
    }

    /// Finds the rule that grants `audiences` and `scopes` to `subject`, or says why none does.
    public func decide(_ subject: Subject, audiences: [String], scopes: [String]) -> Result<PolicyRule, Denial> {
        // The grant, found in one pass: the first rule in file order that applies, takes this
        // binding and covers every audience and scope is the rule the filters below would reach.
        // Only a refusal needs them, to say which step failed.
        let granting = rules.first { rule in
            rule.applies(cluster: subject.cluster, namespace: subject.namespace, serviceAccount: subject.serviceAccount)
                && (subject.podBound || rule.allowUnboundTokens) && audiences.allSatisfy(rule.audiences.contains)
                && scopes.allSatisfy(rule.scopes.contains)
        }
        if let granting { return .success(granting) }
        let applicable = rules.filter {
            $0.applies(cluster: subject.cluster, namespace: subject.namespace, serviceAccount: subject.serviceAccount)
        }
        guard !applicable.isEmpty else { return .failure(.noRuleForServiceAccount) }
        let bindingOK = applicable.filter { subject.podBound || $0.allowUnboundTokens }
        guard !bindingOK.isEmpty else { return .failure(.notPodBound) }
        let audienceOK = bindingOK.filter { rule in audiences.allSatisfy(rule.audiences.contains) }
        guard !audienceOK.isEmpty else {
            let missing = audiences.first { audience in !bindingOK.contains { $0.audiences.contains(audience) } }
            return .failure(.audienceNotAllowed(missing))
        }
        if let rule = audienceOK.first(where: { rule in scopes.allSatisfy(rule.scopes.contains) }) {
            return .success(rule)
        }
        let missing = scopes.first { scope in !audienceOK.contains { $0.scopes.contains(scope) } }
        return .failure(.scopeNotAllowed(missing))
    }

    /// The longest lifetime any rule allows: how long a retired signing key stays published.
    public var longestTTLSeconds: Int64 { rules.map(\.maxTTLSeconds).max() ?? PolicyRule.defaultMaxTTLSeconds }
}
