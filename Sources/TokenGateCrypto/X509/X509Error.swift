// SPDX-License-Identifier: Apache-2.0
import COpenSSL

/// A failure while generating, reading or writing certificates and keys.
///
/// The message names the file or step and, where OpenSSL gave one, its reason, so the user can
/// tell a wrong path from a corrupt PEM from a key that belongs to another certificate.
public struct X509Error: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    /// `message` plus the reasons OpenSSL queued on this thread (which are then cleared).
    static func openSSL(_ message: String) -> X509Error {
        let reasons = X509Error.drainOpenSSLErrors()
        return X509Error(reasons.isEmpty ? message : "\(message): \(reasons)")
    }

    /// Empties this thread's OpenSSL error queue and returns its entries joined by "; ".
    public static func drainOpenSSLErrors() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.joined(separator: "; ")
    }
}
