// SPDX-License-Identifier: Apache-2.0

/// A reason the server cannot start (a config that does not load, a signing key that does not
/// parse, a database path that cannot be created): the CLI prints it as `Error: <message>`, without
/// the usage text that flag-syntax errors get.
public struct ServiceStartupError: Error, CustomStringConvertible {
    public let message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}
