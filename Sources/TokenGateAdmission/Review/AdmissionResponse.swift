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
        var response: [(String, JSON)] = [("uid", .string(uid)), ("allowed", .bool(decision.isAllowed))]
        if let denial = decision.denial {
            response.append((
                "status",
                [
                    "status": "Failure", "code": .int(max(400, denial.code)), "reason": .string(denial.reason),
                    "message": .string(denial.message),
                ]
            ))
        } else if endpoint == .mutate, !decision.patch.isEmpty {
            response.append(("patchType", "JSONPatch"))
            response.append(("patch", .string(decision.patch.base64())))
        }
        let annotations = decision.auditAnnotations.filter { isValidAuditKey($0.key) }
        if !annotations.isEmpty {
            response.append(("auditAnnotations", .object(annotations.map { ($0.key, .string($0.value)) })))
        }
        let warnings = boundedWarnings(decision.warnings)
        if !warnings.isEmpty {
            response.append(("warnings", .array(warnings.map { .string($0) })))
        }
        let review: JSON = [
            "apiVersion": .string(version.rawValue), "kind": .string(AdmissionReviewVersion.kind),
            "response": .object(response),
        ]
        return review.serialized()
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
