// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

extension AuditEvent {
    /// The event as one JSON object: the spool line format and `--format json` output.
    ///
    /// Times are written twice: `time` as RFC 3339 for people and tools, and `timeMicros` etc. as
    /// exact integers so a replayed spool line restores the very value that was queued.
    public var json: JSON {
        var members: [(String, JSON)] = []
        for field in AuditField.ordered {
            switch field.value(of: self) {
            case .null: continue
            case .text(let text): members.append((field.jsonKey, .string(text)))
            case .integer(let micros):
                members.append((field.jsonKey, .string(AuditTime(microseconds: micros).rfc3339)))
                members.append((field.jsonKey + "Micros", .int(micros)))
            }
        }
        return .object(members)
    }

    /// Appends ``json`` as compact JSON, written in one pass: the same bytes as
    /// `json.serialized()` (a test holds them equal) without building a tree and a Jansson copy of
    /// it. Every spool line is written this way, by the writer while the store is down and by a
    /// request path when the queue is full, so its cost is paid per event exactly when the trail is
    /// under pressure.
    func writeJSON(into writer: inout JSONWriter<[UInt8]>) {
        writer.beginObject()
        for field in AuditField.ordered {
            switch field.value(of: self) {
            case .null: continue
            case .text(let text):
                writer.key(field.jsonKey)
                writer.string(text)
            case .integer(let micros):
                writer.key(field.jsonKey)
                writer.string(AuditTime(microseconds: micros).rfc3339)
                writer.key(field.jsonKey + "Micros")
                writer.int(micros)
            }
        }
        writer.endObject()
    }

    /// Reads an event written by ``json`` (a spool line, an exported trail).
    ///
    /// A time may be given as `<key>Micros` (exact) or as RFC 3339 text only, so hand-written or
    /// generated files import too.
    /// - Throws: ``AuditError`` naming the missing or malformed field.
    public init(json node: JSONNode) throws {
        guard node.isObject else { throw AuditError.badEvent("an audit event must be a JSON object") }
        var values: [AuditValue] = []
        for field in AuditField.ordered {
            if field.isTime {
                if let micros = node[field.jsonKey + "Micros"]?.int {
                    values.append(.integer(micros))
                } else if let text = node[field.jsonKey]?.string {
                    guard let time = AuditTime.parseRFC3339(text) else {
                        throw AuditError.badEvent("\(field.jsonKey) '\(text)' is not an RFC 3339 time")
                    }
                    values.append(.integer(time.microseconds))
                } else {
                    values.append(.null)
                }
            } else if let value = node[field.jsonKey], !value.isNull {
                guard let text = value.string else {
                    throw AuditError.badEvent("\(field.jsonKey) must be a string")
                }
                values.append(.text(text))
            } else {
                values.append(.null)
            }
        }
        guard case .text(let id) = values[0], AuditEventID(id) != nil else {
            throw AuditError.badEvent("id must be a UUID like 0b6e3c52-8f7a-4b1e-9c7d-2f1e0a9b8c7d")
        }
        guard let event = AuditEvent(values: values) else {
            throw AuditError.badEvent("time, kind and decision are required")
        }
        self = event
    }

    /// Parses one JSON line.
    public static func parse(line: some Collection<UInt8>) throws -> AuditEvent {
        try AuditEvent(json: JSONDocument.parse(Array(line)).rootNode)
    }
}
