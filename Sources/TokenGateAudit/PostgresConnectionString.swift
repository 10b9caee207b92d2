// SPDX-License-Identifier: Apache-2.0

/// A PostgreSQL connection string (`--audit-dsn`, `--dsn`, `TOKENGATE_AUDIT_DSN`) as libpq reads it:
/// `key=value` pairs, a `postgresql://` URI, or — with neither an `=` nor a URI prefix — a bare
/// database name.
///
/// The store connects lazily (a server starts while its database is down), so without a check a
/// string that can never connect would only show up later, as an outage that spools forever.
/// ``check(_:)`` asks libpq at start instead; ``redacted(_:)`` is how the string appears in logs.
public enum PostgresConnectionString {
    /// Throws when libpq cannot parse `dsn`, with libpq's reason, without connecting: a syntax
    /// error, an unterminated quote, an unknown keyword or URI parameter. A well-formed string
    /// whose server is down passes.
    /// - Throws: ``AuditError`` `.configuration`; its message says how to write the string.
    public static func check(_ dsn: String) throws(AuditError) {
        guard isConnectionString(dsn) else { return }  // a database name: nothing to parse
        do {
            _ = try PostgresConnection.options(of: dsn)
        } catch {
            let reason = quotingNoSecret(error.message, of: dsn)
            throw AuditError(.configuration, """
                libpq cannot parse this PostgreSQL connection string: \(reason). Write key=value pairs \
                (host=db dbname=audit user=tokengate, single-quoting values with spaces) or a \
                postgresql://user@host/dbname URI.
                """)
        }
    }

    /// libpq's `reason` with every quoted piece of `dsn` that the log would mask shown as `***`:
    /// libpq quotes the word it stumbled on, and after an unquoted password with a blank in it
    /// (`password=two words`) that word is part of the password.
    static func quotingNoSecret(_ reason: String, of dsn: String) -> String {
        let logged = redacted(dsn)
        let parts = reason.split(separator: "\"", omittingEmptySubsequences: false)
        return parts.enumerated().map { index, part in
            index % 2 == 1 && index < parts.count - 1 && !logged.contains(part) ? "***" : String(part)
        }.joined(separator: "\"")
    }

    /// Whether libpq reads `dsn` as a connection string rather than as a database name (libpq's
    /// own rule, which ``PostgresConnection`` relies on by passing the string as an expandable `dbname`).
    static func isConnectionString(_ dsn: String) -> Bool {
        uriPrefix(of: dsn) != nil || dsn.contains("=")
    }

    /// `postgresql://` or `postgres://`, the two URI schemes libpq accepts (case-sensitively).
    static func uriPrefix(of dsn: String) -> String? {
        ["postgresql://", "postgres://"].first { dsn.hasPrefix($0) }
    }
}
