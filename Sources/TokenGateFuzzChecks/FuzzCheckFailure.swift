// SPDX-License-Identifier: Apache-2.0

/// A broken invariant: what a fuzz target reports instead of returning.
///
/// Checks throw this rather than trapping so that the same check can fail a Swift test with a
/// readable message; the fuzz executables turn it into a crash (see ``FuzzTarget/fuzz(_:_:)``)
/// because a crash is what libFuzzer records as a finding.
public struct FuzzCheckFailure: Error, CustomStringConvertible, Sendable {
    public let target: String
    public let message: String

    public init(_ target: String, _ message: String) {
        self.target = target
        self.message = message
    }

    public var description: String { "[\(target)] \(message)" }
}

/// Fails with `message` unless `condition` holds (an invariant, not input validation).
@inline(__always)
func require(
    _ condition: Bool, _ target: String, _ message: @autoclosure () -> String
) throws(FuzzCheckFailure) {
    if !condition { throw FuzzCheckFailure(target, message()) }
}

/// A short, printable rendering of input-derived text for failure messages.
func shown(_ bytes: some Collection<UInt8>, limit: Int = 160) -> String {
    let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
    let escaped = text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }
    return escaped.joined() + (bytes.count > limit ? "…" : "")
}

func shown(_ text: String, limit: Int = 160) -> String { shown(Array(text.utf8), limit: limit) }
