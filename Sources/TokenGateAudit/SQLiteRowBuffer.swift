// SPDX-License-Identifier: Apache-2.0
import CSQLite

/// The parameters of one INSERT execution (one or several events, ``AuditField`` order) laid out
/// for binding: every text in one reused UTF-8 buffer that SQLite reads in place (`SQLITE_STATIC`),
/// integers and NULLs beside it.
///
/// It replaces, per event, an array of ``AuditValue``s, a C-string conversion per text and SQLite's
/// own copy of each (`SQLITE_TRANSIENT`): the buffers keep their capacity from batch to batch, so a
/// warm writer allocates nothing per event.
struct SQLiteRowBuffer {
    private enum Slot {
        case null
        case integer(Int64)
        case text(start: Int, count: Int)
    }

    private var bytes: [UInt8] = []
    private var slots: [Slot] = []

    static let fields = AuditField.ordered

    /// Lays out `events`' values, replacing what the buffer held.
    mutating func encode(_ events: ArraySlice<AuditEvent>) {
        bytes.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        for event in events {
            for field in Self.fields {
                switch field.value(of: event) {
                case .null:
                    slots.append(.null)
                case .integer(let number):
                    slots.append(.integer(number))
                case .text(let text):
                    let start = bytes.count
                    bytes.append(contentsOf: text.utf8)
                    slots.append(.text(start: start, count: bytes.count - start))
                }
            }
        }
        // Never empty, so the base address below exists even when every text is empty.
        bytes.append(0)
    }

    /// Binds the laid-out values to `statement`'s parameters 1…n and runs it to completion.
    ///
    /// The texts are bound `SQLITE_STATIC`, valid only while `bytes` is neither changed nor
    /// released: so binding and stepping happen inside one access to it, and the bindings are
    /// cleared before it ends, so the statement never keeps a pointer into the buffer.
    func execute(_ statement: SQLiteStatement) throws {
        try bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let handle = statement.handle
            sqlite3_reset(handle)
            defer { sqlite3_clear_bindings(handle) }
            for (offset, slot) in slots.enumerated() {
                let index = Int32(offset + 1)
                let rc: Int32 = switch slot {
                case .null: sqlite3_bind_null(handle, index)
                case .integer(let number): sqlite3_bind_int64(handle, index, number)
                case .text(let start, let count):
                    // A nil destructor is SQLITE_STATIC: SQLite reads the bytes where they are.
                    (base + start).withMemoryRebound(to: CChar.self, capacity: max(count, 1)) {
                        sqlite3_bind_text(handle, index, $0, Int32(count), nil)
                    }
                }
                guard rc == SQLITE_OK else { throw SQLiteConnection.error(rc, statement.connection.lastError) }
            }
            _ = try statement.step()
        }
    }
}
