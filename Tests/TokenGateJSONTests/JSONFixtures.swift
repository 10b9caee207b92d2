// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The repository's recorded JSON: every `.json` file under Tests/Fixtures, found recursively so a
/// new fixture joins the differential corpus without a code change.
enum JSONFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static let deploymentReview = "admission/deployment-create.mutating.v1.30.json"

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }

    /// (path relative to Tests/Fixtures, contents), sorted by path so the corpus order is stable.
    static func all() throws -> [(name: String, bytes: [UInt8])] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var found: [(String, [UInt8])] = []
        for case let url as URL in walker where url.pathExtension == "json" {
            let name = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
            found.append((name, [UInt8](try Data(contentsOf: url))))
        }
        return found.sorted { $0.0 < $1.0 }
    }
}
