// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1

/// The handlers of one accepted connection, socket side first:
///
///     TLSHandler → RawBytesObserver → HTTP codec + pipelining → HTTPProtocolErrorResponder
///       → RequestPhaseObserver → NIOAsyncChannel (the connection task, ``HTTPConnection``)
enum ConnectionPipeline {
    static func configure(
        _ channel: any Channel, tls: TLSContext, limits: HTTPLimits, observer: any TLSHandshakeObserver, metrics: ServerMetrics?
    ) throws -> HTTPConnection.Channel {
        let timeouts = ConnectionTimeouts(limits: limits)
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(TLSHandler(context: tls, role: .server, observer: observer, handshakeTimeout: limits.handshakeTimeout))
        try sync.addHandler(RawBytesObserver(timeouts: timeouts))
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderListSize = limits.maxHeaderBytes
        decoderLimits.maxHeaderFieldSize = limits.maxHeaderBytes
        decoderLimits.maxHeaderFieldCount = 256
        try sync.configureHTTPServerPipeline(
            withPipeliningAssistance: true, withErrorHandling: false, withOutboundHeaderValidation: true,
            withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
        try sync.addHandler(HTTPProtocolErrorResponder(maxHeaderBytes: limits.maxHeaderBytes, metrics: metrics))
        try sync.addHandler(RequestPhaseObserver(timeouts: timeouts))
        return try HTTPConnection.Channel(wrappingChannelSynchronously: channel)
    }
}
