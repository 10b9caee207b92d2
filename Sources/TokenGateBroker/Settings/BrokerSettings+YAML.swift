// SPDX-License-Identifier: Apache-2.0
import TokenGateCrypto
import Yams

extension BrokerSettings {
    /// Reads the `broker:` section (top level, or under `tokengate:`) of TokenGate's config file.
    /// - Throws: ``SettingsError`` naming the key path and line of the first problem.
    public static func parse(yaml: String) throws(SettingsError) -> BrokerSettings {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw SettingsError(path: "config", line: nil, "is not valid YAML: \(error)")
        }
        guard let root else { throw SettingsError(path: "config", line: nil, "is empty; it needs a broker: section") }
        let top = SettingsReader(node: root, path: "")
        let section = top.child("broker").map { SettingsReader(node: $0.node, path: "broker") }
            ?? top.child("tokengate")?.child("broker").map { SettingsReader(node: $0.node, path: "tokengate.broker") }
        guard let section else {
            throw SettingsError(path: "config", line: nil, "has no broker: section (top level or under tokengate:)")
        }
        return try parse(section)
    }

    static func parse(_ reader: SettingsReader) throws(SettingsError) -> BrokerSettings {
        try reader.keys(allowed: ["issuer", "audience", "tokenPath", "signingKeys", "clockSkewSeconds", "maxSubjectTokenBytes",
                                  "jwksRefetchIntervalSeconds", "jwksRefreshSeconds", "tokenReviewCacheSeconds", "clusters", "policy",
                                  "clusterResources", "clusterResourcesKubeconfig"])
        let clusterResources = try reader.bool("clusterResources") ?? false
        let issuerReader = try reader.required("issuer")
        let issuer = try issuerReader.string()
        guard URLRules.isHTTPSWithoutQuery(issuer) else {
            throw issuerReader.fail("must be an https URL without query or fragment (remote API servers require it)")
        }
        let tokenPath = try reader.string("tokenPath") ?? "/token"
        guard tokenPath.hasPrefix("/"), !tokenPath.contains("?") else {
            throw SettingsError(path: reader.path + ".tokenPath", line: reader.line, "must be a path starting with /")
        }
        var clusters: [ClusterSettings] = []
        let clusterElements = clusterResources ? try reader.child("clusters")?.elements() ?? [] : try reader.required("clusters").elements()
        for element in clusterElements {
            let cluster = try ClusterSettings.parse(element)
            if clusters.contains(where: { $0.name == cluster.name }) { throw element.fail("cluster name \(cluster.name) is used twice") }
            if clusters.contains(where: { $0.issuer == cluster.issuer }) {
                throw element.fail("issuer \(cluster.issuer) is used by two clusters; iss must pick exactly one")
            }
            clusters.append(cluster)
        }
        guard !clusters.isEmpty || clusterResources else {
            throw reader.fail("clusters: needs at least one trusted cluster (or clusterResources: true to add them as TrustedCluster resources)")
        }
        var rules: [PolicyRule] = []
        for element in try reader.child("policy")?.elements() ?? [] {
            let rule = try PolicyRule.parse(element)
            // With clusterResources a rule may name a TrustedCluster that does not exist yet.
            for name in rule.clusters ?? [] where !clusterResources && !clusters.contains(where: { $0.name == name }) {
                throw element.fail("names cluster \(name), which is not in broker.clusters")
            }
            rules.append(rule)
        }
        let keyFiles = try reader.required("signingKeys").strings()
        guard !keyFiles.isEmpty else { throw reader.fail("signingKeys: needs at least one PEM private key file") }
        var settings = BrokerSettings(
            issuer: issuer,
            audience: try reader.string("audience"),
            tokenPath: tokenPath,
            signingKeyFiles: keyFiles,
            clockSkewSeconds: try reader.int("clockSkewSeconds", in: 0...60) ?? 60,
            maxSubjectTokenBytes: Int(try reader.int("maxSubjectTokenBytes", in: 1024...65_536) ?? Int64(JWSCompact.defaultMaximumSize)),
            jwksRefetchIntervalSeconds: try reader.int("jwksRefetchIntervalSeconds", in: 1...3600) ?? 10,
            jwksRefreshSeconds: try reader.int("jwksRefreshSeconds", in: 10...86_400) ?? 300,
            tokenReviewCacheSeconds: try reader.int("tokenReviewCacheSeconds", in: 0...10) ?? 10,
            clusters: clusters,
            policy: BrokerPolicy(rules: rules))
        settings.clusterResources = clusterResources
        settings.clusterResourcesKubeconfig = try reader.string("clusterResourcesKubeconfig")
        if settings.clusterResourcesKubeconfig != nil, !clusterResources {
            throw reader.fail("clusterResourcesKubeconfig is only read with clusterResources: true")
        }
        return settings
    }
}

