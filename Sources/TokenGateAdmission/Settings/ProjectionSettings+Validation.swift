// SPDX-License-Identifier: Apache-2.0

extension ProjectionSettings {
    /// Checks the settings once at startup (and on reload). Problems are collected, not stopped
    /// at, so one run shows everything to fix.
    /// - Returns: warnings to log (e.g. the audience `api`).
    /// - Throws: ``ConfigError`` listing every problem, each naming the key and the allowed values.
    public func validate() throws(ConfigError) -> [String] {
        var problems: [String] = []
        var warnings: [String] = []
        let min = Self.minimumExpirationSeconds
        if maxExpirationSeconds < min || maxExpirationSeconds > Self.apiServerMaximumExpirationSeconds {
            problems.append(
                "tokengate.maxExpirationSeconds is \(maxExpirationSeconds): it must be from \(min) to \(Self.apiServerMaximumExpirationSeconds)")
        }
        if enabled {
            if expirationSeconds < min {
                problems.append(
                    "token_request_expiration_seconds is \(expirationSeconds): the API server refuses projected tokens shorter than \(min) seconds; set it to \(min) or more")
            } else if expirationSeconds > maxExpirationSeconds {
                problems.append(
                    "token_request_expiration_seconds is \(expirationSeconds): it is above tokengate.maxExpirationSeconds (\(maxExpirationSeconds)); lower it or raise the maximum")
            }
            if let problem = Self.audienceProblem(audience) {
                problems.append("token_request_audience \(problem)")
            } else if audience == "api" {
                warnings.append(
                    "token_request_audience is \"api\": many Kubernetes distributions no longer accept it and answer 401 (OpenUnison issue #108); consider \"https://kubernetes.default.svc\"")
            }
        }
        if !mountPath.hasPrefix("/") || mountPath.contains(":") {
            problems.append("tokengate.mountPath is \"\(mountPath)\": it must be an absolute path without \":\"")
        }
        if tokenFileName.isEmpty || tokenFileName.hasPrefix("/") || tokenFileName.split(separator: "/").contains("..") {
            problems.append("tokengate.tokenFileName is \"\(tokenFileName)\": it must be a relative path without \"..\"")
        }
        if !Self.isDNSLabel(volumeName) {
            problems.append(
                "tokengate.volumeName is \"\(volumeName)\": it must be a DNS label (lowercase letters, digits and '-', at most 63 characters)")
        }
        for namespace in allowedNamespaces + deniedNamespaces + (ownNamespace.map { [$0] } ?? []) where !Self.isDNSLabel(namespace) {
            problems.append("namespace \"\(namespace)\" in the configuration is not a valid namespace name")
        }
        if !problems.isEmpty { throw ConfigError(problems: problems) }
        return warnings
    }

    /// Why an audience cannot be used, or nil. It ends up in `tokengate.io/projected: "<aud>;<s>"`,
    /// hence no `;`; whitespace is never meaningful in an audience and usually a paste error.
    static func audienceProblem(_ audience: String) -> String? {
        if audience.isEmpty { return "is empty: set it to an audience the API server accepts, e.g. \"https://kubernetes.default.svc\"" }
        if audience.utf8.count > 256 { return "is longer than 256 characters" }
        if audience.contains(where: { $0.isWhitespace || $0 == ";" }) {
            return "is \"\(audience)\": it must not contain spaces or \";\""
        }
        return nil
    }

    static func isDNSLabel(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == UInt8(ascii: "-") }
    }
}
