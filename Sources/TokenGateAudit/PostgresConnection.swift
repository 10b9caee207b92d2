// SPDX-License-Identifier: Apache-2.0
import CLibPQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thin, blocking wrapper over one libpq connection. Not thread-safe: ``PostgresAuditStore``
/// owns it behind a lock. All parameters go out in text format and are bound, never spliced.
final class PostgresConnection {
    private let connection: OpaquePointer

    /// Connects with `dsn` (a URI or `key=value` string). TokenGate's defaults come first so that
    /// anything the DSN says wins: a 5 s connect timeout (an unreachable database must not stall the
    /// writer for minutes), UTF-8, and an application name that shows up in `pg_stat_activity`.
    init(dsn: String) throws {
        let keywords = ["connect_timeout", "application_name", "client_encoding", "tcp_user_timeout", "dbname"]
        let values = ["5", "tokengate-audit", "UTF8", "15000", dsn]
        let conn: OpaquePointer? = withCStrings(keywords) { keys in
            withCStrings(values) { vals in PQconnectdbParams(keys, vals, 1) }
        }
        guard let conn else { throw AuditError(.unavailable, "PostgreSQL: out of memory while connecting") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = PostgresConnection.message(conn)
            PQfinish(conn)
            throw AuditError(.unavailable, "cannot connect to the PostgreSQL audit database: \(message)")
        }
        // libpq prints server NOTICEs ("relation already exists, skipping") to stderr by default;
        // they are expected during migration and would only clutter the server's log.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        connection = conn
    }

    deinit { PQfinish(connection) }

    var isBroken: Bool { PQstatus(connection) != CONNECTION_OK }

    /// Runs one statement with bound parameters and returns its rows (empty for commands) and the
    /// affected-row count.
    @discardableResult
    func execute(_ sql: String, _ arguments: [AuditValue] = []) throws -> PostgresResult {
        let texts: [String?] = arguments.map { value in
            switch value {
            case .null: nil
            case .integer(let number): String(number)
            // PostgreSQL text cannot hold NUL; keep the rest of the value rather than lose the event.
            case .text(let text): text.contains("\0") ? text.replacingNUL() : text
            }
        }
        let result: OpaquePointer? = withOptionalCStrings(texts) { params in
            PQexecParams(connection, sql, Int32(texts.count), nil, params, nil, nil, 0)
        }
        guard let result else {
            throw AuditError(.unavailable, "PostgreSQL: \(PostgresConnection.message(connection))")
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let message = PQresultErrorMessage(result).map { String(cString: $0) } ?? "unknown error"
            throw PostgresConnection.classify(state: state, broken: isBroken,
                message: "PostgreSQL: \(message.trimmingSpaces()) (in: \(sql.prefix(80)))")
        }
        return PostgresResult(result)
    }

    /// Lost connections, shutdowns, "starting up", resource exhaustion and serialization failures pass
    /// with time: the writer spools and retries. Anything else is the statement's fault.
    static func classify(state: String, broken: Bool, message: String) -> AuditError {
        let transient = broken || state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P")
            || state == "40001" || state == "40P01" || state.isEmpty
        return AuditError(transient ? .unavailable : .statement, message)
    }

    /// The keywords and values libpq reads from a connection string, parsed as `PQconnectdb` would
    /// but without connecting (`PQconninfoParse`: syntax, unknown keywords, bad URI parameters).
    /// - Throws: ``AuditError`` `.configuration` whose message is libpq's own reason.
    static func options(of dsn: String) throws(AuditError) -> [String: String] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(dsn, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0).trimmingSpaces() } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }
            throw AuditError(.configuration, reason)
        }
        defer { PQconninfoFree(parsed) }
        return Self.values(of: parsed)
    }

    /// Every keyword this libpq knows (`host`, `dbname`, `sslmode`, …).
    static let keywords: Set<String> = Set(defaults.map(\.keyword))

    /// libpq's keywords that hold secrets (its "password field" display flag): `password` and
    /// `sslpassword` today, and whatever a later libpq adds.
    static let secretKeywords: Set<String> =
        Set(defaults.filter { $0.display == "*" }.map(\.keyword)).union(["password", "sslpassword"])

    /// libpq's table of connection keywords (`PQconndefaults`), each with its display flag.
    private static let defaults: [(keyword: String, display: String)] = {
        guard let options = PQconndefaults() else { return [] }
        defer { PQconninfoFree(options) }
        var entries: [(keyword: String, display: String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            entries.append((String(cString: keyword), option.pointee.dispchar.map { String(cString: $0) } ?? ""))
            option += 1
        }
        return entries
    }()

    private static func values(of options: UnsafeMutablePointer<PQconninfoOption>) -> [String: String] {
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return values
    }

    private static func message(_ conn: OpaquePointer) -> String {
        PQerrorMessage(conn).map { String(cString: $0).trimmingSpaces() } ?? "unknown error"
    }
}

/// The rows of one result, copied out of libpq. `int8`/`int4` columns become integers.
struct PostgresResult {
    let rows: [[AuditValue]]
    let affected: Int

    init(_ result: OpaquePointer) {
        let columns = PQnfields(result)
        let integerColumns = (0..<columns).map { [20, 21, 23].contains(PQftype(result, $0)) }
        rows = (0..<PQntuples(result)).map { row in
            (0..<columns).map { column in
                if PQgetisnull(result, row, column) != 0 { return .null }
                let text = String(cString: PQgetvalue(result, row, column))
                if integerColumns[Int(column)], let number = Int64(text) { return .integer(number) }
                return .text(text)
            }
        }
        affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStrings(strings.map { Optional($0) }) { pointer in
        // A NULL entry ends libpq's keyword list.
        body(pointer)
    }
}

/// Calls `body` with a C array of C strings (NULL for nil, and a NULL terminator at the end).
private func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    var owned: [UnsafeMutablePointer<CChar>?] = strings.map { string in string.flatMap { strdup($0) } }
    defer { for pointer in owned { free(pointer) } }
    owned.append(nil)
    return owned.withUnsafeBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
    }
}

extension String {
    func replacingNUL() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\0" ? "\u{FFFD}" : $0 }))
    }
}
