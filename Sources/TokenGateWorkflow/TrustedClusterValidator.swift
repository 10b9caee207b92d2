// SPDX-License-Identifier: Apache-2.0

/// Checks a `TrustedCluster` object for what the CRD's schema cannot say, with the field path,
/// what is wrong and the fix, for `tokengate lint`, the validating webhook and the watcher alike.
public struct TrustedClusterValidator: Sendable {
    /// Issuers already used, by cluster name (other resources, and the config file's clusters).
    public var issuersInUse: [String: String]

    public init(issuersInUse: [String: String] = [:]) {
        self.issuersInUse = issuersInUse
    }

    /// Whether `apiVersion`/`kind` name a TrustedCluster (any version of the group: the linter
    /// reports an unserved one).
    public static func matches(apiVersion: String, kind: String) -> Bool {
        kind == TrustedClusterSpec.kind && apiVersion.split(separator: "/").first.map(String.init) == TrustedClusterSpec.group
    }

    /// The report, and the spec when there is no error.
    public func validate(object: SpecValue) -> (report: ValidationReport, spec: TrustedClusterSpec?) {
        var findings = Findings()
        let at = object.origin.position
        let apiVersion = object["apiVersion"]?.string ?? ""
        if apiVersion != TrustedClusterSpec.apiVersion {
            findings.error(.unsupportedVersion, FieldPath("apiVersion"), at: object["apiVersion"]?.origin.position ?? at,
                           "the TrustedCluster CRD serves \(TrustedClusterSpec.apiVersion), not \(Quoted(apiVersion))")
        }
        let metadata = object["metadata"]
        let name = metadata?["name"]?.string ?? ""
        if !Self.isClusterName(name) {
            findings.error(.invalidName, FieldPath("metadata.name"), at: metadata?["name"]?.origin.position ?? at,
                           "\(Quoted(name)) is not a valid cluster name; it must be a DNS label: lowercase letters, digits and \"-\", at most 63",
                           hint: "the name appears in issued tokens as tokengate.io.cluster; pick e.g. \(Quoted(Self.suggestedName(name)))")
        }
        if metadata?["namespace"]?.string != nil {
            findings.error(.invalidValue, FieldPath("metadata.namespace"), at: metadata?["namespace"]?.origin.position,
                           "TrustedCluster is cluster-scoped and has no namespace", hint: "remove metadata.namespace")
        }
        let generation: Int64 = if case .int(let value)? = metadata?["generation"]?.kind { value } else { 0 }
        guard let spec = object["spec"], let entries = spec.entries else {
            findings.error(.missingField, FieldPath("spec"), at: object["spec"]?.origin.position ?? at,
                           "a TrustedCluster needs a spec with at least issuer", hint: "add spec.issuer")
            return (ValidationReport(diagnostics: findings.all), nil)
        }
        let path = FieldPath.spec
        for entry in entries where !TrustedClusterSpec.specKeys.contains(entry.key) {
            var hint = Suggestions.didYouMean(entry.key, in: TrustedClusterSpec.specKeys)
            if ["tokenFile", "token", "kubeconfig", "bearerToken"].contains(entry.key) {
                hint = "a TrustedCluster never holds a credential of its cluster: use auth.selfIssued"
            }
            findings.error(.unknownKey, path.appending(entry.key), at: entry.keyPosition ?? entry.value.origin.position,
                           "unknown field; expected one of \(Suggestions.list(TrustedClusterSpec.specKeys))", hint: hint)
        }
        let issuer = string(spec, "issuer", path, &findings, required: true)
        if let issuer {
            if !Self.isHTTPSURL(issuer) {
                findings.error(.invalidValue, path.appending("issuer"), at: spec["issuer"]?.origin.position,
                               "\(Quoted(issuer)) is not an https URL without query or fragment",
                               hint: "use the exact iss of the cluster's ServiceAccount tokens, e.g. https://prod-b.example.com")
            } else if let owner = issuersInUse[issuer], owner != name {
                findings.error(.invalidValue, path.appending("issuer"), at: spec["issuer"]?.origin.position,
                               "issuer \(Quoted(issuer)) is already used by cluster \(Quoted(owner)); iss must pick exactly one cluster",
                               hint: "delete or change the other one first, or fix this issuer")
            }
        }
        let apiServer = string(spec, "apiServer", path, &findings)
        if let apiServer, !Self.isHTTPSURL(apiServer) {
            findings.error(.invalidValue, path.appending("apiServer"), at: spec["apiServer"]?.origin.position,
                           "\(Quoted(apiServer)) is not an https URL", hint: "e.g. https://prod-b.example.com:6443")
        }
        let caBundle = string(spec, "caBundle", path, &findings)
        if let caBundle, let problem = Self.pemProblem(caBundle) {
            findings.error(.invalidValue, path.appending("caBundle"), at: spec["caBundle"]?.origin.position, problem,
                           hint: "paste the cluster's CA certificate(s) as PEM, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----")
        }
        var caConfigMap: TrustedClusterSpec.ConfigMapKey?
        if let ref = spec["caConfigMap"] {
            let refPath = path.appending("caConfigMap")
            if ref.entries == nil {
                findings.error(.notAMap, refPath, at: ref.origin.position, "expected a map {name, key}, found \(ref.foundDescription)")
            } else {
                for entry in ref.entries ?? [] where entry.key != "name" && entry.key != "key" {
                    findings.error(.unknownKey, refPath.appending(entry.key), at: entry.keyPosition ?? entry.value.origin.position,
                                   "unknown field; expected name and key",
                                   hint: entry.key == "namespace" ? "the ConfigMap must be in TokenGate's own namespace; remove namespace" : nil)
                }
                let cmName = string(ref, "name", refPath, &findings, required: true)
                let key = string(ref, "key", refPath, &findings) ?? "ca.crt"
                if let cmName { caConfigMap = .init(name: cmName, key: key) }
            }
            if caBundle != nil {
                findings.error(.invalidValue, refPath, at: ref.origin.position, "set caBundle or caConfigMap, not both",
                               hint: "keep the one that holds the API server's CA")
            }
        }
        var verify = "both"
        if let mode = string(spec, "verify", path, &findings) {
            if TrustedClusterSpec.verifyModes.contains(mode) {
                verify = mode
            } else {
                findings.error(.invalidValue, path.appending("verify"), at: spec["verify"]?.origin.position,
                               "\(Quoted(mode)) is not a verify mode; expected jwks, tokenreview or both",
                               hint: Suggestions.didYouMean(mode, in: TrustedClusterSpec.verifyModes))
            }
        }
        var checkPod: Bool?
        if let value = spec["checkPod"] {
            if case .bool(let flag) = value.kind { checkPod = flag } else {
                findings.error(.wrongType, path.appending("checkPod"), at: value.origin.position,
                               "expected a boolean, found \(value.foundDescription)", hint: "write true or false without quotes")
            }
        }
        let jwksURL = string(spec, "jwksURL", path, &findings)
        if let jwksURL {
            if !Self.isHTTPSURL(jwksURL) {
                findings.error(.invalidValue, path.appending("jwksURL"), at: spec["jwksURL"]?.origin.position,
                               "\(Quoted(jwksURL)) is not an https URL", hint: "e.g. https://prod-b.example.com/openid/v1/jwks")
            } else if verify == "jwks", let issuer, let issuerHost = Self.host(issuer), let jwksHost = Self.host(jwksURL),
                      issuerHost != jwksHost {
                findings.error(.invalidValue, path.appending("jwksURL"), at: spec["jwksURL"]?.origin.position,
                               "with verify: jwks the keys are the only check, and jwksURL is on \(Quoted(jwksHost)), not the issuer's host \(Quoted(issuerHost))",
                               hint: "serve the JWKS from the issuer's host, remove jwksURL to use the issuer's discovery, or use verify: both")
            }
        }
        var selfIssued: TrustedClusterSpec.SelfIssued?
        if let auth = spec["auth"] {
            selfIssued = parseAuth(auth, path.appending("auth"), &findings)
        }
        let needsAPIServer = verify != "jwks" || checkPod == true
        if needsAPIServer, apiServer == nil {
            let why = verify != "jwks" ? "verify: \(verify) calls TokenReview on the cluster's API server" : "checkPod: true GETs the pod"
            findings.error(.missingField, path.appending("apiServer"), at: spec.origin.position,
                           "\(why), and the spec names no apiServer",
                           hint: "add apiServer with auth.selfIssued, or use verify: jwks with checkPod: false")
        }
        if apiServer != nil, selfIssued == nil, spec["auth"] == nil {
            findings.error(.missingField, path.appending("auth"), at: spec["apiServer"]?.origin.position,
                           "apiServer is set but not how TokenGate authenticates to it",
                           hint: "add auth: {selfIssued: {audience: …, subject: …}} and let that API server trust TokenGate's issuer")
        }
        if apiServer != nil, caBundle == nil, caConfigMap == nil {
            findings.warning(.missingField, path.appending("caBundle"), at: spec["apiServer"]?.origin.position,
                             "no caBundle or caConfigMap: the API server's certificate is checked against the system CAs",
                             hint: "set caBundle to the cluster's CA unless its API server has a publicly trusted certificate")
        }
        let report = ValidationReport(diagnostics: findings.all)
        guard report.isAllowed, let issuer else { return (report, nil) }
        return (report, TrustedClusterSpec(
            name: name, generation: generation, issuer: issuer, apiServer: apiServer, caBundle: caBundle, caConfigMap: caConfigMap,
            verify: verify, checkPod: checkPod, jwksURL: jwksURL, selfIssued: selfIssued))
    }

