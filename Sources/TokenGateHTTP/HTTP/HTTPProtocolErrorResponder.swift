// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1

/// Answers requests the HTTP parser rejects: 431 for oversized headers, 400 for anything else
/// malformed, as a JSON `Status`, then lets the decoder close the connection.
///
/// Replaces NIO's `HTTPServerProtocolErrorHandler`, which answers an empty 400 for everything.
/// Like it, it only answers when no response has started, so it never corrupts a response in
/// progress.
final class HTTPProtocolErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var responseInProgress = false
    private let maxHeaderBytes: Int
    private let metrics: ServerMetrics?

    init(maxHeaderBytes: Int, metrics: ServerMetrics?) {
        self.maxHeaderBytes = maxHeaderBytes
        self.metrics = metrics
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        if !responseInProgress {
            let response: ServerResponse
            if parserError == .headerOverflow {
                response = .failure(
                    .init(statusCode: 431, reasonPhrase: "Request Header Fields Too Large"), reason: "RequestHeaderFieldsTooLarge",
                    message: "request line and headers exceed \(maxHeaderBytes) bytes")
            } else {
                response = .failure(.badRequest, reason: "BadRequest", message: "malformed HTTP request: \(parserError)")
            }
            metrics?.requestRefusedByParser(code: Int(response.status.code))
            var headers = response.headers
            headers.replaceOrAdd(name: "content-length", value: String(response.body.readableBytes))
            headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        // Not passed on: the connection task would only see an error it cannot do anything
        // about; the decoder closes the channel, which ends that task.
        context.close(promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code < 200: break  // 100 Continue
        case .head: responseInProgress = true
        case .body: break
        case .end: responseInProgress = false
        }
        context.write(data, promise: promise)
    }
}
