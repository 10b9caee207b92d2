// SPDX-License-Identifier: Apache-2.0

/// A value of a Workflow or Target, as the program that finally reads it will see it, plus where it
/// was written.
///
/// The rules never look at YAML or JSON directly: the webhook turns the `spec` of the already
/// parsed AdmissionReview into this tree (no second parse of the object), `tokengate lint` builds it
/// from a file with positions, and the embedded `spec.tasks` YAML is read into it the way
/// OpenUnison's reader (Jackson) reads it.
public struct SpecValue: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case null
        case bool(Bool)
        case int(Int64)
        case float(Double)
        case string(String)
        case list([SpecValue])
        case map([SpecEntry])
    }

    public var kind: Kind
    public var origin: SpecOrigin

    public init(_ kind: Kind, origin: SpecOrigin = SpecOrigin()) {
        self.kind = kind
        self.origin = origin
    }

    public static let null = SpecValue(.null)
    public static func bool(_ value: Bool) -> SpecValue { SpecValue(.bool(value)) }
    public static func int(_ value: Int64) -> SpecValue { SpecValue(.int(value)) }
    public static func float(_ value: Double) -> SpecValue { SpecValue(.float(value)) }
    public static func string(_ value: String) -> SpecValue { SpecValue(.string(value)) }
    public static func list(_ items: [SpecValue]) -> SpecValue { SpecValue(.list(items)) }
    public static func map(_ entries: [SpecEntry]) -> SpecValue { SpecValue(.map(entries)) }
    /// A map from `(key, value)` pairs, in order; handy when building a spec by hand.
    public static func map(_ pairs: KeyValuePairs<String, SpecValue>) -> SpecValue {
        SpecValue(.map(pairs.map { SpecEntry(key: $0.key, value: $0.value) }))
    }

    /// The value of `key` when this is a map holding it (the last one wins, as in Jackson and Go).
    public subscript(key: String) -> SpecValue? {
        guard case .map(let entries) = kind else { return nil }
        return entries.last(where: { $0.key == key })?.value
    }

    public var string: String? {
        if case .string(let value) = kind { return value }
        return nil
    }

    public var entries: [SpecEntry]? {
        if case .map(let entries) = kind { return entries }
        return nil
    }

    public var items: [SpecValue]? {
        if case .list(let items) = kind { return items }
        return nil
    }

    public var isNull: Bool { kind == .null }

    /// "a string", "the number 5", "a list" — for messages that say what was found.
    public var foundDescription: String {
        switch kind {
        case .null: return "no value (null)"
        case .bool(let value): return "the boolean \(origin.rawText ?? String(value))"
        case .int(let value): return "the number \(origin.rawText ?? String(value))"
        case .float(let value): return "the number \(origin.rawText ?? String(value))"
        case .string(let value): return "the string \(Quoted(value))"
        case .list: return "a list"
        case .map: return "a map"
        }
    }
}

/// One `key: value` of a map. Keys are always strings: OpenUnison's reader and the API server both
/// turn YAML keys into JSON member names.
public struct SpecEntry: Sendable, Equatable {
    public var key: String
    public var keyPosition: SourcePosition?
    public var value: SpecValue

    public init(key: String, keyPosition: SourcePosition? = nil, value: SpecValue) {
        self.key = key
        self.keyPosition = keyPosition
        self.value = value
    }
}

/// Where a value came from and how it was written; empty for values built from JSON.
public struct SpecOrigin: Sendable, Equatable {
    public enum Style: String, Sendable, Equatable {
        case plain, singleQuoted, doubleQuoted, literal, folded, flow, block
    }

    /// First character of the value in the text it was read from.
    public var position: SourcePosition?
    /// Just past the last character (scalars only).
    public var end: SourcePosition?
    public var style: Style?
    /// The scalar exactly as written, before typing (`yes`, `0x1F`, `"5"` has rawText `5`).
    public var rawText: String?
    /// Set when the value was written as the alias `*name`. OpenUnison's YAML reader (Jackson's
    /// YAMLFactory) does not resolve aliases: it reads `*name` as the plain string `name`.
    public var aliasOf: String?
    /// Set when the value was produced by an `#[VAR]` / `#[VAR:default]` substitution, which
    /// OpenUnison performs with its own environment before reading the YAML.
    public var placeholder: String?
    /// For block scalars (`|`, `>`): the column (0-based) where their content lines start.
    public var blockIndent: Int?

    public init(
        position: SourcePosition? = nil, end: SourcePosition? = nil, style: Style? = nil,
        rawText: String? = nil, aliasOf: String? = nil, placeholder: String? = nil, blockIndent: Int? = nil
    ) {
        self.position = position
        self.end = end
        self.style = style
        self.rawText = rawText
        self.aliasOf = aliasOf
        self.placeholder = placeholder
        self.blockIndent = blockIndent
    }
}

/// A string in double quotes with control characters escaped and long text shortened, so a value
/// can be shown inside a one-line message.
struct Quoted: CustomStringConvertible {
    let text: String
    init(_ text: String) { self.text = text }

    var description: String {
        var out = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == 60 {
                out += "…"
                break
            }
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            count += 1
        }
        return out + "\""
    }
}