    private func parseAuth(_ auth: SpecValue, _ path: FieldPath, _ findings: inout Findings) -> TrustedClusterSpec.SelfIssued? {
        guard let entries = auth.entries else {
            findings.error(.notAMap, path, at: auth.origin.position, "expected a map {selfIssued: …}, found \(auth.foundDescription)")
            return nil
        }
        for entry in entries where entry.key != "selfIssued" {
            findings.error(.unknownKey, path.appending(entry.key), at: entry.keyPosition ?? entry.value.origin.position,
                           "unknown field; the only way a TrustedCluster authenticates is selfIssued",
                           hint: Suggestions.didYouMean(entry.key, in: ["selfIssued"]))
        }
        guard let issued = auth["selfIssued"] else {
            findings.error(.missingField, path.appending("selfIssued"), at: auth.origin.position, "auth needs selfIssued",
                           hint: "auth: {selfIssued: {audience: …, subject: …}}")
            return nil
        }
        let issuedPath = path.appending("selfIssued")
        guard let issuedEntries = issued.entries else {
            findings.error(.notAMap, issuedPath, at: issued.origin.position,
                           "expected a map {audience, subject, ttlSeconds}, found \(issued.foundDescription)")
            return nil
        }
        let keys = ["audience", "subject", "ttlSeconds"]
        for entry in issuedEntries where !keys.contains(entry.key) {
            findings.error(.unknownKey, issuedPath.appending(entry.key), at: entry.keyPosition ?? entry.value.origin.position,
                           "unknown field; expected one of \(Suggestions.list(keys))", hint: Suggestions.didYouMean(entry.key, in: keys))
        }
        let audience = string(issued, "audience", issuedPath, &findings, required: true)
        let subject = string(issued, "subject", issuedPath, &findings, required: true)
        if let subject, subject.isEmpty || subject.contains(where: { $0.isWhitespace }) {
            findings.error(.invalidValue, issuedPath.appending("subject"), at: issued["subject"]?.origin.position,
                           "subject must be a non-empty name without spaces", hint: "e.g. tokengate-broker")
        }
        var ttl: Int64 = 300
        if let value = issued["ttlSeconds"] {
            if case .int(let seconds) = value.kind, TrustedClusterSpec.ttlRange.contains(seconds) {
                ttl = seconds
            } else {
                findings.error(.invalidValue, issuedPath.appending("ttlSeconds"), at: value.origin.position,
                               "expected a number of seconds from 60 to 3600, found \(value.foundDescription)",
                               hint: "the default, 300, suits most API servers")
            }
        }
        guard let audience, let subject, !audience.isEmpty else {
            if audience?.isEmpty == true {
                findings.error(.invalidValue, issuedPath.appending("audience"), at: issued["audience"]?.origin.position,
                               "audience must not be empty", hint: "use what the remote API server's jwt[].issuer.audiences lists")
            }
            return nil
        }
        return .init(audience: audience, subject: subject, ttlSeconds: ttl)
    }

    private func string(_ map: SpecValue, _ key: String, _ path: FieldPath, _ findings: inout Findings, required: Bool = false) -> String? {
        guard let value = map[key] else {
            if required {
                findings.error(.missingField, path.appending(key), at: map.origin.position, "\(key) is required")
            }
            return nil
        }
        guard let text = value.string else {
            findings.error(.wrongType, path.appending(key), at: value.origin.position, "expected a string, found \(value.foundDescription)")
            return nil
        }
        return text
    }
}
