// SPDX-License-Identifier: Apache-2.0

/// Rules for an OpenUnison `Target` (`openunison.tremolo.io/v1`): the Kubernetes target's
/// `tokenType` and the parameters each type needs (openunison.md §4), a well-formed `url`, and
/// `#[VAR]` placeholders.
struct TargetRules {
    var findings = Findings()

    /// `OpenShiftTarget` parses `tokenType` as a case-insensitive enum; anything else fails at init.
    static let tokenTypes = ["legacy", "tokenapi", "static", "certificate", "oidc", "none"]
    static let specFields = ["className", "params", "secretParams", "targetAttributes"]

    mutating func check(_ spec: SpecValue) {
        guard let entries = spec.entries else {
            findings.error(.notAMap, .spec, at: spec.origin.position, "spec must be a map, found \(spec.found)")
            return
        }
        for entry in entries where !Self.specFields.contains(entry.key) {
            findings.warning(
                .unknownKey, FieldPath.spec.appending(entry.key), at: entry.keyPosition,
                "\(Quoted(entry.key)) is not a Target field, so the API server silently drops it; "
                    + "fields: \(Suggestions.list(Self.specFields))",
                hint: Suggestions.didYouMean(entry.key, in: Self.specFields))
        }
        let params = namedItems(spec["params"], at: FieldPath.spec.appending("params"))
        let secretParams = namedItems(spec["secretParams"], at: FieldPath.spec.appending("secretParams"))
        for param in params {
            if let text = param.value?.string {
                for problem in EnvironmentPlaceholders.scan(text).problems {
                    findings.add(problem.isError ? .error : .warning, .placeholder, param.path.appending("value"),
                                 at: param.value?.origin.position, problem.message, hint: problem.hint)
                }
            }
        }
        if let url = params.last(where: { $0.name == "url" }) { checkURL(url) }
        if let tokenType = params.last(where: { $0.name == "tokenType" }) {
            checkTokenType(tokenType, params: params, secretParams: secretParams, spec: spec)
        }
    }

    /// One `{name, value}` (or `{name, secretName, secretKey}`) entry, with where it is.
    struct NamedItem {
        var name: String
        var value: SpecValue?
        var item: SpecValue
        var path: FieldPath
    }

    private mutating func namedItems(_ value: SpecValue?, at path: FieldPath) -> [NamedItem] {
        guard let value, !value.isNull else { return [] }
        guard let items = value.items else {
            findings.error(.notAList, path, at: value.origin.position,
                           "\(path.lastKey ?? "this") must be a list of {name, …}, found \(value.found)")
            return []
        }
        var named: [NamedItem] = []
        for (index, item) in items.enumerated() {
            guard let name = item["name"]?.string else {
                findings.error(.missingField, path.appending(index).appending("name"), at: item.origin.position,
                               "each entry needs a name (a string)")
                continue
            }
            named.append(NamedItem(name: name, value: item["value"], item: item, path: path.appending(index)))
        }
        return named
    }

    private mutating func checkTokenType(
        _ param: NamedItem, params: [NamedItem], secretParams: [NamedItem], spec: SpecValue
    ) {
        let path = param.path.appending("value")
        guard let raw = param.value?.string, !raw.contains("#[") else { return }
        let tokenType = raw.lowercased()
        guard Self.tokenTypes.contains(tokenType) else {
            let hint =
                tokenType == "token"
                ? "OpenUnison's docs show \"token\", but the parser does not accept it: use \"static\" with a "
                    + "secretParams entry named token, or \"oidc\" for a remote cluster"
                : Suggestions.didYouMean(tokenType, in: Self.tokenTypes)
            findings.error(
                .invalidValue, path, at: param.value?.origin.position,
                "\(Quoted(raw)) is not a tokenType; allowed (any case): \(Suggestions.list(Self.tokenTypes))",
                hint: hint)
            return
        }
        func hasParam(_ name: String) -> Bool {
            params.contains { $0.name == name && !($0.value?.string ?? "").trimmedSpaces.isEmpty }
        }
        switch tokenType {
        case "oidc":
            for name in ["oidcIdp", "oidcSub", "oidcAudience"] where !hasParam(name) {
                findings.error(
                    .missingParam, FieldPath.spec.appending("params"), at: param.item.origin.position,
                    "tokenType oidc needs the param \(name)",
                    hint: "oidcIdp names the IdP application that signs the token, oidcSub its subject, oidcAudience "
                        + "the audience the remote cluster expects")
            }
        case "static":
            if !secretParams.contains(where: { $0.name == "token" }) {
                findings.error(
                    .missingParam, FieldPath.spec.appending("secretParams"), at: param.item.origin.position,
                    "tokenType static needs a secretParams entry named token",
                    hint: "add - name: token, secretName: <Secret>, secretKey: <key>")
            }
        case "certificate":
            if !hasParam("certSecretURI") {
                findings.error(
                    .missingParam, FieldPath.spec.appending("params"), at: param.item.origin.position,
                    "tokenType certificate needs the param certSecretURI",
                    hint: "certSecretURI names the Secret with the client certificate and key")
            }
        default:
            break
        }
    }

    /// `url` must be an absolute http(s) URL with a host, when it is set at all (empty means the
    /// local cluster).
    private mutating func checkURL(_ param: NamedItem) {
        guard let value = param.value, let url = value.string?.trimmedSpaces, !url.isEmpty, !url.contains("#[") else {
            return
        }
        let path = param.path.appending("value")
        let lowered = url.lowercased()
        let scheme = lowered.hasPrefix("https://") ? "https://" : lowered.hasPrefix("http://") ? "http://" : nil
        guard let scheme else {
            findings.error(.invalidValue, path, at: value.origin.position,
                           "\(Quoted(url)) is not a URL; expected https://host[:port]",
                           hint: "start it with https://")
            return
        }
        let rest = url.dropFirst(scheme.count)
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        let host = authority.hasPrefix("[") ? authority.prefix(while: { $0 != "]" }).dropFirst()
            : authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var problem: String?
        if host.isEmpty {
            problem = "has no host"
        } else if url.contains(where: { $0 == " " || $0 == "\t" || $0.isNewline }) {
            problem = "contains spaces"
        } else if !authority.hasPrefix("["), let port = authority.split(separator: ":").dropFirst().first,
            Int(port).map({ !(1...65535).contains($0) }) ?? true
        {
            problem = "has an invalid port \(Quoted(String(port)))"
        } else if authority.filter({ $0 == ":" }).count > 1, !authority.hasPrefix("[") {
            problem = "has more than one \":\" in the host (an IPv6 address needs [brackets])"
        }
        if let problem {
            findings.error(.invalidValue, path, at: value.origin.position, "the url \(Quoted(url)) \(problem)",
                           hint: "expected https://host[:port], e.g. https://api.cluster.example:6443")
        }
    }
}
