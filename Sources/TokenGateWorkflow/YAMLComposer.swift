// SPDX-License-Identifier: Apache-2.0
import CYaml

/// Builds ``SpecValue`` trees from libyaml events with an explicit stack (no recursion), a depth
/// limit and a node budget. Used only by ``YAMLReader``.
struct YAMLComposer {
    private struct Collection {
        var isMapping: Bool
        var origin: SpecOrigin
        var anchor: String?
        /// Where this collection sits in its parent; the full path is built only for a problem.
        var step: FieldPath.Component?
        var items: [SpecValue] = []
        var entries: [SpecEntry] = []
        var keyIndex: [String: Int] = [:]
        var pendingKey: PendingKey?
        /// Values inside, counting alias expansions; what an alias to this collection costs.
        var weight = 1
    }

    private enum PendingKey {
        case name(String, SourcePosition?)
        case unusable
    }

    static let tooDeepHint = "flatten the structure; real workflows nest far less"

    let aliasRule: YAMLReader.AliasRule
    let limits: ValidationLimits
    let source: UnsafeBufferPointer<UInt8>

    private(set) var result = YAMLReader.Result()
    private var stack: [Collection] = []
    private var anchors: [String: (value: SpecValue, weight: Int)] = [:]
    private var nodes = 0
    private var root: SpecValue?
    private var documentStart = SourcePosition(line: 1, column: 1)

    /// Where the text ends; no event is placed after it (see ``YAMLReader/position(_:before:)``).
    private let endOfText: SourcePosition

    init(aliasRule: YAMLReader.AliasRule, limits: ValidationLimits, source: UnsafeBufferPointer<UInt8>) {
        self.aliasRule = aliasRule
        self.limits = limits
        self.source = source
        self.endOfText = SourceText.position(ofByte: source.count, in: source)
    }

    /// Records a problem that ends reading.
    mutating func fail(_ problem: YAMLReader.Problem) {
        record(problem)
        result.complete = false
    }

    /// Records a problem against the document being read; reading goes on.
    private mutating func record(_ problem: YAMLReader.Problem) {
        var problem = problem
        problem.document = result.documents.count
        result.problems.append(problem)
    }

