// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import TokenGateAudit
import TokenGateJSON

/// `tokengate audit`: read (and maintain) the trail of token exchanges and admission decisions.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Query the audit trail of token exchanges and admission decisions.",
        discussion: """
            The trail is the SQLite file `tokengate serve` writes (--db PATH) or a shared PostgreSQL \
            database (--dsn DSN, or TOKENGATE_AUDIT_DSN in the environment so that no password shows \
            in the process list).

            Examples:
              tokengate audit query --db /var/lib/tokengate/audit.db --pod openunison-orchestra-7f9c --since 2h
              tokengate audit query --dsn "$DSN" --jti ea28ed49-2e11-4280-9ec5-bc3d1d84661a --format json
              kubectl exec mypod -- cat /var/run/secrets/tokens/vault | tokengate audit trace - --db audit.db
            """,
        subcommands: [Query.self, Trace.self, Serve.self, Import.self, Migrate.self, Prune.self, Bench.self])
}

/// Where the trail is: `--db` or `--dsn`.
struct AuditStoreOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "SQLite audit database file.")
    var sqlitePath: String?

    @Option(help: ArgumentHelp("PostgreSQL connection string (URI or key=value).",
                               discussion: "Defaults to the TOKENGATE_AUDIT_DSN environment variable."))
    var dsn: String?

    func validate() throws {
        if sqlitePath != nil && dsn != nil { throw ValidationError("give either --db or --dsn, not both") }
    }

    var location: AuditStoreLocation {
        get throws {
            if let sqlitePath { return .sqlite(path: sqlitePath) }
            if let dsn = dsn ?? ProcessInfo.processInfo.environment["TOKENGATE_AUDIT_DSN"], !dsn.isEmpty {
                return .postgres(dsn: dsn)
            }
            throw ValidationError("say where the trail is: --db PATH (SQLite) or --dsn DSN (PostgreSQL)")
        }
    }

    /// Opens the store; readers never create an SQLite file that is not there (a typo would otherwise
    /// answer "no events" from a new, empty database). A connection string libpq cannot parse is
    /// reported as such, naming where it came from, with the words `serve` uses.
    func open(create: Bool = false) throws -> any AuditStore {
        switch try location {
        case .sqlite(let path): return try SQLiteAuditStore(path: path, create: create)
        case .postgres(let dsn):
            do {
                try PostgresConnectionString.check(dsn)
            } catch {
                throw AuditError(error.code, "\(self.dsn != nil ? "--dsn" : "TOKENGATE_AUDIT_DSN"): \(error.message)")
            }
            return PostgresAuditStore(dsn: dsn)
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

func printJSON(_ value: JSON) {
    print(String(decoding: value.prettySerialized(), as: UTF8.self))
}

func parseTime(_ text: String?, _ flag: String) throws -> AuditTime? {
    guard let text else { return nil }
    guard let time = AuditTime.parse(text) else {
        throw ValidationError("\(flag) '\(text)': use RFC 3339 (2025-10-09T08:53:20Z), a date (2025-10-09), "
            + "@UNIX-SECONDS, or an age such as 90s, 15m, 2h, 7d")
    }
    return time
}

extension AuditCommand {
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List events matching every filter given, newest first.")

        @OptionGroup var store: AuditStoreOptions

        @Option(help: "Pod name.") var pod: String?
        @Option(help: "Pod UID.") var podUID: String?
        @Option(name: [.short, .long], help: "Namespace.") var namespace: String?
        @Option(help: "ServiceAccount name.") var serviceAccount: String?
        @Option(help: "A token's jti: matches the token issued and the source token presented.") var jti: String?
        @Option(help: "Audience of the issued token.") var audience: String?
        @Option(help: "granted, denied, allowed or patched.") var decision: String?
        @Option(help: "token_exchange or admission.") var kind: String?
        @Option(help: "From this time on (RFC 3339, a date, @unix, or an age like 2h, 7d).") var since: String?
        @Option(help: "Before this time (same forms as --since).") var until: String?
        @Option(help: "At most this many events (0: all).") var limit: Int = 1000
        @Option(help: "table or json.") var format: OutputFormat = .table
        @Flag(help: "Print the database's query plan instead of the events.") var explain = false

        func run() throws {
            var query = AuditQuery(limit: limit > 0 ? limit : nil)
            query.podName = pod
            query.podUID = podUID
            query.namespace = namespace
            query.serviceAccount = serviceAccount
            query.jti = jti
            query.audience = audience
            query.decision = decision
            query.kind = kind
            query.since = try parseTime(since, "--since")
            query.until = try parseTime(until, "--until")
            let store = try store.open()
            if explain {
                for line in try store.explain(query) { print(line) }
                return
            }
            let events = try store.query(query)
            switch format {
            case .json: printJSON(.array(events.map(\.json)))
            case .table:
                if events.isEmpty {
                    FileHandle.standardError.write(Data("no matching events\n".utf8))
                } else {
                    for line in AuditTable.render(events) { print(line) }
                }
            }
        }
    }

    struct Trace: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Which pod, node and ServiceAccount a token was issued to, and what else its source token got.",
            discussion: """
                The token is decoded WITHOUT verifying its signature (an expired or leaked token must \
                still be traceable); the answer comes from the audit trail, found by the token's jti.
                """)

        @Argument(help: "A JWT, or - to read it from standard input.") var token: String
        @OptionGroup var store: AuditStoreOptions
        @Option(help: "table or json.") var format: OutputFormat = .table

        func run() throws {
            var text = token
            if token == "-" {
                let data = FileHandle.standardInput.readData(ofLength: UnverifiedToken.maxLength + 1)
                text = String(decoding: data, as: UTF8.self)
            }
            let trace = try AuditTrace(token: UnverifiedToken(text), store: store.open())
            switch format {
            case .json: printJSON(trace.json)
            case .table: print(trace.text, terminator: "")
            }
            if trace.issuance == nil && trace.issuedFromThis.isEmpty { throw ExitCode(3) }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load JSON-lines events (a spool file, an export) into the trail; known ids are skipped.")

        @Argument(help: "File of JSON lines, or - for standard input.") var file: String = "-"
        @OptionGroup var store: AuditStoreOptions

        func run() throws {
            let summary = try AuditImport.run(path: file, into: store.open(create: true))
            print("read \(summary.read) events, stored \(summary.inserted) new, skipped \(summary.badLines) unreadable lines")
            if let last = summary.lastBadLine { FileHandle.standardError.write(Data("last unreadable line: \(last)\n".utf8)) }
            if summary.badLines > 0 { throw ExitCode(1) }
        }
    }

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade the trail's schema (the server does this on start) and print its version.")

        @OptionGroup var store: AuditStoreOptions

        func run() throws {
            let store = try store.open(create: true)
            try store.migrate()
            print("schema version \(try store.schemaVersion())")
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete events older than --days.")

        @OptionGroup var store: AuditStoreOptions
        @Option(help: "Keep this many days.") var days: Int

        func validate() throws { if days < 1 { throw ValidationError("--days must be at least 1") } }

        func run() throws {
            let deleted = try store.open().prune(olderThan: AuditTime.now().adding(seconds: -Int64(days) * 86_400))
            print("deleted \(deleted) events older than \(days) days")
        }
    }
}
