// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import TokenGateAdmission
import TokenGateJSON

/// `tokengate mutate`: the `/mutate` logic offline, for people and GitOps pipelines that want
/// to see what TokenGate will change before committing a manifest.
struct MutateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mutate",
        abstract: "Apply TokenGate's projection rules to manifests offline and print the result.",
        discussion: """
            Reads a multi-document YAML or JSON manifest stream (a file, or - for standard input), \
            runs each object through exactly the logic of POST /mutate (as a CREATE, the way \
            `kubectl apply` would send it) and prints the objects as YAML. Objects a rule denies are \
            reported on standard error and make the exit status 1.

            With --admission-review the input is one AdmissionReview JSON document and the output \
            is the AdmissionReview response the server would send.
            """)

    @Argument(help: "Manifest file (YAML or JSON), or - for standard input.")
    var file: String = "-"

    @Option(help: "TokenGate config file (YAML; an OpenUnison values.yaml works too).")
    var config: String?

    @Option(name: .shortAndLong, help: "Namespace for objects that do not name one (default: default).")
    var namespace: String?

    @Flag(help: "Print only what changed, as a unified diff per object.")
    var diff = false

    @Flag(help: "Read one AdmissionReview JSON request and print the AdmissionReview response.")
    var admissionReview = false

    @OptionGroup(title: "Projection settings (override --config)")
    var projection: ProjectionOptions

    func run() throws {
        let overrides = projection.overrides
        let settings: ProjectionSettings
        do {
            let loaded = try ProjectionSettings.load(configPath: config, overrides: overrides)
            settings = loaded.settings
            for warning in loaded.warnings { printError("warning: \(warning)") }
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        if !settings.enabled {
            printError("note: enable_tokenrequest is false, so nothing is changed; set it in --config or pass --enable-tokenrequest")
        }
        let handler = TokenGateAdmissionHandler(settings: settings)
        let input = try readInput()

        if admissionReview {
            let outcome = handler.review(input, at: .mutate)
            FileHandle.standardOutput.write(Data(outcome.body + [UInt8(ascii: "\n")]))
            if outcome.httpStatus != 200 {
                printError("error: HTTP \(outcome.httpStatus): the input is not a valid AdmissionReview")
                throw ExitCode(1)
            }
            return
        }

        let objects: [JSONDocument]
        do {
            objects = try ManifestReader.objects(from: String(decoding: input, as: UTF8.self))
        } catch {
            printError("error: \(file == "-" ? "standard input" : file): \(error)")
            throw ExitCode(2)
        }
        let offline = OfflineMutation(handler: handler, namespace: namespace)
        var denied = false
        var output: [JSONNode] = []
        var diffs = ""
        for (index, object) in objects.enumerated() {
            let result = try offline.mutate(object, index: index + 1)
            for warning in result.decision.warnings { printError("warning: \(result.label): \(warning)") }
            if let denial = result.decision.denial {
                printError("error: \(result.label): denied: \(denial.message)")
                denied = true
            }
            output.append(result.result.rootNode)
            if diff {
                let before = try YAMLBridge.yaml(documents: [result.original.rootNode])
                let after = try YAMLBridge.yaml(documents: [result.result.rootNode])
                diffs += LineDiff.unified(before, after, oldName: "a/\(result.label)", newName: "b/\(result.label)")
            }
        }
        print(diff ? diffs : try YAMLBridge.yaml(documents: output), terminator: "")
        if denied { throw ExitCode(1) }
    }

    private func readInput() throws -> [UInt8] {
        if file == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: file) else {
            printError("error: cannot read \(file)")
            throw ExitCode(2)
        }
        return [UInt8](data)
    }
}

private func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
