// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateAudit

/// A connection string libpq cannot parse can never connect: opening the store must say so at once,
/// with libpq's reason, instead of starting and spooling forever. One whose server is down (or
/// that merely names a database) must still open: the store connects lazily.
@Suite struct ConnectionStringCheckTests {
    static let unparsable: [(dsn: String, reason: String)] = [
        ("this is not = a valid dsn 'unterminated", #"missing "=" after "this" in connection info string"#),
        ("host=db password='never closed", "unterminated quoted string in connection info string"),
        ("host=db dbnmae=audit", #"invalid connection option "dbnmae""#),
        ("postgresql://db/audit?sslmod=require", #"invalid URI query parameter: "sslmod""#),
    ]

    @Test(arguments: unparsable) func openingRefusesWhatLibpqCannotParse(_ dsn: String, _ reason: String) {
        #expect {
            _ = try AuditStoreLocation.postgres(dsn: dsn).open()
        } throws: { error in
            guard let error = error as? AuditError, error.code == .configuration else { return false }
            return error.message.contains(reason) && error.message.contains("postgresql://")
        }
    }

    @Test(arguments: [
        "host=127.0.0.1 port=1 dbname=audit user=tokengate password='a b\\' c' connect_timeout=2",
        "postgresql://tokengate:s3cret@127.0.0.1:1/audit?connect_timeout=2&sslmode=disable",
        "audit",
    ])
    func wellFormedStringsOpenWithoutConnecting(_ dsn: String) throws {
        try PostgresConnectionString.check(dsn)
        let store = try AuditStoreLocation.postgres(dsn: dsn).open()
        #expect(store.kindName == "postgresql")
    }

    @Test(arguments: [
        ("host=db password='s3 cr3t", "unterminated quoted string"),
        ("host=db password=s3 cr3t host=x", #"missing "=" after "***""#),
        ("host=db password=s3 cr3t=x", #"invalid connection option "***""#),
        ("host=db passwrd=s3cr3t", #"invalid connection option "passwrd""#),
    ])
    func theReasonNeverRepeatsThePassword(_ dsn: String, _ reason: String) {
        #expect {
            try PostgresConnectionString.check(dsn)
        } throws: { error in
            guard let message = (error as? AuditError)?.message else { return false }
            return message.contains(reason) && !message.contains("cr3t")
        }
    }
}
