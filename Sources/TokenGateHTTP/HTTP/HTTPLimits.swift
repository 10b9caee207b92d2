// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// Bounds on what one client can make the server hold or wait for.
public struct HTTPLimits: Sendable {
    /// Largest accepted request body. 7 MiB: an UPDATE review carries the object twice plus
    /// managedFields, objects reach ~1.5 MiB (etcd), and controller-runtime settled on ~7 MiB.
    public var maxBodyBytes: Int = 7 * 1024 * 1024
    /// Largest total size of header names and values; larger requests get 431.
    public var maxHeaderBytes: Int = 32 * 1024
    /// Time allowed from the first byte of a request to its last body byte (slow senders are cut off).
    public var requestReadTimeout: TimeAmount = .seconds(10)
    /// Time a keep-alive connection may sit between requests. The API server's Go client keeps
    /// idle connections for 90 s; closing ours a little earlier avoids racing its reuse.
    public var idleTimeout: TimeAmount = .seconds(60)
    /// Open connections beyond this are closed as soon as they are accepted, so a connection
    /// flood runs out of this budget before the process runs out of file descriptors.
    public var maxConnections: Int = 4096
    /// Time allowed for the TLS handshake.
    public var handshakeTimeout: TimeAmount = .seconds(10)

    public init() {}
}
