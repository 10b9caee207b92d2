// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import TokenGateAdmission

@Suite("Settings: config file, flags, validation")
struct SettingsTests {
    @Test("seed keys are read under services: (an OpenUnison values.yaml) and other keys ignored")
    func valuesYAML() throws {
        let yaml = """
            network:
              openunison_host: k8sou.apps.example.com
            services:
              enable_tokenrequest: true
              token_request_audience: https://kubernetes.default.svc
              token_request_expiration_seconds: 900
              node_selectors: []
            openunison:
              replicas: 1
            """
        let settings = try ProjectionSettings(config: ConfigFile(yaml: yaml))
        #expect(settings.enabled && settings.audience == "https://kubernetes.default.svc" && settings.expirationSeconds == 900)
        #expect(settings.selectors == LabelSelector.openUnisonDefaults)
        #expect(try settings.validate().isEmpty)
    }

    @Test("top-level seed keys win over services:, tokengate: holds TokenGate's own keys")
    func ownKeys() throws {
        let yaml = """
            enable_tokenrequest: true
            token_request_audience: https://top.example
            services:
              token_request_audience: https://services.example
              token_request_expiration_seconds: 1200
            tokengate:
              mountPath: /var/run/secrets/tokens
              tokenFileName: ou-token
              volumeName: ou-projected
              maxExpirationSeconds: 3600
              ownNamespace: tokengate
              allowedNamespaces: [openunison, apps]
              deniedNamespaces:
                - apps-legacy
              selectors:
                - app.kubernetes.io/part-of: openunison
                  app.kubernetes.io/component: application
                - team=iam,tier=web
            """
        let settings = try ProjectionSettings(config: ConfigFile(yaml: yaml))
        #expect(settings == ProjectionSettings(
            enabled: true, audience: "https://top.example", expirationSeconds: 1200, maxExpirationSeconds: 3600,
            mountPath: "/var/run/secrets/tokens", tokenFileName: "ou-token", volumeName: "ou-projected",
            selectors: [
                LabelSelector(["app.kubernetes.io/part-of": "openunison", "app.kubernetes.io/component": "application"]),
                LabelSelector(["team": "iam", "tier": "web"]),
            ],
            allowedNamespaces: ["openunison", "apps"], deniedNamespaces: ["apps-legacy"], ownNamespace: "tokengate"))
    }

    @Test("wrong YAML types fail with the key path and what was found, all at once")
    func wrongTypes() throws {
        let yaml = """
            services:
              enable_tokenrequest: "true"
              token_request_expiration_seconds: "600"
              token_request_audience: 42
            tokengate:
              selectors: openunison
              allowedNamespaces: [1]
            """
        let error = #expect(throws: ConfigError.self) { try ProjectionSettings(config: ConfigFile(yaml: yaml)) }
        let problems = error?.problems ?? []
        #expect(problems.contains("services.enable_tokenrequest: expected true or false, found string \"true\""))
        #expect(problems.contains("services.token_request_expiration_seconds: expected an integer, found string \"600\""))
        #expect(problems.contains("services.token_request_audience: expected a string, found integer 42"))
        #expect(problems.contains("tokengate.selectors: expected a list, found string \"openunison\""))
        #expect(problems.contains("tokengate.allowedNamespaces[0]: expected a string, found integer 1"))
        #expect(error?.description.contains("5 problems") == true)
    }

    @Test("startup validation: expiration below 600, empty audience, bad names", arguments: [
        (ProjectionSettings(enabled: true, expirationSeconds: 300), "token_request_expiration_seconds is 300: the API server refuses projected tokens shorter than 600 seconds"),
        (ProjectionSettings(enabled: true, audience: ""), "token_request_audience is empty"),
        (ProjectionSettings(enabled: true, expirationSeconds: 90000), "above tokengate.maxExpirationSeconds (86400)"),
        (ProjectionSettings(enabled: true, maxExpirationSeconds: 100), "tokengate.maxExpirationSeconds is 100"),
        (ProjectionSettings(enabled: true, mountPath: "relative"), "tokengate.mountPath"),
        (ProjectionSettings(enabled: true, tokenFileName: "../x"), "tokengate.tokenFileName"),
        (ProjectionSettings(enabled: true, volumeName: "Token_Volume"), "tokengate.volumeName"),
        (ProjectionSettings(enabled: true, deniedNamespaces: ["Bad NS"]), "namespace \"Bad NS\""),
    ])
    func validation(_ settings: ProjectionSettings, _ expected: String) {
        let error = #expect(throws: ConfigError.self) { try settings.validate() }
        #expect(error?.description.contains(expected) == true, "\(String(describing: error))")
    }

    @Test("audience api is accepted with a warning that suggests https://kubernetes.default.svc")
    func apiAudienceWarning() throws {
        let warnings = try ProjectionSettings(enabled: true, audience: "api").validate()
        #expect(warnings.count == 1)
        #expect(warnings[0].contains("#108") && warnings[0].contains("https://kubernetes.default.svc"))
        // A disabled feature does not fail startup for its own values.
        #expect(try ProjectionSettings(enabled: false, audience: "", expirationSeconds: 1).validate().isEmpty)
    }

    @Test("flags override the file; load() reads, merges and validates")
    func flagsOverride() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokengate-settings-\(UUID().uuidString).yaml").path
        try "services:\n  enable_tokenrequest: false\n  token_request_audience: api\n  token_request_expiration_seconds: 600\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try ProjectionSettings.load(
            configPath: path, overrides: .init(enabled: true, audience: "https://kubernetes.default.svc", expirationSeconds: 1800))
        #expect(loaded.settings.enabled && loaded.settings.audience == "https://kubernetes.default.svc")
        #expect(loaded.settings.expirationSeconds == 1800 && loaded.warnings.isEmpty)
        let bad = #expect(throws: ConfigError.self) { try ProjectionSettings.load(configPath: path, overrides: .init(enabled: true, expirationSeconds: 10)) }
        #expect(bad?.description.contains("token_request_expiration_seconds is 10") == true)
        let missing = #expect(throws: ConfigError.self) { try ProjectionSettings.load(configPath: path + ".missing") }
        #expect(missing?.description.contains("cannot read config file") == true)
    }

    @Test("other sections of the same file stay readable (the broker's broker: key)")
    func otherSections() throws {
        let file = try ConfigFile(yaml: "broker:\n  issuer: https://tokengate.example\n  ttl_seconds: 300\n")
        let broker = try #require(file.section("broker"))
        #expect(try broker["issuer"]?.string() == "https://tokengate.example")
        #expect(try broker["ttl_seconds"]?.int() == 300)
        #expect(file.section("tokengate") == nil)
        #expect(throws: ConfigError.self) { try ConfigFile(yaml: "- a\n- b\n") }
        #expect(throws: ConfigError.self) { try ConfigFile(yaml: "a: [\n") }
        #expect(try ProjectionSettings(config: ConfigFile(yaml: "")) == ProjectionSettings())
    }
}

