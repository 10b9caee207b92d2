// SPDX-License-Identifier: Apache-2.0
import CJansson

extension JSONPatch {
    /// Applies the patch to a copy of `document`'s root and returns the result; the input is untouched.
    ///
    /// Semantics follow RFC 6902 as the API server applies them: `add` replaces an existing
    /// member, `-` appends, `replace`/`remove` need the target to exist, `test` compares structurally.
    /// - Throws: ``JSONError`` (`.patch`) naming the operation and path that failed.
    public func apply(to node: JSONNode) throws -> JSONDocument {
        guard let copy = json_deep_copy(node.raw) else {
            throw JSONError(.patch, "could not copy the document to patch")
        }
        var root = copy
        defer { json_decref(root) }
        for (index, operation) in operations.enumerated() {
            do {
                try Self.apply(operation, to: &root)
            } catch let error as JSONError {
                throw JSONError(.patch, "patch operation \(index) (\(operation.path)): \(error.message)")
            }
        }
        return JSONDocument(adopting: json_incref(root))
    }

    private static func apply(_ operation: Operation, to root: inout UnsafeMutablePointer<json_t>) throws {
        switch operation {
        case .add(let path, let value):
            try put(value, at: path, in: &root, mustExist: false)
        case .replace(let path, let value):
            try put(value, at: path, in: &root, mustExist: true)
        case .remove(let path):
            guard let parentPath = path.parent, let token = path.lastToken else {
                throw JSONError(.patch, "cannot remove the whole document")
            }
            let parent = try resolve(parentPath, in: root)
            if json_is_object_(parent) {
                guard objectDelete(parent, token) else { throw JSONError(.patch, "no member \"\(token)\"") }
            } else if json_is_array_(parent) {
                guard let index = JSONPointer.arrayIndex(token), index < json_array_size(parent) else {
                    throw JSONError(.patch, "array index \(token) out of range")
                }
                json_array_remove(parent, index)
            } else {
                throw JSONError(.patch, "parent is not a container")
            }
        case .test(let path, let value):
            let target = try resolve(path, in: root)
            let expected = value.makeJansson()
            defer { json_decref(expected) }
            guard json_equal(target, expected) != 0 else { throw JSONError(.patch, "test failed") }
        }
    }

    private static func put(
        _ value: JSON, at path: JSONPointer, in root: inout UnsafeMutablePointer<json_t>, mustExist: Bool
    ) throws {
        // Values are deep-copied in, so a later operation can never reach into the caller's document.
        let fresh = value.makeJansson()
        guard let copy = json_deep_copy(fresh) else { json_decref(fresh); throw JSONError(.patch, "copy failed") }
        json_decref(fresh)
        guard let parentPath = path.parent, let token = path.lastToken else {
            json_decref(root)
            root = copy
            return
        }
        let parent: UnsafeMutablePointer<json_t>
        do { parent = try resolve(parentPath, in: root) } catch { json_decref(copy); throw error }
        if json_is_object_(parent) {
            if mustExist && objectGet(parent, token) == nil {
                json_decref(copy)
                throw JSONError(.patch, "no member \"\(token)\" to replace")
            }
            objectSet(parent, token, copy)
        } else if json_is_array_(parent) {
            let size = json_array_size(parent)
            if token == "-" && !mustExist {
                json_array_append_new(parent, copy)
                return
            }
            guard let index = JSONPointer.arrayIndex(token), mustExist ? index < size : index <= size else {
                json_decref(copy)
                throw JSONError(.patch, "array index \(token) out of range (size \(size))")
            }
            if mustExist { json_array_set_new(parent, index, copy) } else { json_array_insert_new(parent, index, copy) }
        } else {
            json_decref(copy)
            throw JSONError(.patch, "parent is not an object or array")
        }
    }

    private static func resolve(_ path: JSONPointer, in root: UnsafeMutablePointer<json_t>) throws
        -> UnsafeMutablePointer<json_t>
    {
        var current = root
        for token in path.tokens {
            if json_is_object_(current), let next = objectGet(current, token) {
                current = next
            } else if json_is_array_(current), let index = JSONPointer.arrayIndex(token),
                      let next = json_array_get(current, index) {
                current = next
            } else {
                throw JSONError(.patch, "path \(path) does not exist")
            }
        }
        return current
    }
}

// Length-taking variants, so a key containing NUL is neither truncated nor confused with another.
private func objectGet(_ object: UnsafeMutablePointer<json_t>, _ key: String) -> UnsafeMutablePointer<json_t>? {
    withCChars(key) { json_object_getn(object, $0, $1) }
}

private func objectSet(_ object: UnsafeMutablePointer<json_t>, _ key: String, _ value: UnsafeMutablePointer<json_t>) {
    _ = withCChars(key) { json_object_setn_new_nocheck(object, $0, $1, value) }
}

private func objectDelete(_ object: UnsafeMutablePointer<json_t>, _ key: String) -> Bool {
    withCChars(key) { json_object_deln(object, $0, $1) } == 0
}

@inline(__always) func json_is_object_(_ value: UnsafeMutablePointer<json_t>) -> Bool { value.pointee.type == JSON_OBJECT }
@inline(__always) func json_is_array_(_ value: UnsafeMutablePointer<json_t>) -> Bool { value.pointee.type == JSON_ARRAY }
