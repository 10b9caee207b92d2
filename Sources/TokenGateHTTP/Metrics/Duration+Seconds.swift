// SPDX-License-Identifier: Apache-2.0

extension Duration {
    /// The duration as fractional seconds, for metrics and logs.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
