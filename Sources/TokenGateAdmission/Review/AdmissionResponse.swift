// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// Encodes the AdmissionReview answer for one request.
///
/// The rules come from how the API server checks a response (k8s-api.md §1.4–1.7): same
/// apiVersion and kind as the request, `uid` echoed, `allowed` always present (missing means
/// false), `patch` (standard base64 with padding) only together with `patchType: JSONPatch` and
/// only when non-empty, never a patch from a validating webhook. Warnings and audit annotations
/// are trimmed here to what the API server keeps, so a long message cannot silently vanish.
public enum AdmissionResponse {
    /// The API server truncates a warning longer than this (in bytes, Go's `len`).
    public static let maxWarningBytes = 256
    /// …and drops further warnings once all of them together exceed this.
    public static let maxTotalWarningBytes = 4096

    public static func encode(
        _ decision: AdmissionDecision, for request: AdmissionRequest, at endpoint: AdmissionEndpoint
    ) -> [UInt8] {
        encode(decision, uid: request.uid, version: request.version, at: endpoint)
    }

    public static func encode(
        _ decision: AdmissionDecision, uid: String, version: AdmissionReviewVersion, at endpoint: AdmissionEndpoint
    ) -> [UInt8] {
        // One allocation for the usual answer; a patch needs about 4/3 of its JSON, ~300 bytes an operation.
        var writer = JSONWriter(into: [UInt8]())
        writer.sink.reserveCapacity(256 + (endpoint == .mutate ? 400 * decision.patch.operations.count : 0))
        write(decision, uid: uid, version: version, at: endpoint, into: &writer)
        return writer.sink
    }

    /// Writes the AdmissionReview answer with `writer` in one pass: the patch goes through the
    /// writer's base64 encoder straight from its operations, so no patch text, base64 string or
    /// JSON tree is built. The bytes are those Jansson wrote for the same answer before (member
    /// order, escapes, and audit annotations merged as a Jansson object merges them).
    /// `@inlinable` so a caller in another module (a server writing into its own buffer type)
    /// gets code specialized for its sink, like ``JSONWriter`` itself: unspecialized, the
    /// benchmark's answer took 10.5 µs instead of 3.9 µs (hack/bench-admission.sh).
    @inlinable public static func write<Sink: JSONByteSink>(
        _ decision: AdmissionDecision, uid: String, version: AdmissionReviewVersion, at endpoint: AdmissionEndpoint,
        into writer: inout JSONWriter<Sink>
    ) {
        writer.object { w in
            w.key("apiVersion"); w.string(version.rawValue)
            w.key("kind"); w.string(AdmissionReviewVersion.kind)
            w.key("response"); w.object { w in
                w.key("uid"); w.string(uid)
                w.key("allowed"); w.bool(decision.isAllowed)
                if let denial = decision.denial {
                    w.key("status"); w.object { w in
                        w.key("status"); w.string("Failure")
                        w.key("code"); w.int(max(400, denial.code))
                        w.key("reason"); w.string(denial.reason)
                        w.key("message"); w.string(denial.message)
                    }
                } else if endpoint == .mutate, !decision.patch.isEmpty {
                    w.key("patchType"); w.string("JSONPatch")
                    w.key("patch"); w.base64String { w in w.patch(decision.patch) }
                }
                let annotations = mergedAuditAnnotations(decision.auditAnnotations)
                if !annotations.isEmpty {
                    w.key("auditAnnotations"); w.object { w in
                        for (key, value) in annotations { w.key(key); w.string(value) }
                    }
                }
                let warnings = boundedWarnings(decision.warnings)
                if !warnings.isEmpty {
                    w.key("warnings"); w.array { w in for warning in warnings { w.string(warning) } }
                }
            }
        }
    }

    /// The valid keys, each once: a repeated key keeps its first place and takes its last value,
    /// as a JSON object built member by member does (and as the answer always read).
    @usableFromInline static func mergedAuditAnnotations(_ annotations: [(key: String, value: String)]) -> [(key: String, value: String)] {
        var merged: [(key: String, value: String)] = []
        for annotation in annotations where isValidAuditKey(annotation.key) {
            if let index = merged.firstIndex(where: { $0.key == annotation.key }) {
                merged[index].value = annotation.value
            } else {
                merged.append(annotation)
            }
        }
        return merged
    }

    /// Each warning on one line and cut to ``maxWarningBytes`` at a character boundary; the list
    /// stops before the total passes ``maxTotalWarningBytes``.
    public static func boundedWarnings(_ warnings: [String]) -> [String] {
        var result: [String] = []
        var total = 0
        for warning in warnings {
            var text = String(warning.map { $0.isNewline ? " " : $0 })
            if text.utf8.count > maxWarningBytes {
                var cut = ""
                for character in text {
                    if cut.utf8.count + character.utf8.count > maxWarningBytes - 3 { break }
                    cut.append(character)
                }
                text = cut + "..."
            }
            if text.isEmpty { continue }
            if total + text.utf8.count > maxTotalWarningBytes { break }
            total += text.utf8.count
            result.append(text)
        }
        return result
    }

    /// The API server stores keys as `<webhook name>/<key>`, so a key must be a qualified-name
    /// name part: 1–63 characters, alphanumeric at both ends, `-_.` inside, no `/`.
    public static func isValidAuditKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func alnum(_ byte: UInt8) -> Bool {
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
        }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }
}