    /// Takes one event; returns true when reading should stop (end of stream or a failure).
    mutating func consume(_ event: yaml_event_t) -> Bool {
        let start = YAMLReader.position(event.start_mark, before: endOfText)
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return true
        case YAML_DOCUMENT_START_EVENT:
            anchors.removeAll()
            nodes = 0
            root = nil
            documentStart = start
        case YAML_DOCUMENT_END_EVENT:
            result.documents.append(YAMLReader.Document(root: root ?? SpecValue(.null), position: documentStart))
        case YAML_ALIAS_EVENT:
            return alias(named: Self.string(event.data.alias.anchor) ?? "", at: start)
        case YAML_SCALAR_EVENT:
            return scalar(event, at: start)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            guard stack.count < limits.maxDepth else {
                fail(.init(code: .tooDeep, position: start,
                           message: "the YAML nests more than \(limits.maxDepth) levels deep",
                           hint: Self.tooDeepHint, isError: true))
                return true
            }
            guard count(1, at: start) else { return true }
            let anchor = Self.string(isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor)
            let flow = isMapping
                ? event.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                : event.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
            stack.append(Collection(
                isMapping: isMapping, origin: SpecOrigin(position: start, style: flow ? .flow : .block),
                anchor: anchor, step: nextStep()))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let done = stack.popLast() else { return false }
            let value = SpecValue(done.isMapping ? .map(done.entries) : .list(done.items), origin: done.origin)
            if let anchor = done.anchor { anchors[anchor] = (value, done.weight) }
            deliver(value, weight: done.weight, key: nil, keyProblem: "a \(done.isMapping ? "map" : "list")")
        default:
            break
        }
        return false
    }

    private mutating func scalar(_ event: yaml_event_t, at start: SourcePosition) -> Bool {
        guard count(1, at: start) else { return true }
        let data = event.data.scalar
        let text = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
        let tag = Self.string(data.tag)
        let plainImplicit = data.plain_implicit != 0
        var origin = SpecOrigin(
            position: start,
            end: YAMLReader.position(event.end_mark, before: endOfText),
            rawText: text)
        switch data.style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: origin.style = .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: origin.style = .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE:
            origin.style = data.style == YAML_LITERAL_SCALAR_STYLE ? .literal : .folded
            origin.blockIndent = blockIndent(headerIndex: Int(event.start_mark.index), headerLine: start.line)
        default: origin.style = .plain
        }
        let kind = YAMLScalarResolver.resolve(text, style: plainImplicit ? .plain : .quoted, tag: tag)
        let value = SpecValue(kind, origin: origin)
        if let anchor = Self.string(data.anchor) { anchors[anchor] = (value, 1) }
        deliver(value, weight: 1, key: text, keyProblem: nil)
        return false
    }

    private mutating func alias(named name: String, at start: SourcePosition) -> Bool {
        switch aliasRule {
        case .readAsAnchorName:
            guard count(1, at: start) else { return true }
            let value = SpecValue(
                .string(name),
                origin: SpecOrigin(position: start, style: .plain, rawText: "*\(name)", aliasOf: name))
            deliver(value, weight: 1, key: nil, keyProblem: "the alias *\(name)")
        case .resolve:
            guard let anchored = anchors[name] else {
                fail(.init(code: .yamlSyntax, position: start, message: "the alias *\(name) has no anchor &\(name) before it",
                           hint: "define the anchor before using it, or write the value out", isError: true))
                return true
            }
            guard count(anchored.weight, at: start) else { return true }
            // The value keeps the anchor's position: that is where its text is written.
            var value = anchored.value
            value.origin.aliasOf = name
            let key: String? = if case .map = value.kind { nil } else if case .list = value.kind { nil } else {
                value.origin.rawText
            }
            deliver(value, weight: anchored.weight, key: key, keyProblem: "the alias *\(name)")
        }
        return false
    }

    /// Hands a finished value to the collection being built, or makes it the document's root.
    private mutating func deliver(_ value: SpecValue, weight: Int, key: String?, keyProblem: String?) {
        guard var top = stack.popLast() else {
            root = value
            return
        }
        top.weight += weight
        if !top.isMapping {
            top.items.append(value)
        } else if let pending = top.pendingKey {
            top.pendingKey = nil
            if case .name(let name, let position) = pending {
                if let existing = top.keyIndex[name] {
                    let first = top.entries[existing].keyPosition.map { " (first at line \($0.line))" } ?? ""
                    record(.init(
                        code: .duplicateKey, position: position,
                        message: "the key \(Quoted(name)) appears twice in this map\(first); "
                            + "OpenUnison and the API server keep only the last value",
                        hint: "remove one of them", isError: false, path: path(of: top).appending(name)))
                    top.entries[existing].value = value
                } else {
                    top.keyIndex[name] = top.entries.count
                    top.entries.append(SpecEntry(key: name, keyPosition: position, value: value))
                }
            }
        } else if let key {
            top.pendingKey = .name(key, value.origin.position)
        } else {
            // Reported, not fatal: the entry is left out and reading goes on, so later problems
            // are found too. No key is ever hashed as a structure.
            top.pendingKey = .unusable
            record(.init(
                code: .complexKey, position: value.origin.position,
                message: "\(keyProblem ?? "a value") is used as a map key; keys must be plain strings",
                hint: "OpenUnison's YAML reader (Jackson) and the API server only accept string keys", isError: true,
                path: path(of: top)))
        }
        stack.append(top)
    }

    /// Counts `weight` values against the budget; false (and a problem) once it is spent.
    private mutating func count(_ weight: Int, at position: SourcePosition) -> Bool {
        nodes += weight
        guard nodes <= limits.maxNodes else {
            fail(.init(
                code: .tooManyNodes, position: position,
                message: "the YAML holds more than \(limits.maxNodes) values (counting every alias expansion)",
                hint: "aliases that refer to aliases multiply; write the values out", isError: true))
            return false
        }
        return true
    }

    /// Where the next value delivered to the top collection goes in it.
    private func nextStep() -> FieldPath.Component? {
        guard let top = stack.last else { return nil }
        if !top.isMapping { return .index(top.items.count) }
        if case .name(let name, _) = top.pendingKey { return .key(name) }
        return nil
    }

    /// Path of the collection on top of the stack (popped into `top`), relative to the root.
    private func path(of top: Collection) -> FieldPath {
        FieldPath((stack + [top]).compactMap(\.step))
    }

    /// Content indentation of a block scalar, so lint can map lines inside it back to the file.
    private func blockIndent(headerIndex: Int, headerLine: Int) -> Int? {
        if let indicator = SourceText.indentationIndicator(atCharacterIndex: headerIndex, in: source) {
            let parent = stack.last.flatMap { $0.origin.style == .block ? $0.origin.position?.column : nil }
            return (parent.map { $0 - 1 } ?? 0) + indicator
        }
        return SourceText.firstContentIndent(after: headerLine, in: source)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
