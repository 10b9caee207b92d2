// SPDX-License-Identifier: Apache-2.0

/// An RFC 8693 token-exchange request, parsed from its form body.
///
/// Rules (RFC 8693 §2.1, RFC 6749 §3.1): empty parameters count as absent; unknown parameters
/// are ignored; every parameter may appear once, except `audience` and `resource`, which may
/// repeat; `actor_token` (delegation) is refused because the broker issues impersonation tokens
/// only. `expires_in` is a TokenGate extension: the lifetime the caller would like, which the
/// policy and the subject token's own expiry may shorten.
public struct ExchangeRequest: Sendable, Equatable {
    public static let grantType = "urn:ietf:params:oauth:grant-type:token-exchange"
    public static let jwtTokenType = "urn:ietf:params:oauth:token-type:jwt"
    public static let maximumTargets = 8
    public static let maximumTargetBytes = 512

    public var subjectToken: String
    /// `audience` values followed by `resource` values, duplicates removed.
    public var audiences: [String]
    public var scopes: [String]
    public var requestedTokenType: IssuedTokenType?
    public var requestedLifetime: Int64?

    public init(subjectToken: String, audiences: [String], scopes: [String] = [], requestedTokenType: IssuedTokenType? = nil,
                requestedLifetime: Int64? = nil) {
        self.subjectToken = subjectToken
        self.audiences = audiences
        self.scopes = scopes
        self.requestedTokenType = requestedTokenType
        self.requestedLifetime = requestedLifetime
    }

    public init(form body: [UInt8], maximumBytes: Int = FormBody.maximumBytes) throws(ExchangeError) {
        let form: FormBody
        do {
            form = try FormBody(parsing: body, maximumBytes: maximumBytes)
        } catch {
            throw ExchangeError(.invalidRequest, reason: "malformed_request", error.description)
        }
        // A handful of fields: a scan over them costs less than hashing each name into tables.
        let fields = form.fields
        for (index, field) in fields.enumerated() where !field.value.isEmpty && !Self.repeatable(field.name) {
            if fields[..<index].contains(where: { $0.name == field.name && !$0.value.isEmpty }) {
                throw ExchangeError(.invalidRequest, reason: "duplicate_parameter", "parameter \(Self.shown(field.name)) appears more than once")
            }
        }
        /// The one non-empty value of a parameter that may appear once.
        func single(_ name: String) -> String? { fields.first { $0.name == name && !$0.value.isEmpty }?.value }
        func multi(_ name: String) -> [String] { fields.compactMap { $0.name == name && !$0.value.isEmpty ? $0.value : nil } }
        guard let grant = single("grant_type") else {
            throw ExchangeError(.invalidRequest, reason: "missing_parameter", "grant_type is required (\(Self.grantType))")
        }
        guard grant == Self.grantType else {
            throw ExchangeError(.unsupportedGrantType, reason: "unsupported_grant_type",
                                "grant_type \(Self.shown(grant)) is not supported; this endpoint does \(Self.grantType)")
        }
        guard let token = single("subject_token") else {
            throw ExchangeError(.invalidRequest, reason: "missing_parameter", "subject_token is required (the pod's projected ServiceAccount token)")
        }
        guard let tokenType = single("subject_token_type") else {
            throw ExchangeError(.invalidRequest, reason: "missing_parameter", "subject_token_type is required (\(Self.jwtTokenType))")
        }
        guard tokenType == Self.jwtTokenType else {
            throw ExchangeError(.invalidRequest, reason: "unsupported_subject_token_type",
                                "subject_token_type must be \(Self.jwtTokenType) for a Kubernetes ServiceAccount token")
        }
        if single("actor_token") != nil || single("actor_token_type") != nil {
            throw ExchangeError(.invalidRequest, reason: "delegation_unsupported",
                                "actor_token is not supported; the broker issues tokens for the subject only")
        }
        self.subjectToken = token
        self.audiences = try Self.targets(audiences: multi("audience"), resources: multi("resource"))
        self.scopes = try Self.scopes(single("scope"))
        if let requested = single("requested_token_type") {
            guard let type = IssuedTokenType(uri: requested) else {
                throw ExchangeError(.invalidRequest, reason: "unsupported_requested_token_type",
                                    "requested_token_type must be urn:ietf:params:oauth:token-type:access_token or …:jwt")
            }
            self.requestedTokenType = type
        } else {
            self.requestedTokenType = nil
        }
        if let lifetime = single("expires_in") {
            guard lifetime.utf8.count <= 9, let seconds = Int64(lifetime), seconds > 0 else {
                throw ExchangeError(.invalidRequest, reason: "malformed_request", "expires_in must be a positive number of seconds")
            }
            self.requestedLifetime = seconds
        } else {
            self.requestedLifetime = nil
        }
    }

    /// `audience` and `resource` may repeat (RFC 8693 §2.1); every other parameter appears once.
    private static func repeatable(_ name: String) -> Bool { name == "audience" || name == "resource" }

    private static func targets(audiences: [String], resources: [String]) throws(ExchangeError) -> [String] {
        for resource in resources {
            // RFC 8707 §2: an absolute URI without a fragment.
            guard let colon = resource.firstIndex(of: ":"), colon != resource.startIndex,
                resource[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }),
                !resource.contains("#")
            else {
                throw ExchangeError(.invalidTarget, reason: "malformed_resource", "resource must be an absolute URI without a fragment")
            }
        }
        var targets: [String] = []
        for target in audiences + resources where !targets.contains(target) {
            guard target.utf8.count <= maximumTargetBytes, !containsNewline(target) else {
                throw ExchangeError(.invalidTarget, reason: "malformed_audience", "audience values must be at most \(maximumTargetBytes) bytes on one line")
            }
            targets.append(target)
        }
        guard !targets.isEmpty else {
            throw ExchangeError(.invalidRequest, reason: "missing_parameter", "audience (or resource) is required: name the service the token is for")
        }
        guard targets.count <= maximumTargets else {
            throw ExchangeError(.invalidTarget, reason: "too_many_targets", "at most \(maximumTargets) audiences may be requested at once")
        }
        return targets
    }

    /// Whether any `Character` of `text` is a newline, read from its scalars: a newline scalar
    /// always starts its own grapheme (Unicode breaks after controls and line separators), and
    /// `Character.isNewline` looks at a character's first scalar, so this is the same test
    /// without breaking the text into characters.
    static func containsNewline(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            switch scalar.value {
            case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
            default: false
            }
        }
    }

    /// RFC 6749 §3.3: space-separated, each `%x21 / %x23-5B / %x5D-7E`.
    private static func scopes(_ text: String?) throws(ExchangeError) -> [String] {
        guard let text else { return [] }
        var scopes: [String] = []
        for scope in text.split(separator: " ", omittingEmptySubsequences: true) {
            guard scope.unicodeScalars.allSatisfy({ $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value) }),
                scope.utf8.count <= 128
            else { throw ExchangeError(.invalidScope, reason: "malformed_scope", "scope contains characters RFC 6749 does not allow") }
            if !scopes.contains(String(scope)) { scopes.append(String(scope)) }
        }
        guard scopes.count <= 32 else { throw ExchangeError(.invalidScope, reason: "malformed_scope", "at most 32 scopes may be requested") }
        return scopes
    }

    static func shown(_ text: String) -> String { SubjectTokenValidator.shown(text) }
}
