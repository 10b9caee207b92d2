// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import TokenGateWorkflow

/// `tokengate lint`: the Workflow, Target and TrustedCluster rules of POST /validate, offline, for editors and CI.
struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check OpenUnison Workflow and Target manifests, and TokenGate TrustedClusters, without a cluster.",
        discussion: """
            Reads YAML files (multi-document, `kind: List` too) and checks every \
            openunison.tremolo.io Workflow (v1, v2) and Target (v1), and every tokengate.io \
            TrustedCluster (v1alpha1; two in one run may not share an issuer), with the same rules \
            the webhook applies on kubectl apply; other kinds are skipped. Directories are searched \
            recursively for *.yaml and *.yml (hidden entries skipped).

            Each problem is one line, `file:line:col: error: path: message`, with the line and \
            column in the file even for problems inside the spec.tasks string.

            Exit status: 0 when no errors were found (warnings allowed), 1 when any error was \
            found (or any warning, with --strict), 2 when a path could not be read.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Argument(help: "Files or directories to check; - reads standard input.")
    var paths: [String]

    @Option(help: "Output format: text (compiler-style lines) or json.")
    var format: Format = .text

    @Flag(help: "Treat warnings as errors for the exit status.")
    var strict = false

    @Option(help: "Largest spec.tasks accepted, in bytes.")
    var maxTasksBytes: Int = ValidationLimits.default.maxTasksBytes

    func run() throws {
        var limits = ValidationLimits.default
        limits.maxTasksBytes = maxTasksBytes
        let linter = ManifestLinter(limits: limits)
        var files: [FileReport] = []
        var unreadable = false
        for path in paths {
            for file in expand(path, unreadable: &unreadable) {
                guard let bytes = read(file) else {
                    printError("\(file): error: cannot read the file")
                    unreadable = true
                    continue
                }
                files.append(FileReport(path: file, result: linter.lint(bytes)))
            }
        }
        let errors = files.reduce(0) { $0 + $1.result.errorCount }
        let warnings = files.reduce(0) { $0 + $1.result.warningCount }
        switch format {
        case .text: printText(files, errors: errors, warnings: warnings)
        case .json: try printJSON(files, errors: errors, warnings: warnings)
        }
        if errors > 0 || (strict && warnings > 0) { throw ExitCode(1) }
        if unreadable { throw ExitCode(2) }
    }

    struct FileReport {
        var path: String
        var result: ManifestLinter.Result
    }

    /// A file as given, or the *.yaml / *.yml files under a directory, sorted.
    private func expand(_ path: String, unreadable: inout Bool) -> [String] {
        if path == "-" { return [path] }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            printError("\(path): error: no such file or directory")
            unreadable = true
            return []
        }
        guard isDirectory.boolValue else { return [path] }
        let root = URL(fileURLWithPath: path)
        guard let walker = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        var found: [String] = []
        for case let url as URL in walker where ["yaml", "yml"].contains(url.pathExtension.lowercased()) {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                // Keep the path the user typed as the prefix, so output stays relative.
                let relative = url.path.hasPrefix(root.path) ? String(url.path.dropFirst(root.path.count)) : url.path
                found.append(path.hasSuffix("/") ? path + relative.drop(while: { $0 == "/" }) : path + relative)
            }
        }
        return found.sorted()
    }

    private func read(_ path: String) -> [UInt8]? {
        if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        return FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    private func printText(_ files: [FileReport], errors: Int, warnings: Int) {
        var out = ""
        for file in files {
            let multiple = file.result.checked.count > 1
            for diagnostic in file.result.diagnostics {
                let position = diagnostic.filePosition ?? SourcePosition(line: 1, column: 1)
                var line = "\(file.path):\(position.line):\(position.column): \(diagnostic.severity.rawValue): "
                if multiple, let object = diagnostic.object { line += "\(object): " }
                if !diagnostic.path.isEmpty { line += "\(diagnostic.path): " }
                line += diagnostic.message
                if let hint = diagnostic.hint { line += " (hint: \(hint))" }
                out += line + "\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        let checked = files.reduce(0) { $0 + $1.result.checked.count }
        printError(
            "\(count(files.count, "file")), \(count(checked, "object")) checked: "
                + "\(count(errors, "error")), \(count(warnings, "warning"))")
    }

    private func printJSON(_ files: [FileReport], errors: Int, warnings: Int) throws {
        struct Output: Encodable {
            var errors: Int
            var warnings: Int
            var files: [File]
        }
        struct File: Encodable {
            var path: String
            var checked: [String]
            var skipped: Int
            var diagnostics: [Entry]
        }
        struct Entry: Encodable {
            var severity: String
            var code: String
            var object: String?
            var path: String
            var line: Int?
            var column: Int?
            var tasksLine: Int?
            var tasksColumn: Int?
            var message: String
            var hint: String?
        }
        let output = Output(errors: errors, warnings: warnings, files: files.map { file in
            File(path: file.path, checked: file.result.checked, skipped: file.result.skipped,
                 diagnostics: file.result.diagnostics.map { diagnostic in
                     Entry(severity: diagnostic.severity.rawValue, code: diagnostic.code.rawValue,
                           object: diagnostic.object, path: diagnostic.path,
                           line: diagnostic.filePosition?.line, column: diagnostic.filePosition?.column,
                           tasksLine: diagnostic.tasksPosition?.line, tasksColumn: diagnostic.tasksPosition?.column,
                           message: diagnostic.message, hint: diagnostic.hint)
                 })
        })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(output) + Data("\n".utf8))
    }

    private func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }

    private func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
