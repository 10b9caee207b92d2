// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateAdmission

/// `serve` learns TokenGate's own namespace (always skipped) from POD_NAMESPACE unless the config names it.
@Suite("Settings: own namespace from POD_NAMESPACE")
struct PodNamespaceTests {
    static func configFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokengate-podns-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("POD_NAMESPACE is read from the environment; empty counts as unset")
    func environment() {
        #expect(ProjectionSettings.podNamespace(environment: ["POD_NAMESPACE": "ou-tokengate"]) == "ou-tokengate")
        #expect(ProjectionSettings.podNamespace(environment: ["POD_NAMESPACE": ""]) == nil)
        #expect(ProjectionSettings.podNamespace(environment: [:]) == nil)
    }

    @Test("without tokengate.ownNamespace the fallback becomes the own namespace, and objects there are skipped")
    func fallbackUsed() throws {
        let path = try Self.configFile("enable_tokenrequest: true\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try ProjectionSettings.load(configPath: path, ownNamespaceFallback: "ou-tokengate")
        #expect(loaded.settings.ownNamespace == "ou-tokengate")
        #expect(loaded.settings.skipReason(namespace: "ou-tokengate") == "namespace ou-tokengate is TokenGate's own")
        #expect(try ProjectionSettings.load(configPath: nil, ownNamespaceFallback: "x").settings.ownNamespace == "x")
    }

    @Test("tokengate.ownNamespace in the config wins over the fallback")
    func configWins() throws {
        let path = try Self.configFile("enable_tokenrequest: true\ntokengate:\n  ownNamespace: from-config\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try ProjectionSettings.load(configPath: path, ownNamespaceFallback: "from-env")
        #expect(loaded.settings.ownNamespace == "from-config")
        #expect(loaded.settings.skipReason(namespace: "from-env") == nil)
    }

    @Test("no fallback keeps the old behaviour; an invalid one fails with what to fix")
    func noneOrInvalid() throws {
        #expect(try ProjectionSettings.load(configPath: nil, ownNamespaceFallback: nil).settings.ownNamespace == nil)
        let error = #expect(throws: ConfigError.self) { try ProjectionSettings.load(configPath: nil, ownNamespaceFallback: "Not_A_Namespace") }
        #expect(error?.description.contains("POD_NAMESPACE") == true)
    }
}
