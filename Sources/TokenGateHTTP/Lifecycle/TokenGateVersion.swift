// SPDX-License-Identifier: Apache-2.0

/// The version `tokengate --version` prints and the server logs at start.
public enum TokenGateVersion {
    public static let current = "0.1.0-dev"
}
