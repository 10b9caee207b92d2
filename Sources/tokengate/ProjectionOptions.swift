// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import TokenGateAdmission

/// The flags that override the projection settings from `--config`, shared by `serve`, `mutate`
/// and `render` so the three front ends of the same rules take the same flags.
struct ProjectionOptions: ParsableArguments {
    @Flag(inversion: .prefixedEnableDisable, help: "Override enable_tokenrequest from the config file.")
    var tokenrequest: Bool?

    @Option(help: "Override token_request_audience.")
    var audience: String?

    @Option(help: "Override token_request_expiration_seconds (600 or more).")
    var expirationSeconds: Int?

    @Option(help: "TokenGate's own namespace, always skipped (overrides tokengate.ownNamespace).")
    var ownNamespace: String?

    var overrides: ProjectionSettings.Overrides {
        ProjectionSettings.Overrides(
            enabled: tokenrequest, audience: audience, expirationSeconds: expirationSeconds, ownNamespace: ownNamespace)
    }
}
