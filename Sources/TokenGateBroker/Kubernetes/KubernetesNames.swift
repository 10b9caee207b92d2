// SPDX-License-Identifier: Apache-2.0

/// Kubernetes name syntax, checked before a name from a token is used in an API path.
public enum KubernetesNames {
    /// RFC 1123 subdomain: lower-case alphanumerics, '-' and '.', at most 253 characters,
    /// starting and ending with an alphanumeric. Pod and namespace names satisfy it.
    public static func isSubdomain(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        let bytes = name.utf8  // read in place: three names per exchange
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }
}
