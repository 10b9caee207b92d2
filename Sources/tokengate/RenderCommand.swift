// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import TokenGateAdmission
import TokenGateJSON

/// `tokengate render`: the GitOps form of the webhooks. A repository that stores rendered
/// manifests holds exactly what will run, so Argo CD and Flux see no drift after the webhook
/// has projected the live objects, and broken Workflows fail in CI instead of at sync time.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render manifests as the cluster will store them: projection applied, Workflows linted (also a KRM function).",
        discussion: """
            Reads a YAML (or JSON) manifest stream -- a file, or - for standard input -- and runs \
            every object through exactly the logic of POST /mutate (as a CREATE, like tokengate \
            mutate) and every openunison.tremolo.io Workflow and Target through the rules of POST \
            /validate (like tokengate lint). Rendering is idempotent: rendering the output again \
            changes nothing.

            Manifest stream: writes the rendered objects as YAML to standard output. Warnings go to \
            standard error. A denied object or a Workflow/Target error is reported on standard \
            error and the exit status is 1, with NOTHING on standard output, so \
            `tokengate render in.yaml | kubectl apply -f -` never applies half-checked output.

            KRM function: when the input is a kustomize/kpt ResourceList (apiVersion \
            config.kubernetes.io/v1, kind ResourceList; detected, or forced with --krm), writes \
            the ResourceList back with its items rendered and the findings as KRM results \
            (severity error or warning, message, resourceRef, field.path, file, tags \
            tokengate.io/rule and tokengate.io/code). The exit status is 1 when any result is an \
            error, which makes kustomize build fail. The TokenGate configuration can travel in the \
            functionConfig: a ConfigMap whose data.config.yaml holds the same text as the \
            tokengate-config ConfigMap (instead of --config).

            As a kustomize transformer (kustomize build --enable-alpha-plugins --enable-exec): \
            kustomize runs exec functions without arguments, so save this script beside \
            kustomization.yaml as tokengate-render.sh (chmod +x):

              #!/bin/sh
              exec tokengate render --krm

            and point a transformer configuration at it:

              apiVersion: v1
              kind: ConfigMap
              metadata:
                name: tokengate-render
                annotations:
                  config.kubernetes.io/function: |
                    exec:
                      path: ./tokengate-render.sh
              data:
                config.yaml: |
                  enable_tokenrequest: true
                  token_request_audience: https://kubernetes.default.svc
                  token_request_expiration_seconds: 600

            and list that file under `transformers:` in kustomization.yaml. Argo CD (config \
            management plugin) and Flux: see manifests/RENDER.md.

            Comments in the input are not kept. Exit status: 0 rendered, 1 errors found, 2 the \
            input or configuration could not be read.
            """)

    @Argument(help: "Manifest file (YAML or JSON) or ResourceList, or - for standard input.")
    var file: String = "-"

    @Flag(help: "Treat the input as a KRM ResourceList (fails if it is not one); detected automatically otherwise.")
    var krm = false

    @Option(help: "TokenGate config file (YAML; an OpenUnison values.yaml works too).")
    var config: String?

    @Option(name: .shortAndLong, help: "Namespace for objects that do not name one (default: default).")
    var namespace: String?

    @OptionGroup(title: "Projection settings (override --config)")
    var projection: ProjectionOptions

    func run() throws {
        let input = try readInput()
        let documents: [JSONDocument]
        do {
            documents = try ManifestReader.documents(from: String(decoding: input, as: UTF8.self))
        } catch {
            throw fail("\(inputName): \(error)", status: 2)
        }
        let resourceLists = documents.filter { KRMResourceList.isResourceList($0.rootNode) }
        if krm || !resourceLists.isEmpty {
            guard documents.count == 1, let document = resourceLists.first else {
                throw fail("\(inputName): a KRM function reads exactly one ResourceList (apiVersion config.kubernetes.io/v1, kind ResourceList)", status: 2)
            }
            try renderResourceList(document)
        } else {
            try renderStream(documents)
        }
    }

    /// KRM mode: items rendered, findings as results; errors also on stderr, where kustomize shows them.
    private func renderResourceList(_ document: JSONDocument) throws {
        let list: KRMResourceList
        do {
            list = try KRMResourceList(document)
        } catch {
            throw fail("\(inputName): \(error)", status: 2)
        }
        let render = try makeRender(functionConfigText: list.configText)
        var items: [JSON] = []
        var findings: [RenderFinding] = []
        for (index, item) in list.items.enumerated() {
            guard KRMResourceList.isObject(item) else {
                items.append(.node(item))  // not a Kubernetes object: not ours to change
                continue
            }
            let rendered = render.render(JSON.node(item).document(), index: index + 1)
            items.append(.node(rendered.object.rootNode))
            findings += rendered.findings
        }
        for finding in findings { printError(finding.line) }
        let output = list.output(items: items, findings: findings)
        print(try YAMLBridge.yaml(documents: [output.document().rootNode]), terminator: "")
        if findings.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
    }

    /// Manifest stream mode: YAML out, findings on stderr, nothing out when there is an error.
    private func renderStream(_ documents: [JSONDocument]) throws {
        var objects: [JSONDocument] = []
        do {
            // The same expansion as `tokengate mutate` (empty documents skipped, Lists expanded).
            for document in documents { objects += try ManifestReader.objects(in: document) }
        } catch {
            throw fail("\(inputName): \(error)", status: 2)
        }
        let render = try makeRender(functionConfigText: nil)
        var output: [JSONNode] = []
        var errors = 0
        for (index, object) in objects.enumerated() {
            let rendered = render.render(object, index: index + 1)
            output.append(rendered.object.rootNode)
            for finding in rendered.findings {
                printError(finding.line)
                if finding.severity == .error { errors += 1 }
            }
        }
        if errors > 0 {
            printError("\(errors) error\(errors == 1 ? "" : "s"): nothing was written to standard output")
            throw ExitCode(1)
        }
        print(try YAMLBridge.yaml(documents: output), terminator: "")
    }

    /// Settings from --config or the functionConfig's `data.config.yaml`, flags on top.
    private func makeRender(functionConfigText: String?) throws -> OfflineRender {
        let overrides = projection.overrides
        let loaded: (settings: ProjectionSettings, warnings: [String])
        do {
            if let functionConfigText {
                guard config == nil else {
                    throw ConfigError("the configuration is given twice: the ResourceList's functionConfig has data.config.yaml and --config is set; keep one")
                }
                let settings = try ProjectionSettings(
                    config: ConfigFile(yaml: functionConfigText, path: "functionConfig data.config.yaml")).merging(overrides)
                loaded = (settings, try settings.validate())
            } else {
                loaded = try ProjectionSettings.load(configPath: config, overrides: overrides)
            }
        } catch {
            throw fail("\(error)", status: 2)
        }
        for warning in loaded.warnings { printError("warning: \(warning)") }
        if !loaded.settings.enabled {
            printError("note: enable_tokenrequest is false, so no object is changed (Workflows are still checked); set it in the config or pass --enable-tokenrequest")
        }
        return OfflineRender(handler: TokenGateAdmissionHandler(settings: loaded.settings), namespace: namespace)
    }

    private var inputName: String { file == "-" ? "standard input" : file }

    private func readInput() throws -> [UInt8] {
        if file == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: file) else { throw fail("cannot read \(file)", status: 2) }
        return [UInt8](data)
    }

    private func fail(_ message: String, status: Int32) -> ExitCode {
        printError("error: \(message)")
        return ExitCode(status)
    }

    private func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
