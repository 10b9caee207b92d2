// SPDX-License-Identifier: Apache-2.0
import Testing
@testable import TokenGateAudit

/// Every way libpq accepts a password in a connection string, and what the log shows instead.
/// (A user's `password='Pw945606 f472'` was logged as `password=*** f472'`.)
@Suite struct PasswordRedactionTests {
    struct Form: Sendable, CustomTestStringConvertible {
        let name: String
        let dsn: String
        let logged: String
        /// Pieces of the password: none may appear in what is logged.
        let secrets: [String]
        var testDescription: String { name }
    }

    static let forms: [Form] = [
        Form(name: "quoted, with spaces", dsn: "host=db password='Pw945606 f472' user=audit",
             logged: "host=db password=*** user=audit", secrets: ["Pw945606", "f472"]),
        Form(name: "quoted, with an escaped quote", dsn: #"host=db password='a b\' c' user=audit"#,
             logged: "host=db password=*** user=audit", secrets: ["a b", #"\'"#, " c'"]),
        Form(name: "unquoted", dsn: "host=db password=s3cret user=audit",
             logged: "host=db password=*** user=audit", secrets: ["s3cret"]),
        Form(name: "unquoted, with an escaped space", dsn: #"password=s3\ cr3t host=db"#,
             logged: "password=*** host=db", secrets: ["s3", "cr3t"]),
        Form(name: "blanks around =", dsn: "host=db password = 's3 cr3t'\tuser=audit",
             logged: "host=db password = ***\tuser=audit", secrets: ["s3", "cr3t"]),
        Form(name: "an empty-looking value takes the next word, as libpq reads it", dsn: "password= s3cr3t=x host=db",
             logged: "password= *** host=db", secrets: ["s3cr3t"]),
        Form(name: "sslpassword", dsn: "host=db sslkey=/k.pem sslpassword='k3y pass'",
             logged: "host=db sslkey=/k.pem sslpassword=***", secrets: ["k3y", "pass'"]),
        Form(name: "twice", dsn: "password=f1rst host=db password='s3cond one'",
             logged: "password=*** host=db password=***", secrets: ["f1rst", "s3cond", "one'"]),
        Form(name: "URI user info", dsn: "postgresql://audit:s3cret@db:5432/tg?sslmode=require",
             logged: "postgresql://audit:***@db:5432/tg?sslmode=require", secrets: ["s3cret"]),
        Form(name: "URI user info with a raw @ and /", dsn: "postgres://audit:s3@c/r3t@db/tg",
             logged: "postgres://audit:***@db/tg", secrets: ["s3", "c/r3t"]),
        Form(name: "URI ?password=", dsn: "postgresql://db/tg?password=s3cret&sslmode=require",
             logged: "postgresql://db/tg?password=***&sslmode=require", secrets: ["s3cret"]),
        Form(name: "URI &password=, percent-encoded", dsn: "postgresql://audit@db/tg?sslmode=require&password=s3%20cr3t",
             logged: "postgresql://audit@db/tg?sslmode=require&password=***", secrets: ["s3", "cr3t"]),
        Form(name: "URI percent-encoded key", dsn: "postgresql://db/tg?pass%77ord=s3cret",
             logged: "postgresql://db/tg?pass%77ord=***", secrets: ["s3cret"]),
        Form(name: "URI query value with a raw &", dsn: "postgresql://db/tg?password=s3&cr3t&sslmode=require",
             logged: "postgresql://db/tg?password=***&sslmode=require", secrets: ["s3", "cr3t"]),
        Form(name: "unparsable: quote never closed", dsn: "host=db password='s3 cr3t",
             logged: "host=db password=***", secrets: ["s3", "cr3t"]),
        Form(name: "unparsable: missing = before the password", dsn: "host=db oops password=s3 cr3t",
             logged: "host=db oops password=***", secrets: ["s3", "cr3t"]),
        Form(name: "unparsable: an unquoted password with a blank", dsn: "password=s3 cr3t host=db",
             logged: "password=***", secrets: ["s3", "cr3t"]),
        Form(name: "unparsable: an unquoted password with a blank and an =", dsn: "password=s3 cr3t=x host=db",
             logged: "password=***", secrets: ["s3", "cr3t"]),
        Form(name: "a password keyword where libpq reads a database name", dsn: "dbname= password=s3cret host=db",
             logged: "dbname= password=*** host=db", secrets: ["s3cret"]),
        Form(name: "unparsable: quote never closed before the password", dsn: "host='db password=s3cret",
             logged: "host='db password=***", secrets: ["s3cret"]),
        Form(name: "no password", dsn: "host=db user=audit dbname='trail one'",
             logged: "host=db user=audit dbname='trail one'", secrets: []),
        Form(name: "a bare database name", dsn: "audit", logged: "audit", secrets: []),
    ]

    @Test(arguments: forms) func thePasswordIsMasked(_ form: Form) {
        let logged = PostgresAuditStore.redact(form.dsn)
        #expect(logged == form.logged)
        for secret in form.secrets {
            #expect(!logged.contains(secret), "\(secret) is in \(logged)")
        }
    }

    @Test func theStoreLocationLogsOnlyTheMaskedForm() {
        #expect(AuditStoreLocation.postgres(dsn: "host=db password='a b'").description == "postgresql:host=db password=***")
    }
}

/// libpq itself decides what the password is: whatever it reads must be what the log hides.
@Suite struct PasswordRedactionAgreesWithLibpqTests {
    @Test(arguments: PasswordRedactionTests.forms) func libpqsPasswordIsNotLogged(_ form: PasswordRedactionTests.Form) throws {
        guard let options = try? PostgresConnection.options(of: form.dsn) else { return }  // unparsable forms
        let logged = PostgresAuditStore.redact(form.dsn)
        for keyword in PostgresConnection.secretKeywords {
            guard let secret = options[keyword], !secret.isEmpty else { continue }
            #expect(!logged.contains(secret), "libpq reads \(keyword) \(secret); logged: \(logged)")
        }
    }

    /// Random connection strings, near-valid by construction and built from the characters that
    /// matter to libpq's parsers, every password holding the marker `Q7` (nothing else does):
    /// redaction never traps, the marker never reaches the log, and wherever libpq reads the
    /// logged form, every password it finds there is `***`.
    @Test func randomStringsNeverLeakOrTrap() {
        var generator = SeededGenerator(seed: 8693)
        func pick(_ choices: [String]) -> String { choices.randomElement(using: &generator)! }
        func value(secret: Bool) -> String {
            let pieces = ["s3", "x", " ", "'", "\\", "\\'", "\\ ", "=", "@", ":", "/", "?", "&", "%", "%20", "é", "\t"]
            let words = (0..<Int.random(in: 0...5, using: &generator)).map { _ in pick(pieces) }
            return secret ? (words + ["Q7"]).shuffled(using: &generator).joined() : words.joined()
        }
        func keywordValues() -> String {
            (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                let keyword = pick(["password", "sslpassword", "PassWord", "host", "user", "dbname"])
                let text = value(secret: isSecretKeyword(keyword))
                return keyword + pick(["", " ", "\t"]) + "=" + pick(["", " "]) + pick(["'\(text)'", text])
            }.joined(separator: pick([" ", "  ", "\n"]))
        }
        func uri() -> String {
            let userinfo = pick(["", "u@", "u:\(value(secret: true))@", ":\(value(secret: true))@"])
            let query = (0..<Int.random(in: 0...3, using: &generator)).map { _ in
                let keyword = pick(["password", "pass%77ord", "sslpassword", "user", "host"])
                return keyword + "=" + value(secret: isSecretKeyword(keyword))
            }.joined(separator: "&")
            return pick(["postgresql://", "postgres://"]) + userinfo + "db/tg" + (query.isEmpty ? "" : "?" + query)
        }
        func isSecretKeyword(_ keyword: String) -> Bool { keyword.lowercased().contains("pass") }
        var withPassword = 0
        for round in 0..<10000 {
            let dsn = round % 2 == 0 ? keywordValues() : uri()
            let logged = PostgresAuditStore.redact(dsn)
            #expect(!logged.contains("Q7"), "\(String(reflecting: dsn)) is logged as \(String(reflecting: logged))")
            guard let original = try? PostgresConnection.options(of: dsn) else { continue }
            if PostgresConnection.secretKeywords.contains(where: { !(original[$0] ?? "").isEmpty }) { withPassword += 1 }
            guard let reread = try? PostgresConnection.options(of: logged) else { continue }
            for keyword in PostgresConnection.secretKeywords {
                let value = reread[keyword] ?? ""
                #expect(value.isEmpty || value == "***", "\(dsn) is logged as \(logged)")
            }
        }
        #expect(withPassword >= 2000, "only \(withPassword) generated strings had a password libpq reads")
    }

    @Test func libpqMarksBothPasswordKeywordsSecret() {
        #expect(PostgresConnection.secretKeywords.isSuperset(of: ["password", "sslpassword"]))
    }
}
