// SPDX-License-Identifier: Apache-2.0

/// A problem in the `broker:` configuration, with the YAML path and line so the operator can
/// go straight to it ("broker.clusters[1].issuer (line 14): must be an https URL").
public struct SettingsError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let line: Int?
    public let message: String

    public init(path: String, line: Int?, _ message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        let place = line.map { "\(path) (line \($0))" } ?? path
        return "\(place): \(message)"
    }
}
