// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateBroker

@Suite("RFC 8693 request parsing")
struct RequestParsingTests {
    static func parse(_ body: String) -> Result<ExchangeRequest, ExchangeError> {
        do throws(ExchangeError) {
            return .success(try ExchangeRequest(form: Array(body.utf8)))
        } catch {
            return .failure(error)
        }
    }

    static func expect(_ body: String, _ code: ExchangeError.Code, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        switch parse(body) {
        case .success: Issue.record("accepted \(body.prefix(80))", sourceLocation: sourceLocation)
        case .failure(let error):
            #expect(error.code == code && error.reason == reason, "\(error)", sourceLocation: sourceLocation)
        }
    }

    static let base = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=a.b.c"
        + "&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt"

    @Test("form decoding: percent escapes, plus as space, UTF-8, empty pairs")
    func formDecoding() throws {
        let form = try FormBody(parsing: Array("a=x%20y+z&&b=%C3%A9&c&d=%2B%26%3D".utf8))
        #expect(form.values("a") == ["x y z"])
        #expect(form.values("b") == ["é"])
        #expect(form.values("c") == [""])
        #expect(form.values("d") == ["+&="])
        #expect(throws: FormBody.Problem.self) { try FormBody(parsing: Array("a=%4".utf8)) }
        #expect(throws: FormBody.Problem.self) { try FormBody(parsing: Array("a=%zz".utf8)) }
        #expect(throws: FormBody.Problem.self) { try FormBody(parsing: Array("a=%FF%FE".utf8)) }
        #expect(throws: FormBody.Problem.self) { try FormBody(parsing: Array("=x".utf8)) }
        #expect(throws: FormBody.Problem.self) { try FormBody(parsing: [UInt8](repeating: 0x61, count: FormBody.maximumBytes + 1)) }
        #expect(throws: FormBody.Problem.self) {
            try FormBody(parsing: Array((0...FormBody.maximumFields).map { "p\($0)=1" }.joined(separator: "&").utf8))
        }
    }

    @Test("a complete request parses; audience and resource may repeat and are merged")
    func complete() throws {
        let request = try ExchangeRequest(form: Array((Self.base + "&audience=a&audience=b&resource=https%3A%2F%2Fr.example%2Fx&audience=a"
            + "&scope=read+write&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&expires_in=60&unknown=1").utf8))
        #expect(request.subjectToken == "a.b.c")
        #expect(request.audiences == ["a", "b", "https://r.example/x"])
        #expect(request.scopes == ["read", "write"])
        #expect(request.requestedTokenType == .accessToken)
        #expect(request.requestedLifetime == 60)
    }

    @Test("grant type, required parameters, duplicates, delegation and target rules")
    func refusals() {
        Self.expect("subject_token=x", .invalidRequest, "missing_parameter")
        Self.expect("grant_type=client_credentials", .unsupportedGrantType, "unsupported_grant_type")
        Self.expect("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&audience=a", .invalidRequest, "missing_parameter")
        Self.expect(Self.base, .invalidRequest, "missing_parameter")  // no audience
        Self.expect(Self.base + "&audience=a&subject_token=other", .invalidRequest, "duplicate_parameter")
        Self.expect(Self.base + "&audience=a&grant_type=x", .invalidRequest, "duplicate_parameter")
        Self.expect(Self.base.replacingOccurrences(of: "jwt", with: "id_token") + "&audience=a", .invalidRequest, "unsupported_subject_token_type")
        Self.expect(Self.base + "&audience=a&actor_token=x&actor_token_type=y", .invalidRequest, "delegation_unsupported")
        Self.expect(Self.base + "&resource=not-a-uri", .invalidTarget, "malformed_resource")
        Self.expect(Self.base + "&resource=https%3A%2F%2Fx%23frag", .invalidTarget, "malformed_resource")
        Self.expect(Self.base + (0..<9).map { "&audience=a\($0)" }.joined(), .invalidTarget, "too_many_targets")
        Self.expect(Self.base + "&audience=a&scope=%22quoted%22", .invalidScope, "malformed_scope")
        Self.expect(Self.base + "&audience=a&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Asaml2", .invalidRequest,
                    "unsupported_requested_token_type")
        Self.expect(Self.base + "&audience=a&expires_in=abc", .invalidRequest, "malformed_request")
        Self.expect("a=%ZZ", .invalidRequest, "malformed_request")
    }

    @Test("empty values count as absent (RFC 6749 §3.1)")
    func emptyValues() {
        Self.expect(Self.base + "&audience=", .invalidRequest, "missing_parameter")
        if case .success(let request) = Self.parse(Self.base + "&audience=a&scope=&subject_token=") {
            #expect(request.scopes.isEmpty && request.subjectToken == "a.b.c")
        } else {
            Issue.record("an empty duplicate should be ignored")
        }
    }
}