extension ClusterSettings {
    static func parse(_ reader: SettingsReader) throws(SettingsError) -> ClusterSettings {
        try reader.keys(allowed: ["name", "issuer", "jwksURL", "jwksFile", "algorithms", "verify", "checkPod", "apiServer",
                                  "inCluster", "caFile", "tokenFile", "kubeconfig", "auth"])
        let name = try reader.required("name").string()
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) else {
            throw reader.fail("cluster name \(name) may contain only letters, digits, '-', '_' and '.'")
        }
        let issuer = try reader.required("issuer").string()
        let jwks: JWKSSource
        switch (try reader.string("jwksURL"), try reader.string("jwksFile")) {
        case (let url?, nil):
            guard url.hasPrefix("https://"), url.count > 8 else { throw reader.fail("jwksURL must be https") }
            jwks = .url(url)
        case (nil, let file?): jwks = .file(file)
        case (nil, nil): jwks = .discovery
        case (_?, _?): throw reader.fail("set jwksURL or jwksFile, not both")
        }
        var algorithms: Set<JWSAlgorithm> = [.rs256, .es256]
        if let names = try reader.strings("algorithms") {
            algorithms = []
            for name in names {
                guard let algorithm = JWSAlgorithm(rawValue: name) else {
                    throw reader.fail("algorithm \(name) is not supported; use RS256 and/or ES256 (never none or HMAC)")
                }
                algorithms.insert(algorithm)
            }
            guard !algorithms.isEmpty else { throw reader.fail("algorithms: needs at least one of RS256, ES256") }
        }
        let verification: VerificationMode
        if let mode = try reader.string("verify") {
            guard let parsed = VerificationMode(rawValue: mode) else { throw reader.fail("verify must be jwks, tokenreview or both") }
            verification = parsed
        } else {
            verification = .both
        }
        if jwks == .discovery, verification.usesJWKS, !URLRules.isHTTPSWithoutQuery(issuer) {
            throw reader.fail("issuer must be an https URL for OIDC discovery; otherwise set jwksURL or jwksFile")
        }
        let apiServer = try reader.string("apiServer")
        let inCluster = try reader.bool("inCluster") ?? false
        let kubeconfig = try reader.string("kubeconfig")
        let hasAPIServer = apiServer != nil || inCluster || kubeconfig != nil
        if verification.usesAPIServer, !hasAPIServer {
            throw reader.fail("verify: \(verification.rawValue) needs apiServer, kubeconfig or inCluster: true (or use verify: jwks)")
        }
        let tokenFile = try reader.string("tokenFile")
        var auth: ClusterAuth?
        if let authReader = reader.child("auth") {
            auth = try ClusterAuth.parse(authReader)
            if apiServer == nil, kubeconfig == nil {
                throw authReader.fail("auth.selfIssued authenticates to a remote API server: set apiServer (or kubeconfig) for this cluster")
            }
            if tokenFile != nil {
                throw authReader.fail("set tokenFile or auth.selfIssued, not both (auth.selfIssued needs no credential of the cluster)")
            }
        }
        let checkPod = try reader.bool("checkPod")
        if checkPod == true, !hasAPIServer, let key = reader.child("checkPod") {
            // Accepting it and skipping the Pod GET would pass the tokens of deleted pods unseen.
            throw key.fail("checkPod: true GETs the pod from the cluster's API server, and this cluster names none: "
                + "add apiServer (with caFile and tokenFile), kubeconfig or inCluster: true, or set checkPod: false")
        }
        return ClusterSettings(
            name: name, issuer: issuer, jwks: jwks, algorithms: algorithms, verification: verification,
            checkPod: checkPod, apiServer: apiServer, inCluster: inCluster,
            caFile: try reader.string("caFile"), tokenFile: tokenFile, kubeconfig: kubeconfig, auth: auth)
    }
}

extension ClusterAuth {
    /// `auth: {selfIssued: {audience, subject, ttlSeconds}}`.
    static func parse(_ reader: SettingsReader) throws(SettingsError) -> ClusterAuth {
        try reader.keys(allowed: ["selfIssued"])
        let issued = try reader.required("selfIssued")
        try issued.keys(allowed: ["audience", "subject", "ttlSeconds"])
        let audience = try issued.required("audience").string()
        guard !audience.isEmpty else { throw issued.fail("audience must name what the remote API server's authentication config lists") }
        let subject = try issued.required("subject").string()
        guard !subject.isEmpty, !subject.contains(where: { $0.isWhitespace }) else {
            throw issued.fail("subject must be a non-empty name without spaces (the remote RBAC grants it, after its username prefix)")
        }
        let ttl = try issued.int("ttlSeconds", in: SelfIssuedAuth.ttlRange) ?? SelfIssuedAuth.defaultTTLSeconds
        return .selfIssued(SelfIssuedAuth(audience: audience, subject: subject, ttlSeconds: ttl))
    }
}

extension PolicyRule {
    static func parse(_ reader: SettingsReader) throws(SettingsError) -> PolicyRule {
        try reader.keys(allowed: ["name", "clusters", "serviceAccounts", "audiences", "maxTTLSeconds", "tokenType", "scopes",
                                  "allowUnboundTokens"])
        var accounts: [ServiceAccountPattern] = []
        for element in try reader.required("serviceAccounts").elements() {
            try element.keys(allowed: ["namespace", "name"])
            accounts.append(ServiceAccountPattern(namespace: try element.required("namespace").string(),
                                                  name: try element.required("name").string()))
        }
        guard !accounts.isEmpty else { throw reader.fail("serviceAccounts: needs at least one {namespace, name}") }
        let audiences = try reader.required("audiences").strings()
        guard !audiences.isEmpty else { throw reader.fail("audiences: needs at least one audience") }
        var tokenType = IssuedTokenType.accessToken
        if let name = try reader.string("tokenType") {
            guard let parsed = IssuedTokenType(rawValue: name) else { throw reader.fail("tokenType must be access_token or jwt") }
            tokenType = parsed
        }
        return PolicyRule(
            name: try reader.string("name"), clusters: try reader.strings("clusters"), serviceAccounts: accounts,
            audiences: audiences,
            maxTTLSeconds: try reader.int("maxTTLSeconds", in: 60...PolicyRule.ceilingTTLSeconds) ?? PolicyRule.defaultMaxTTLSeconds,
            tokenType: tokenType, scopes: try reader.strings("scopes") ?? [],
            allowUnboundTokens: try reader.bool("allowUnboundTokens") ?? false)
    }
}
