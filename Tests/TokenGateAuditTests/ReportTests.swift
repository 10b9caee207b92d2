// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAudit
import TokenGateJSON

@Suite struct ReportTests {
    @Test func tablesEscapeControlCharactersFromClients() {
        var event = AuditEventTests.fullExchange()
        event.reason = "line\nforged 2025-01-01 granted\u{1B}[31mred"
        let lines = AuditTable.render([event])
        #expect(lines.count == 2, "one header and one row, whatever the values hold")
        #expect(lines[1].contains("line\\x0aforged") && lines[1].contains("\\x1b[31mred"))
        #expect(lines[0].hasPrefix("TIME"))
    }

    @Test func tokensAreDecodedWithoutTrustAndBadOnesExplained() throws {
        func part(_ json: String) -> String { Base64.encodeURL(Array(json.utf8)) }
        let token = part(#"{"alg":"RS256"}"#) + "." + part(#"{"jti":"j-1","aud":["a","b"],"exp":1760000600,"kubernetes.io":{"pod":{"name":"web-0"}}}"#) + ".sig"
        let decoded = try UnverifiedToken(" \(token)\n")
        #expect(decoded.jti == "j-1" && decoded.audiences == ["a", "b"] && decoded.kubernetesPod == "web-0")
        #expect(decoded.expiresAt == AuditTime(seconds: 1_760_000_600))
        let bad: [(String, String)] = [
            ("not-a-token", "three base64url parts"),
            ("a.b.c.d.e", "JWE"),
            ("%%%.%%%.x", "base64url"),
            (part("[]") + "." + part("[1]") + ".x", "not a JSON object"),
            (String(repeating: "a", count: UnverifiedToken.maxLength + 1), "longer than"),
        ]
        for (text, message) in bad {
            #expect { try UnverifiedToken(text) } throws: { error in
                (error as? AuditError)?.message.contains(message) == true
            }
        }
    }

    @Test func passwordsNeverReachLogs() {
        #expect(PostgresAuditStore.redact("postgresql://audit:s3cret@db:5432/tg?sslmode=require")
            == "postgresql://audit:***@db:5432/tg?sslmode=require")
        #expect(PostgresAuditStore.redact("host=db password=s3cret user=audit") == "host=db password=*** user=audit")
        #expect(PostgresAuditStore.redact("postgresql://db/tg?password=s3cret&sslmode=require")
            == "postgresql://db/tg?password=***&sslmode=require")
        #expect(AuditStoreLocation.postgres(dsn: "host=db password=x").description == "postgresql:host=db password=***")
    }
}
