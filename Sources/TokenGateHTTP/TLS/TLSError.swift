// SPDX-License-Identifier: Apache-2.0
import COpenSSL
import COpenSSLShims

/// A TLS setup or connection failure, with OpenSSL's reasons spelled out.
public struct TLSError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// The peer sent plain HTTP to the TLS port (OpenSSL reason `http request`).
    public let peerSpokePlainHTTP: Bool

    public init(_ message: String, peerSpokePlainHTTP: Bool = false) {
        self.message = message
        self.peerSpokePlainHTTP = peerSpokePlainHTTP
    }

    public var description: String { message }

    /// `context` plus the entries of this thread's OpenSSL error queue, which is emptied.
    ///
    /// The queue is per thread and an event loop serves many connections, so every TLS call
    /// clears it first and every failure drains it here: one connection's reason never leaks
    /// into another's message.
    static func fromQueue(_ context: String) -> TLSError {
        var reasons: [String] = []
        var plainHTTP = false
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if tg_err_is_http_request(code) != 0 { plainHTTP = true }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let text = reasons.isEmpty ? context : "\(context): \(reasons.joined(separator: "; "))"
        return TLSError(text, peerSpokePlainHTTP: plainHTTP)
    }
}
