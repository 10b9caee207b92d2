// SPDX-License-Identifier: Apache-2.0
import TokenGateAdmission
import TokenGateBroker
import TokenGateHTTP

/// Finds the broker's part of TokenGate's config file.
///
/// The broker is optional: a config without a `broker:` section (top level or under
/// `tokengate:`) runs the webhook alone, and `serve` registers no broker routes.
public enum BrokerConfig {
    public static func hasBrokerSection(yaml: String) -> Bool {
        guard let file = try? ConfigFile(yaml: yaml) else { return false }
        return file.section("broker") != nil || file.section("tokengate")?["broker"] != nil
    }

    /// The broker settings of `yaml`, or nil when it has no broker section.
    /// - Throws: ``SettingsError`` when the section is there but invalid.
    public static func settings(yaml: String) throws(SettingsError) -> BrokerSettings? {
        guard hasBrokerSection(yaml: yaml) else { return nil }
        return try BrokerSettings.parse(yaml: yaml)
    }
}
