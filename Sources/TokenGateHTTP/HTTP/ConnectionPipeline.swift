// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1

/// The handlers of one accepted connection, socket side first:
///
///     TLSHandler → RawBytesObserver → HTTP codec + pipelining → HTTPProtocolErrorResponder
///       → RequestPhaseObserver → HTTPConnection (routes and answers, on the event loop)
enum ConnectionPipeline {
    /// - Parameter tls: nil only for ``PageServer``, which serves plain HTTP on loopback.
    static func configure(
        _ channel: any Channel, tls: TLSContext?, connection: HTTPConnection.Shared, observer: any TLSHandshakeObserver
    ) throws {
        let limits = connection.limits
        let timeouts = ConnectionTimeouts(limits: limits)
        let sync = channel.pipeline.syncOperations
        if let tls {
            try sync.addHandler(TLSHandler(context: tls, role: .server, observer: observer, handshakeTimeout: limits.handshakeTimeout))
        }
        try sync.addHandler(RawBytesObserver(timeouts: timeouts))
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderListSize = limits.maxHeaderBytes
        decoderLimits.maxHeaderFieldSize = limits.maxHeaderBytes
        decoderLimits.maxHeaderFieldCount = 256
        try sync.configureHTTPServerPipeline(
            withPipeliningAssistance: true, withErrorHandling: false, withOutboundHeaderValidation: true,
            withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
        try sync.addHandler(HTTPProtocolErrorResponder(maxHeaderBytes: limits.maxHeaderBytes, metrics: connection.metrics))
        try sync.addHandler(RequestPhaseObserver(timeouts: timeouts))
        try sync.addHandler(HTTPConnection(shared: connection))
    }
}
