// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Reads small local files: JWKS files named in the config and PEM signing keys.
///
/// The only file access in the broker module. Files are read whole and size-checked, because
/// they come from mounted Secrets and ConfigMaps that are re-read on every reload.
public struct LocalFiles: JWKSFileReader {
    public static let maximumBytes = 1 << 20

    public init() {}

    public func read(path: String) throws(UpstreamUnavailable) -> [UInt8] {
        do {
            return try Self.contents(of: path)
        } catch {
            throw UpstreamUnavailable(.jwks, cluster: "-", "cannot read JWKS file \(path): \(error)")
        }
    }

    /// The file's bytes, or an error that names the file and what went wrong.
    public static func contents(of path: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: path)
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maximumBytes else {
            throw FileTooLarge(path: path, size: size)
        }
        return Array(try Data(contentsOf: url))
    }

    struct FileTooLarge: Error, CustomStringConvertible {
        let path: String
        let size: Int
        var description: String { "\(path) is \(size) bytes; at most \(LocalFiles.maximumBytes) are read" }
    }
}
