// SPDX-License-Identifier: Apache-2.0

/// Where a value sits in the object, printed the way kubectl prints field paths:
/// `spec.tasks[2].onSuccess[0].approvers[1].scope`.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    private(set) var components: [Component]

    init(_ components: [Component] = []) {
        self.components = components
    }

    /// Parses the dotted form used in tests and docs (`spec.tasks[0].params`).
    public init(_ text: String) {
        var components: [Component] = []
        for part in text.split(separator: ".") {
            var rest = Substring(part)
            if let bracket = rest.firstIndex(of: "[") {
                if bracket > rest.startIndex { components.append(.key(String(rest[..<bracket]))) }
                rest = rest[bracket...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    if let index = Int(rest[rest.index(after: rest.startIndex)..<close]) {
                        components.append(.index(index))
                    }
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                components.append(.key(String(rest)))
            }
        }
        self.components = components
    }

    public static let spec = FieldPath([.key("spec")])
    public static let tasks = FieldPath([.key("spec"), .key("tasks")])

    func appending(_ key: String) -> FieldPath { FieldPath(components + [.key(key)]) }
    func appending(_ index: Int) -> FieldPath { FieldPath(components + [.index(index)]) }

    /// The last key, e.g. `scope` for `…approvers[1].scope`.
    var lastKey: String? {
        for component in components.reversed() {
            if case .key(let key) = component { return key }
        }
        return nil
    }

    public var description: String {
        var out = ""
        for component in components {
            switch component {
            case .key(let key):
                // Quoted also shortens, so a hostile 100 KB key cannot blow up a message.
                if key.isEmpty || key.count > 60
                    || key.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
                {
                    out += "[\(Quoted(key))]"
                } else {
                    if !out.isEmpty { out += "." }
                    out += key
                }
            case .index(let index):
                out += "[\(index)]"
            }
        }
        return out
    }
}
