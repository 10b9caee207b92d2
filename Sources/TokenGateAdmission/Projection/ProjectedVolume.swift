// SPDX-License-Identifier: Apache-2.0
import TokenGateJSON

/// The projected volume TokenGate adds and the test for "an equivalent one is already there".
///
/// The layout is the one the API server's ServiceAccount plugin builds (token, `ca.crt`,
/// `namespace`), which every Kubernetes client library reads from the mount path, with an
/// explicit audience and expiration.
struct ProjectedVolume {
    var audience: String
    var expirationSeconds: Int
    var tokenFileName: String

    /// Expiration the API server assumes when a serviceAccountToken source has none.
    static let defaultExpirationSeconds: Int64 = 3600

    func volume(named name: String) -> JSON {
        [
            "name": .string(name),
            "projected": [
                "defaultMode": 420,
                "sources": [
                    [
                        "serviceAccountToken": [
                            "audience": .string(audience), "expirationSeconds": .int(expirationSeconds),
                            "path": .string(tokenFileName),
                        ]
                    ],
                    ["configMap": ["name": "kube-root-ca.crt", "items": [["key": "ca.crt", "path": "ca.crt"]]]],
                    [
                        "downwardAPI": [
                            "items": [
                                ["path": "namespace", "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]]
                            ]
                        ]
                    ],
                ],
            ],
        ]
    }

    static func mount(named name: String, at path: String) -> JSON {
        ["name": .string(name), "mountPath": .string(path), "readOnly": true]
    }

    /// True when `volume` projects a token with the same audience, expiration and file name,
    /// whatever the volume is called and whatever else it projects.
    func isEquivalent(_ volume: JSONView.Value) -> Bool {
        guard let sources = volume["projected"]?["sources"] else { return false }
        return sources.elements.contains { source in
            guard let token = source["serviceAccountToken"], token.isObject else { return false }
            return token["audience"]?.string == audience
                && (token["expirationSeconds"]?.int ?? Self.defaultExpirationSeconds) == Int64(expirationSeconds)
                && normalizedRelative(token["path"]?.string) == normalizedRelative(tokenFileName)
        }
    }

    private func normalizedRelative(_ path: String?) -> String? {
        guard let path else { return nil }
        return path.hasPrefix("./") ? String(path.dropFirst(2)) : path
    }
}

extension ProjectedVolume {
    /// The volume and mount for the settings' own name, audience and expiration, built once per
    /// settings: nearly every patch adds exactly these, and a `JSON` value is shared, not copied,
    /// so a request neither builds nor frees their trees.
    struct Prebuilt: Sendable {
        let settings: ProjectionSettings
        let volume: JSON
        let mount: JSON

        init(settings: ProjectionSettings) {
            self.settings = settings
            let projected = ProjectedVolume(
                audience: settings.audience, expirationSeconds: settings.expirationSeconds, tokenFileName: settings.tokenFileName)
            volume = projected.volume(named: settings.volumeName)
            mount = ProjectedVolume.mount(named: settings.volumeName, at: settings.mountPath)
        }

        /// The prebuilt volume when `projected` named `name` is the one it was built for.
        func volume(named name: String, _ projected: ProjectedVolume) -> JSON? {
            guard name == settings.volumeName, projected.audience == settings.audience,
                  projected.expirationSeconds == settings.expirationSeconds,
                  projected.tokenFileName == settings.tokenFileName else { return Optional.none }
            return volume
        }

        func mount(named name: String) -> JSON? {
            // Not `? mount : nil`: JSON is ExpressibleByNilLiteral, so that nil would be JSON.null.
            guard name == settings.volumeName else { return Optional.none }
            return mount
        }
    }
}

/// Mount paths compare without a trailing slash.
func normalizedMountPath(_ path: String) -> String {
    var path = path
    while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    return path
}
