// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON
import TokenGateWorkflow

/// `tokengate render`, one object at a time: the `/mutate` projection (through
/// ``OfflineMutation``, so exactly the server's logic and patch) and, for OpenUnison Workflows
/// and Targets, the `/validate` rules as `tokengate lint` runs them.
///
/// Rendering is idempotent because both halves are: the mutator gives an already projected
/// object no patch, and the lint results depend only on the object. That is what keeps a GitOps
/// repository that stores rendered output free of drift: Argo CD or Flux applies the object, the
/// webhook sees it already projected, and the live object equals the committed one.
public struct OfflineRender: Sendable {
    public let mutation: OfflineMutation
    public let linter: ManifestLinter

    public init(handler: TokenGateAdmissionHandler, namespace: String?, linter: ManifestLinter = ManifestLinter()) {
        self.mutation = OfflineMutation(handler: handler, namespace: namespace)
        self.linter = linter
    }

    public struct Rendered: Sendable {
        /// The object as the cluster will store it; unchanged when it was denied.
        public var object: JSONDocument
        public var findings: [RenderFinding]
    }

    /// Renders one object (`index` counts from 1, for objects without a name).
    public func render(_ object: JSONDocument, index: Int) -> Rendered {
        let root = object.rootNode
        let ref = RenderFinding.ResourceRef(root, index: index)
        let file = Self.sourceFile(of: root)
        func finding(_ severity: RenderFinding.Severity, _ rule: RenderFinding.Rule, _ message: String,
                     field: String? = nil, code: String) -> RenderFinding {
            RenderFinding(severity: severity, rule: rule, message: message, resource: ref, fieldPath: field,
                          filePath: file.path, fileIndex: file.index, code: code)
        }

        var findings: [RenderFinding] = []
        var result = object
        do {
            let mutated = try mutation.mutate(object, index: index)
            if let denial = mutated.decision.denial {
                findings.append(finding(.error, .projection, "denied by the projection webhook: \(denial.message)", code: "denied"))
            } else {
                result = mutated.result
            }
            for warning in mutated.decision.warnings {
                findings.append(finding(.warning, .projection, warning, code: "projection-warning"))
            }
        } catch {
            findings.append(finding(.error, .projection, "the projection could not be computed: \(error)", code: "invalid-object"))
        }

        guard Self.isLinted(root) else { return Rendered(object: result, findings: findings) }
        let text: String
        do {
            text = try YAMLBridge.yaml(documents: [result.rootNode])
        } catch {
            findings.append(finding(.error, .workflow, "the object could not be prepared for the Workflow rules: \(error)", code: "invalid-object"))
            return Rendered(object: result, findings: findings)
        }
        for diagnostic in linter.lint(text: text).diagnostics {
            var message = diagnostic.message
            if let position = diagnostic.tasksPosition {
                message += " (line \(position.line), column \(position.column) of spec.tasks)"
            }
            if let hint = diagnostic.hint { message += " (hint: \(hint))" }
            findings.append(finding(
                diagnostic.severity == .error ? .error : .warning, .workflow, message,
                field: diagnostic.path, code: diagnostic.code.rawValue))
        }
        return Rendered(object: result, findings: findings)
    }

    /// Workflows (v1, v2) and Targets of `openunison.tremolo.io`, every version: the linter
    /// itself reports a version the CRD does not serve.
    static func isLinted(_ object: JSONNode) -> Bool {
        guard let apiVersion = object["apiVersion"]?.string, let kind = object["kind"]?.string else { return false }
        return apiVersion.hasPrefix("openunison.tremolo.io/") && (kind == "Workflow" || kind == "Target")
    }

    /// The file an item came from, as kustomize and kpt annotate ResourceList items (current
    /// `internal.config.kubernetes.io/` keys first, then the legacy `config.kubernetes.io/` ones).
    static func sourceFile(of object: JSONNode) -> (path: String?, index: Int?) {
        let annotations = object.at("/metadata/annotations")
        func value(_ name: String) -> String? {
            annotations?["internal.config.kubernetes.io/\(name)"]?.string ?? annotations?["config.kubernetes.io/\(name)"]?.string
        }
        guard let path = value("path") else { return (nil, nil) }
        return (path, value("index").flatMap { Int($0) })
    }
}
