// SPDX-License-Identifier: Apache-2.0
import COpenSSL

/// A key could not be generated, read, written or used.
///
/// The message names what TokenGate was doing and, where OpenSSL said why, OpenSSL's own reason,
/// so an operator who mounted the wrong file sees "not a PEM private key" rather than a code.
public struct KeyError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, Equatable {
        /// The bytes are not a key of a kind TokenGate reads (PEM/DER, RSA or EC P-256).
        case malformed
        /// The key is well formed but not acceptable (RSA below 2048 bits, another curve, RSA-PSS).
        case unsupported
        /// OpenSSL failed at something that should not fail (allocation, RNG).
        case internalFailure
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Builds an error and appends (then clears) what OpenSSL queued for this thread.
    static func openSSL(_ code: Code, _ message: String) -> KeyError {
        let reason = EVPErrorQueue.drain()
        return KeyError(code, reason.isEmpty ? message : "\(message) (OpenSSL: \(reason))")
    }
}

/// Reads and clears OpenSSL's per-thread error queue.
///
/// Every failing call leaves entries behind; if they are not cleared, the next unrelated failure on
/// the same thread would report them. So every error path in the key code drains the queue.
enum EVPErrorQueue {
    static func drain() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if reasons.count < 4 {
                var buffer = [CChar](repeating: 0, count: 256)
                ERR_error_string_n(code, &buffer, buffer.count)
                reasons.append(String(decoding: buffer.prefix(while: { $0 != 0 }).map(UInt8.init(bitPattern:)), as: UTF8.self))
            }
        }
        return reasons.joined(separator: "; ")
    }
}