@Suite("tokengate: section keys")
struct OwnSectionKeyTests {
    @Test("an unknown or snake_case key is an error that names the right spelling")
    func unknownKeysAreRefused() throws {
        let yaml = """
            enable_tokenrequest: true
            token_request_audience: https://kubernetes.default.svc
            token_request_expiration_seconds: 600
            tokengate:
              mount_path: /var/run/secrets/tokens
              volumeNmae: x
              ownNamespace: tokengate-system
            """
        let error = try #require(throws: ConfigError.self) { try ProjectionSettings(config: ConfigFile(yaml: yaml)) }
        #expect(error.problems.count == 2)
        #expect(error.problems.contains { $0.hasPrefix("tokengate.mount_path is not a TokenGate setting (did you mean mountPath?)") })
        #expect(error.problems.contains { $0.hasPrefix("tokengate.volumeNmae is not a TokenGate setting;") && $0.contains("volumeName") })
    }

    @Test("every documented key is accepted")
    func knownKeysAreAccepted() throws {
        let yaml = """
            tokengate:
              mountPath: /var/run/secrets/tokens
              tokenFileName: ou-token
              volumeName: ou-token
              maxExpirationSeconds: 7200
              allowedNamespaces: [openunison]
              deniedNamespaces: [scratch]
              ownNamespace: tokengate-system
              selectors: ["app=openunison"]
            """
        let settings = try ProjectionSettings(config: ConfigFile(yaml: yaml))
        #expect(settings.mountPath == "/var/run/secrets/tokens" && settings.tokenFileName == "ou-token")
        #expect(settings.volumeName == "ou-token" && settings.maxExpirationSeconds == 7200)
        #expect(settings.allowedNamespaces == ["openunison"] && settings.deniedNamespaces == ["scratch"])
        #expect(settings.ownNamespace == "tokengate-system" && settings.selectors.count == 1)
    }
}
