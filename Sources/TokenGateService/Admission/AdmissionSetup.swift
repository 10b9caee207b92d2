// SPDX-License-Identifier: Apache-2.0
import Logging
import TokenGateAdmission

/// The one place that decides which ``AdmissionReviewHandler`` serves /mutate and /validate.
enum AdmissionSetup {
    /// TokenGateAdmission's handler (projection mutator on /mutate, Workflow/Target rules on
    /// /validate) with settings from `--config`. A config that does not load or validate stops the
    /// server with the reason, so a running server always has a valid configuration.
    ///
    /// (``AllowAllAdmissionHandler`` is the placeholder behaviour, kept for tests and for bringing
    /// up the server alone.)
    /// - Parameter issuersInUse: the trusted clusters' issuers by cluster name (config file and
    ///   TrustedCluster resources), for the TrustedCluster rule; asked on every review.
    static func handler(
        configPath: String?, overrides: ProjectionSettings.Overrides, logger: Logger,
        issuersInUse: @escaping @Sendable () -> [String: String] = { [:] }
    ) throws(ServiceStartupError) -> any AdmissionReviewHandler {
        let loaded: (settings: ProjectionSettings, warnings: [String])
        do {
            loaded = try ProjectionSettings.load(
                configPath: configPath, overrides: overrides, ownNamespaceFallback: ProjectionSettings.podNamespace())
        } catch {
            throw ServiceStartupError(message: "--config \(configPath ?? "(none)"): \(error)")
        }
        for warning in loaded.warnings {
            logger.warning("configuration", metadata: ["warning": "\(warning)", "config": "\(configPath ?? "(defaults)")"])
        }
        return TokenGateAdmissionHandler(settings: loaded.settings, validatingRules: [
            WorkflowValidatingRule(), TrustedClusterValidatingRule(issuersInUse: issuersInUse),
        ])
    }
}
