// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// Reads one text with both readers — Jansson (``JSONDocument``, the oracle) and simdjson
/// (``JSONView``) — and says how they differ, if they do.
enum JSONReaderComparison {
    enum Outcome: Equatable { case accepted, rejected(JSONError.Code) }

    struct Result {
        var jansson: Outcome
        /// Nil when the readers agree on everything checked.
        var difference: String?
        /// The text has a NUL byte Jansson skips (see ``JanssonSkippedNULs``): Jansson accepts
        /// it, the view refuses it, and both read the text without that byte the same way.
        var janssonSkipsNUL = false
    }

    static func compare(_ bytes: [UInt8], limits: JSONLimits = .default, parser: JSONViewParser? = nil) -> Result {
        let document: JSONDocument?
        let janssonOutcome: Outcome
        do {
            document = try JSONDocument.parse(bytes, limits: limits)
            janssonOutcome = .accepted
        } catch {
            document = nil
            janssonOutcome = .rejected((error as? JSONError)?.code ?? .syntax)
        }
        let view: JSONView?
        let viewOutcome: Outcome
        do throws(JSONError) {
            view = try (parser ?? JSONViewParser(limits: limits)).parse(bytes)
            viewOutcome = .accepted
        } catch {
            view = nil
            viewOutcome = .rejected(error.code)
        }
        if janssonOutcome == .accepted, viewOutcome == .rejected(.syntax), let stripped = JanssonSkippedNULs.stripped(bytes) {
            var result = compare(stripped, limits: limits, parser: parser)
            if result.jansson != .accepted { result.difference = "Jansson refuses the text without its skipped NUL" }
            result.janssonSkipsNUL = true
            return result
        }
        guard janssonOutcome == viewOutcome else {
            return Result(jansson: janssonOutcome, difference: "Jansson: \(janssonOutcome), view: \(viewOutcome)")
        }
        guard let document, let view else { return Result(jansson: janssonOutcome, difference: nil) }
        return Result(jansson: janssonOutcome, difference: difference(view.root, document.rootNode, at: ""))
    }

    /// Walks both trees: kinds, values (strings byte for byte, reals bit for bit), member order,
    /// and that each value's source text is, to Jansson, the value itself.
    static func difference(_ value: JSONView.Value, _ node: JSONNode, at path: String) -> String? {
        guard value.kind == node.kind else { return "\(path): kind \(value.kind) vs Jansson \(node.kind)" }
        if let problem = sourceDifference(value, node, at: path) { return problem }
        switch node.kind {
        case .string:
            let mine = value.string.map { Array($0.utf8) }, theirs = node.string.map { Array($0.utf8) }
            return mine == theirs ? nil : "\(path): string \(String(describing: mine)) vs Jansson \(String(describing: theirs))"
        case .integer:
            return value.int == node.int ? nil : "\(path): integer \(String(describing: value.int)) vs \(String(describing: node.int))"
        case .real:
            return value.double?.bitPattern == node.double?.bitPattern
                ? nil : "\(path): real \(String(describing: value.double)) vs \(String(describing: node.double))"
        case .bool:
            return value.bool == node.bool ? nil : "\(path): bool differs"
        case .null:
            return nil
        case .array:
            let items = Array(value.elements)
            guard items.count == node.count, value.count == node.count else {
                return "\(path): \(items.count) (count \(value.count)) elements vs Jansson \(node.count)"
            }
            for (index, (item, other)) in zip(items, node.elements).enumerated() {
                if let problem = difference(item, other, at: "\(path)/\(index)") { return problem }
            }
            return nil
        case .object:
            let members = Array(value.members), others = node.members
            guard members.map({ Array($0.key.utf8) }) == others.map({ Array($0.key.utf8) }), value.count == others.count else {
                return "\(path): keys \(members.map(\.key)) vs Jansson \(others.map(\.key))"
            }
            for (member, other) in zip(members, others) {
                guard let found = value[member.key], found.sourceRange == member.value.sourceRange else {
                    return "\(path): lookup of \(member.key.debugDescription) does not find its member"
                }
                if let problem = difference(member.value, other.value, at: "\(path)/\(JSONPointer.escape(member.key))") {
                    return problem
                }
            }
            return nil
        }
    }

    private static func sourceDifference(_ value: JSONView.Value, _ node: JSONNode, at path: String) -> String? {
        let source = value.sourceBytes
        guard let reread = try? JSONDocument.parse(source), reread.rootNode.isEqual(to: node) else {
            return "\(path): source text \(String(decoding: source, as: UTF8.self).debugDescription) is not the value"
        }
        return nil
    }
}
