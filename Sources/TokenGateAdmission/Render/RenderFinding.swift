// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// One thing `tokengate render` has to say about one object: a projection denial or warning, or
/// a Workflow/Target lint diagnostic. In KRM mode it becomes an entry of the ResourceList's
/// `results` (the kyaml `framework.Result` shape kustomize and kpt understand); otherwise a line
/// on standard error.
public struct RenderFinding: Sendable, Equatable {
    public enum Severity: String, Sendable {
        case error, warning, info
    }

    /// Which TokenGate rule produced the finding; stored in the result's tags.
    public enum Rule: String, Sendable {
        /// The `/mutate` logic (projection): denials and warnings.
        case projection
        /// The `/validate` Workflow and Target rules (`tokengate lint`).
        case workflow
    }

    /// The object a finding is about (`resourceRef`: apiVersion, kind, name, namespace).
    public struct ResourceRef: Sendable, Equatable {
        public var apiVersion: String
        public var kind: String
        public var name: String
        public var namespace: String?

        public init(apiVersion: String, kind: String, name: String, namespace: String?) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.name = name
            self.namespace = namespace
        }

        /// `Workflow openunison/onboard`, for messages.
        public var label: String { "\(kind) \(namespace.map { "\($0)/" } ?? "")\(name)" }

        /// The reference to `object`; its `generateName` followed by `*` when it has no name.
        public init(_ object: JSONNode, index: Int) {
            self.init(
                apiVersion: object["apiVersion"]?.string ?? "", kind: object["kind"]?.string ?? "",
                name: object.at("/metadata/name")?.string
                    ?? object.at("/metadata/generateName")?.string.map { $0 + "*" } ?? "document-\(index)",
                namespace: object.at("/metadata/namespace")?.string)
        }
    }

    public var severity: Severity
    public var rule: Rule
    public var message: String
    public var resource: ResourceRef?
    /// Field path in the object (`spec.tasks[1].sync`), when known.
    public var fieldPath: String?
    /// The file kustomize read the object from and its index there, when the item says so.
    public var filePath: String?
    public var fileIndex: Int?
    /// A stable identifier (`denied`, `wrong-type`, ...) for tools.
    public var code: String?

    public init(
        severity: Severity, rule: Rule, message: String, resource: ResourceRef?, fieldPath: String? = nil,
        filePath: String? = nil, fileIndex: Int? = nil, code: String? = nil
    ) {
        self.severity = severity
        self.rule = rule
        self.message = message
        self.resource = resource
        self.fieldPath = fieldPath
        self.filePath = filePath
        self.fileIndex = fileIndex
        self.code = code
    }

    /// The tag key marking results written by `tokengate render`, so a second render replaces
    /// them instead of adding copies (rendering twice changes nothing).
    public static let ruleTag = "tokengate.io/rule"
    public static let codeTag = "tokengate.io/code"

    /// The KRM result object (`message`, `severity`, `resourceRef`, `field.path`, `file`, `tags`).
    public var krmResult: JSON {
        var members: [(String, JSON)] = [("message", .string(message)), ("severity", .string(severity.rawValue))]
        if let resource {
            var ref: [(String, JSON)] = [
                ("apiVersion", .string(resource.apiVersion)), ("kind", .string(resource.kind)), ("name", .string(resource.name)),
            ]
            if let namespace = resource.namespace { ref.append(("namespace", .string(namespace))) }
            members.append(("resourceRef", .object(ref)))
        }
        if let fieldPath, !fieldPath.isEmpty { members.append(("field", ["path": .string(fieldPath)])) }
        if let filePath {
            var file: [(String, JSON)] = [("path", .string(filePath))]
            if let fileIndex { file.append(("index", .int(fileIndex))) }
            members.append(("file", .object(file)))
        }
        var tags: [(String, JSON)] = [(Self.ruleTag, .string(rule.rawValue))]
        if let code { tags.append((Self.codeTag, .string(code))) }
        members.append(("tags", .object(tags)))
        return .object(members)
    }

    /// `error: Workflow openunison/onboard: spec.tasks[1].sync: expected a boolean ...`, for stderr.
    public var line: String {
        var text = "\(severity.rawValue): "
        if let resource { text += "\(resource.label): " }
        if let filePath { text += "(\(filePath)) " }
        if let fieldPath, !fieldPath.isEmpty { text += "\(fieldPath): " }
        return text + message
    }
}
