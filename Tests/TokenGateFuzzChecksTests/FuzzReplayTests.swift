// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateFuzzChecks

/// Replays every committed fuzz input through the same checks the fuzz executables run: the
/// seeds in `Tests/Fuzz/Corpus/<target>` and every reproducer libFuzzer saved under
/// `Tests/Fuzz/Crashes/<target>`. A reproducer stays after its fix, so the bug it found stays
/// fixed; a new one fails here with the broken invariant until the code is fixed.
@Suite("Fuzz replay")
struct FuzzReplayTests {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    static func files(_ kind: String, _ target: String) throws -> [URL] {
        let directory = fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(target)
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test("seeds and crash reproducers pass their target's invariants", arguments: FuzzTarget.all.map(\.name))
    func replay(_ name: String) throws {
        let target = try #require(FuzzTarget.all.first { $0.name == name })
        let inputs = try Self.files("Corpus", name) + Self.files("Crashes", name)
        #expect(!inputs.isEmpty, "Tests/Fuzz/Corpus/\(name) has no seeds")
        for file in inputs {
            let bytes = [UInt8](try Data(contentsOf: file))
            do {
                try target.check(bytes)
            } catch {
                Issue.record("\(file.deletingLastPathComponent().lastPathComponent)/\(file.lastPathComponent): \(error)")
            }
        }
    }

    @Test("every fuzz executable has its check in FuzzTarget.all, and every check an executable")
    func executablesMatchChecks() throws {
        let sources = Self.fuzzDirectory.appendingPathComponent("Sources")
        let executables = try FileManager.default.contentsOfDirectory(atPath: sources.path)
            .filter { $0.hasPrefix("fuzz-") }.map { String($0.dropFirst("fuzz-".count)) }
        #expect(Set(executables) == Set(FuzzTarget.all.map(\.name)))
        #expect(Set(FuzzTarget.all.map(\.name)).count == FuzzTarget.all.count, "two targets share a name")
    }

    @Test("every corpus and crash directory belongs to a target")
    func directoriesNameTargets() throws {
        let names = Set(FuzzTarget.all.map(\.name))
        for kind in ["Corpus", "Crashes"] {
            let directory = Self.fuzzDirectory.appendingPathComponent(kind)
            guard FileManager.default.fileExists(atPath: directory.path) else { continue }
            for entry in try FileManager.default.contentsOfDirectory(atPath: directory.path) where !entry.hasPrefix(".") {
                #expect(names.contains(entry), "Tests/Fuzz/\(kind)/\(entry) is not a fuzz target, so nothing replays it")
            }
        }
    }
}
