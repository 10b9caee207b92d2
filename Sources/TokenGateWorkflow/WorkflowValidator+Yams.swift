// SPDX-License-Identifier: Apache-2.0
import Yams

extension WorkflowValidator {
    /// Validates a whole Workflow or Target document that was composed with Yams (kind and
    /// apiVersion are read from it; other kinds give an empty report).
    ///
    /// Yams has already resolved the document's aliases, as the API server does, so this suits the
    /// outer object; `spec.tasks` is still read here with OpenUnison's rules. Pass `source`, the
    /// text the node was composed from, to get exact file positions inside a `tasks: |` block.
    /// `tokengate lint` uses ``ManifestLinter`` instead, which reads the file itself with bounded work.
    public func validate(document: Node, source: String? = nil) -> ValidationReport {
        var budget = limits.maxNodes
        let value: SpecValue? = (source.map { Array($0.utf8) } ?? []).withUnsafeBufferPointer { text in
            Self.specValue(document, depth: 0, limits: limits, budget: &budget, source: text)
        }
        var findings = Findings()
        guard let value else {
            findings.error(.tooManyNodes, FieldPath(), at: document.mark.map(Self.position),
                           "the document is nested deeper than \(limits.maxDepth) levels or holds more than "
                            + "\(limits.maxNodes) values counting aliases")
            return ValidationReport(diagnostics: findings.all)
        }
        var result = ManifestLinter.Result(diagnostics: [], checked: [], skipped: 0)
        ManifestLinter(limits: limits).check(
            value, documentPosition: value.origin.position ?? SourcePosition(line: 1, column: 1), into: &result,
            findings: &findings)
        return ValidationReport(diagnostics: findings.all)
    }

    /// Converts a Yams node, or nil when it is too deep or (through shared aliases) too large.
    private static func specValue(
        _ node: Node, depth: Int, limits: ValidationLimits, budget: inout Int, source: UnsafeBufferPointer<UInt8>
    ) -> SpecValue? {
        budget -= 1
        guard budget >= 0, depth <= limits.maxDepth else { return nil }
        var origin = SpecOrigin(position: node.mark.map(position))
        switch node {
        case .scalar(let scalar):
            origin.rawText = scalar.string
            let tag = scalar.tag.rawValue
            let kind: SpecValue.Kind
            switch scalar.style {
            case .singleQuoted, .doubleQuoted, .literal, .folded:
                origin.style = scalar.style == .singleQuoted ? .singleQuoted : scalar.style == .doubleQuoted
                    ? .doubleQuoted : scalar.style == .literal ? .literal : .folded
                kind = YAMLScalarResolver.resolve(scalar.string, style: .quoted, tag: tag == Tag.Name.str.rawValue ? nil : tag)
            default:
                origin.style = .plain
                kind = YAMLScalarResolver.resolve(scalar.string, style: .plain, tag: tag.isEmpty ? nil : tag)
            }
            if origin.style == .literal || origin.style == .folded, let line = origin.position?.line, !source.isEmpty {
                origin.blockIndent = SourceText.firstContentIndent(after: line, in: source)
            }
            return SpecValue(kind, origin: origin)
        case .sequence(let sequence):
            var items: [SpecValue] = []
            for item in sequence {
                guard let value = specValue(item, depth: depth + 1, limits: limits, budget: &budget, source: source)
                else { return nil }
                items.append(value)
            }
            return SpecValue(.list(items), origin: origin)
        case .mapping(let mapping):
            var entries: [SpecEntry] = []
            for (key, value) in mapping {
                guard let converted = specValue(value, depth: depth + 1, limits: limits, budget: &budget, source: source)
                else { return nil }
                entries.append(SpecEntry(key: key.string ?? "", keyPosition: key.mark.map(position), value: converted))
            }
            return SpecValue(.map(entries), origin: origin)
        case .alias:
            return SpecValue(.null, origin: origin)
        }
    }

    private static func position(_ mark: Mark) -> SourcePosition {
        SourcePosition(line: mark.line, column: mark.column)
    }
}
