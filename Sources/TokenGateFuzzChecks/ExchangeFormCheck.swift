// SPDX-License-Identifier: Apache-2.0
import TokenGateBroker

/// `exchange-form`: the RFC 8693 request body (`FormBody`, then `ExchangeRequest`).
///
/// Invariants: refusals are `ExchangeError`s with an OAuth error code and a description;
/// an accepted request has a subject token, 1–8 distinct audiences of at most 512 bytes on one
/// line, at most 32 distinct scopes of RFC 6749 characters, a positive lifetime; and both the
/// form and the request survive being written back as a form and read again unchanged (what the
/// broker decided on is exactly what the client's encoding said).
enum ExchangeFormCheck {
    static let target = "exchange-form"

    static func check(_ bytes: UnsafeRawBufferPointer) throws(FuzzCheckFailure) {
        let body = Array(bytes)
        if let form = try? FormBody(parsing: body) {
            let again = (try? FormBody(parsing: FormEncoding.encode(form.fields)))?.fields ?? []
            let same = again.elementsEqual(form.fields) { left, right in left.name == right.name && left.value == right.value }
            try require(same, target,
                        "form fields changed when written back and read again: \(shown(body))")
        }
        let request: ExchangeRequest
        do {
            request = try ExchangeRequest(form: body)
        } catch {
            try require(!error.clientDescription.isEmpty && !error.reason.isEmpty, target, "a refusal without a description")
            try require((400...599).contains(error.code.httpStatus), target, "a refusal with HTTP status \(error.code.httpStatus)")
            return
        }
        try require(!request.subjectToken.isEmpty, target, "accepted an empty subject_token")
        try require((1...ExchangeRequest.maximumTargets).contains(request.audiences.count), target, "\(request.audiences.count) audiences")
        try require(Set(request.audiences).count == request.audiences.count, target, "duplicate audiences")
        for audience in request.audiences {
            try require(!audience.isEmpty && audience.utf8.count <= ExchangeRequest.maximumTargetBytes
                        && !audience.contains(where: \.isNewline), target, "audience \(shown(audience))")
        }
        try require(request.scopes.count <= 32 && Set(request.scopes).count == request.scopes.count, target, "scopes \(request.scopes)")
        for scope in request.scopes {
            let allowed = !scope.isEmpty && scope.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" }
            try require(allowed, target, "scope \(shown(scope))")
        }
        if let lifetime = request.requestedLifetime { try require(lifetime > 0, target, "lifetime \(lifetime)") }

        var fields: [(name: String, value: String)] = [
            ("grant_type", ExchangeRequest.grantType), ("subject_token", request.subjectToken),
            ("subject_token_type", ExchangeRequest.jwtTokenType),
        ]
        fields += request.audiences.map { ("audience", $0) }
        if !request.scopes.isEmpty { fields.append(("scope", request.scopes.joined(separator: " "))) }
        if let type = request.requestedTokenType { fields.append(("requested_token_type", type.uri)) }
        if let lifetime = request.requestedLifetime { fields.append(("expires_in", String(lifetime))) }
        let reread = try? ExchangeRequest(form: FormEncoding.encode(fields))
        try require(reread == request, target, "the request changed when written back as a form: \(shown(body))")
    }
}
