// SPDX-License-Identifier: Apache-2.0
import Testing
import TokenGateJSON

/// The simdjson view must accept exactly what the Jansson reader accepts, refuse with the same
/// error code, and read every accepted document to the same values. Jansson is the oracle: it is
/// what TokenGate trusted before the view, and Kubernetes-compatible strictness (duplicate keys,
/// Int64 integers, UTF-8) was established on it. Seeded, so every run checks the same documents.
@Suite("JSON view agrees with Jansson on a generated corpus")
struct JSONViewDifferentialTests {
    /// Compares every document and returns how many Jansson accepted and rejected, and how many
    /// had a NUL byte Jansson skips (accepted by it, refused by the view).
    private func check(_ corpus: [(name: String, bytes: [UInt8])], limits: JSONLimits = .default)
        -> (accepted: Int, rejected: Int, skippedNUL: Int)
    {
        let parser = JSONViewParser(limits: limits)  // one parser for all: reuse must not leak state
        var accepted = 0, rejected = 0, skippedNUL = 0, failures: [String] = []
        for (name, bytes) in corpus {
            let result = JSONReaderComparison.compare(bytes, limits: limits, parser: parser)
            if result.janssonSkipsNUL { skippedNUL += 1 }
            else if result.jansson == .accepted { accepted += 1 } else { rejected += 1 }
            if let difference = result.difference {
                failures.append("\(name) \(String(decoding: bytes.prefix(120), as: UTF8.self).debugDescription): \(difference)")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(corpus.count) differ, e.g.\n\(failures.prefix(8).joined(separator: "\n"))")
        return (accepted, rejected, skippedNUL)
    }

    @Test("every fixture, cut every few bytes and with random single-byte edits")
    func fixturesAndMutations() throws {
        var random = SeededGenerator(seed: 0x5EED_0001)
        var corpus: [(String, [UInt8])] = []
        let fixtures = try JSONFixtures.all()
        #expect(fixtures.count >= 14)
        for (name, bytes) in fixtures {
            corpus.append((name, bytes))
            for (index, cut) in JSONMutations.truncations(bytes, step: bytes.count / 40).enumerated() {
                corpus.append(("\(name) cut #\(index)", cut))
            }
            for (index, edited) in JSONMutations.edits(bytes, count: 80, random: &random).enumerated() {
                corpus.append(("\(name) edit #\(index)", edited))
            }
        }
        let counts = check(corpus)
        #expect(counts.accepted >= fixtures.count && counts.rejected > corpus.count / 2, "\(counts)")
    }

    @Test("a duplicate of an object's first key, plain or \\u-escaped, is duplicateKey to both")
    func injectedDuplicates() throws {
        var random = SeededGenerator(seed: 0x5EED_0002)
        var total = 0
        for (name, bytes) in try JSONFixtures.all() {
            let offsets = JSONMutations.firstKeyOffsets(bytes)
            for offset in (0..<12).map({ _ in random.pick(offsets) }) {
                for escaped in [false, true] {
                    let text = JSONMutations.duplicatingKey(bytes, at: offset, escaped: escaped)
                    let result = JSONReaderComparison.compare(text)
                    #expect(result.jansson == .rejected(.duplicateKey), "\(name) at \(offset)")
                    #expect(result.difference == nil, "\(name) at \(offset): \(result.difference ?? "")")
                    total += 1
                }
            }
        }
        #expect(total >= 300)
    }

    @Test("the depth bound falls at the same place for both, on every fixture")
    func depthBoundaries() throws {
        func depth(_ node: JSONNode) -> Int {
            switch node.kind {
            case .object: 1 + (node.members.map { depth($0.value) }.max() ?? 0)
            case .array: 1 + (node.elements.map(depth).max() ?? 0)
            default: 0
            }
        }
        for (name, bytes) in try JSONFixtures.all() {
            let deepest = depth(try JSONDocument.parse(bytes).rootNode)
            #expect(JSONReaderComparison.compare(bytes, limits: JSONLimits(maxDepth: deepest)).jansson == .accepted, "\(name)")
            let shallow = JSONReaderComparison.compare(bytes, limits: JSONLimits(maxDepth: deepest - 1))
            #expect(shallow.jansson == .rejected(.tooDeep) && shallow.difference == nil, "\(name)")
            let wrapped = Array(repeating: UInt8(ascii: "["), count: 65 - deepest) + bytes + Array(repeating: UInt8(ascii: "]"), count: 65 - deepest)
            let deep = JSONReaderComparison.compare(wrapped)
            #expect(deep.jansson == .rejected(.tooDeep) && deep.difference == nil, "\(name)")
        }
    }

    @Test("numbers, escapes, surrogates, UTF-8, literals, structure and surroundings at their edges")
    func edgeCases() {
        let corpus = JSONEdgeCases.all()
        let counts = check(corpus)
        #expect(counts.accepted > 150 && counts.rejected > 400, "\(counts)")
        // The NUL cases: Jansson's skip is seen exactly where expected (in "1\0\0" the second NUL
        // is read; after a string or bracket nothing is skipped).
        let nul = check(JSONEdgeCases.nulAfterToken.map { ("nul", Array($0.utf8)) })
        #expect(nul.skippedNUL == 3 && nul.rejected == 3, "\(nul)")
        // Two things a view must never take on its own say: an empty body, a body of whitespace.
        #expect(JSONReaderComparison.compare([]).jansson == .rejected(.syntax))
        #expect(JSONReaderComparison.compare(Array(" \n".utf8)).jansson == .rejected(.syntax))
    }

    @Test("random documents, and random edits of some of them")
    func randomDocuments() {
        var text = RandomJSONText(seed: 0x5EED_0003)
        var random = SeededGenerator(seed: 0x5EED_0004)
        var corpus: [(String, [UInt8])] = []
        for index in 0..<1500 {
            let document = text.document(maxDepth: Int.random(in: 0...6, using: &random))
            corpus.append(("random #\(index)", document))
            if index % 5 == 0 {
                for (edit, edited) in JSONMutations.edits(document, count: 3, random: &random).enumerated() {
                    corpus.append(("random #\(index) edit #\(edit)", edited))
                }
            }
        }
        let counts = check(corpus)
        #expect(counts.accepted > 900 && counts.rejected > 200, "\(counts)")
    }
}
