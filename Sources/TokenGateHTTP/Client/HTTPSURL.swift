// SPDX-License-Identifier: Apache-2.0
import Foundation

/// An `https://host[:port]/path?query` URL split into what a connection and a request need.
///
/// Only https: every URL TokenGate fetches (JWKS, discovery, a broker's token endpoint) carries
/// or protects credentials. User info and fragments are refused rather than silently dropped.
public struct HTTPSURL: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address, without IPv6 brackets.
    public var host: String
    public var port: Int
    /// Path and query, at least `/`.
    public var target: String

    public init(host: String, port: Int, target: String) {
        self.host = host
        self.port = port
        self.target = target
    }

    public init(parsing text: String) throws(HTTPSClientError) {
        guard let components = URLComponents(string: text), components.scheme?.lowercased() == "https" else {
            throw HTTPSClientError(.invalid, "\(text) is not an https:// URL")
        }
        guard let host = components.host, !host.isEmpty else { throw HTTPSClientError(.invalid, "\(text) has no host") }
        guard components.user == nil, components.password == nil else {
            throw HTTPSClientError(.invalid, "\(text) carries user info; put credentials in a token file instead")
        }
        guard components.fragment == nil else { throw HTTPSClientError(.invalid, "\(text) has a #fragment") }
        let port = components.port ?? 443
        guard (1...65535).contains(port) else { throw HTTPSClientError(.invalid, "\(text) has port \(port) outside 1-65535") }
        var target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { target += "?" + query }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        self.target = target
    }

    /// `host:port` (IPv6 in brackets), as sent in the `Host` header and shown in messages.
    public var authority: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return port == 443 ? shownHost : "\(shownHost):\(port)"
    }

    public var description: String { "https://\(authority)\(target)" }
}
